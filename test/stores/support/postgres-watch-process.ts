/**
 * A separate process that authenticates a key, says "ready", and then asks again every 5 ms until
 * the key is refused; then prints "refused". argv = database url, schema, api key. Its poll
 * fallback is set to a minute, so only a NOTIFY can tell it of the revocation in time.
 */
import { createMeter } from '../../../src/metering/index.js';
import { systemClock } from '../../../src/metering/system-clock.js';
import { createPostgresStore } from '../../../src/stores/postgres/index.js';
import { loadDefaultPlans, TEST_KEY_SECRET } from '../../support/world.js';

const [url, schema, key] = process.argv.slice(2);
const store = await createPostgresStore({ connectionString: url!, schema: schema!, clock: systemClock, changePollMs: 60_000 });
// A long cache TTL: the cached context must be dropped by the change, not by expiry.
const meter = createMeter({ store, plans: loadDefaultPlans(), keySecret: TEST_KEY_SECRET, metering: { tenantCacheTtlMs: 600_000 } });
if (!(await meter.authenticate(key)).ok) throw new Error('the key should be valid at first');
process.stdout.write('ready\n');
while ((await meter.authenticate(key)).ok) await new Promise((resolve) => setTimeout(resolve, 5));
process.stdout.write('refused\n');
await meter.close();
await store.close();
