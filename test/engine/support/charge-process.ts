/**
 * A separate process charging against a store it shares with the test:
 * argv = store spec (JSON, see store-spec.ts), api key, calls, concurrency, offset.
 * Prints one JSON line with what it was granted.
 */
import { createMeter } from '../../../src/metering/index.js';
import { systemClock } from '../../../src/metering/system-clock.js';
import { loadDefaultPlans, TEST_KEY_SECRET } from '../../support/world.js';
import { chargeMixedCalls } from './shared-limit.js';
import { openStore, type StoreSpec } from './store-spec.js';

const [spec, key, calls, concurrency, offset] = process.argv.slice(2);

const store = await openStore(JSON.parse(spec!) as StoreSpec, systemClock);
const meter = createMeter({ store, plans: loadDefaultPlans(), keySecret: TEST_KEY_SECRET });
const auth = await meter.authenticate(key);
if (!auth.ok) throw auth.error;
const tally = await chargeMixedCalls(meter, auth.value, { calls: Number(calls), concurrency: Number(concurrency), offset: Number(offset ?? 0) });
await meter.close();
await store.close();
process.stdout.write(JSON.stringify(tally) + '\n');
