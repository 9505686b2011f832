/**
 * A separate process charging through the Redis store: argv = JSON of RedisChargeSpec. It prints a
 * line {"id","cost"} for every charge granted to it, as soon as it is granted (a test may kill it
 * mid-run and still know what it acknowledged), then {"done":true,"refused":n,"unavailable":n}.
 */
import { createMeter } from '../../../src/metering/index.js';
import { systemClock } from '../../../src/metering/system-clock.js';
import { createPostgresStore } from '../../../src/stores/postgres/index.js';
import { createRedisStore } from '../../../src/stores/redis/index.js';
import { mixedCall } from '../../engine/support/mixed-calls.js';
import { loadDefaultPlans, TEST_KEY_SECRET } from '../../support/world.js';
import type { RedisChargeSpec } from './redis-processes.js';

const spec = JSON.parse(process.argv[2]!) as RedisChargeSpec;
const postgres = await createPostgresStore({ connectionString: spec.databaseUrl, schema: spec.schema, clock: systemClock });
const store = await createRedisStore({ redis: spec.redisUrl, keyPrefix: spec.keyPrefix, postgres, clock: systemClock, ...spec.store });
const meter = createMeter({ store, plans: loadDefaultPlans(), keySecret: TEST_KEY_SECRET });
const auth = await meter.authenticate(spec.key);
if (!auth.ok) throw auth.error;
const tally = { refused: 0, unavailable: 0 };
let next = 0;
await Promise.all(
  Array.from({ length: spec.concurrency }, async () => {
    while (next < spec.calls) {
      const call = mixedCall(spec.offset + next++);
      const decision = await meter.charge(auth.value, call.operation, { parameters: call.parameters });
      if (decision.allowed) process.stdout.write(JSON.stringify({ id: decision.receipt!.id, cost: decision.cost }) + '\n');
      else if (decision.status === 429) tally.refused++;
      else if (decision.status === 503) tally.unavailable++;
      else throw decision.error;
      if (spec.pauseMs) await new Promise((resolve) => setTimeout(resolve, spec.pauseMs));
    }
  }),
);
await meter.close();
await store.close();
process.stdout.write(JSON.stringify({ done: true, ...tally }) + '\n');
