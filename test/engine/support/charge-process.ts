/**
 * A separate process charging against a shared SQLite file: argv = file, api key, calls, concurrency.
 * Prints one JSON line with what it was granted.
 */
import { createMeter } from '../../../src/metering/index.js';
import { createSqliteStore } from '../../../src/stores/sqlite/index.js';
import { systemClock } from '../../../src/metering/system-clock.js';
import { loadDefaultPlans, TEST_KEY_SECRET } from '../../support/world.js';
import { mixedCall } from './mixed-calls.js';

const [path, key, callsText, concurrencyText, offsetText] = process.argv.slice(2);
const calls = Number(callsText);
const concurrency = Number(concurrencyText);
const offset = Number(offsetText ?? 0);

const store = createSqliteStore({ path: path!, clock: systemClock });
const meter = createMeter({ store, plans: loadDefaultPlans(), keySecret: TEST_KEY_SECRET });
const auth = await meter.authenticate(key);
if (!auth.ok) throw auth.error;

let next = 0;
let grantedCost = 0;
let granted = 0;
let refused = 0;
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (next < calls) {
      const i = next++;
      const call = mixedCall(offset + i);
      const decision = await meter.charge(auth.value, call.operation, { parameters: call.parameters });
      if (decision.allowed) {
        granted++;
        grantedCost += decision.cost;
      } else if (decision.status === 429) refused++;
      else throw decision.error;
    }
  }),
);
await meter.close();
await store.close();
process.stdout.write(JSON.stringify({ granted, grantedCost, refused }) + '\n');
