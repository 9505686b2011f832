import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'vitest';
import { periodOf } from '../../../src/core/periods.js';
import type { Meter, TenantContext } from '../../../src/metering/index.js';
import type { World } from '../../support/world.js';
import { mixedCall } from './mixed-calls.js';
import type { StoreSpec } from './store-spec.js';

const run = promisify(execFile);
const CHILD = fileURLToPath(new URL('./charge-process.ts', import.meta.url));

export interface ChargeTally {
  granted: number;
  grantedCost: number;
  refused: number;
}

/** `concurrency` async callers share `calls` mixed charges (mixedCall(offset + i)); 429s are counted, other refusals throw. */
export async function chargeMixedCalls(meter: Meter, context: TenantContext, options: { calls: number; concurrency: number; offset: number }): Promise<ChargeTally> {
  const tally: ChargeTally = { granted: 0, grantedCost: 0, refused: 0 };
  let next = 0;
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      while (next < options.calls) {
        const call = mixedCall(options.offset + next++);
        const decision = await meter.charge(context, call.operation, { parameters: call.parameters });
        if (decision.allowed) {
          tally.granted++;
          tally.grantedCost += decision.cost;
        } else if (decision.status === 429) tally.refused++;
        else throw decision.error;
      }
    }),
  );
  return tally;
}

/**
 * 10,000 mixed charges against one organization limited to 5,000: 4,000 from 100 async callers in
 * this process and 3,000 from each of two child processes opening the same store. Nothing may be
 * lost and the limit never passed; Interaction records must add up to the counter.
 */
export async function expectLimitHeldAcrossProcesses(w: World, spec: StoreSpec): Promise<void> {
  const { context, key } = await w.tenant({
    organization: { planTier: 'enterprise', rateLimits: { max_mini_interactions_per_month: 5000, rate_limit_per_minute: 1_000_000 } },
  });
  const child = (calls: number, offset: number) =>
    run(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify(spec), key, String(calls), '50', String(offset)], { maxBuffer: 1 << 20 }).then(
      (r) => JSON.parse(r.stdout) as ChargeTally,
    );
  const [a, b, here] = await Promise.all([child(3000, 1), child(3000, 2), chargeMixedCalls(w.meter, context, { calls: 4000, concurrency: 100, offset: 0 })]);
  const all = [here, a, b];
  const grantedCost = all.reduce((s, r) => s + r.grantedCost, 0);
  const calls = all.reduce((s, r) => s + r.granted + r.refused, 0);

  const period = periodOf(Date.now()).key;
  const [used] = await w.store.ledger.readCounters([{ scope: 'organization', scopeId: context.organization.id, metric: 'mini', period }]);
  expect(calls).toBe(10_000);
  expect(used).toBe(grantedCost);
  expect(used).toBeLessThanOrEqual(5000);
  expect(used).toBeGreaterThan(5000 - 12);
  // Each process got a share: the charges really interleaved.
  for (const r of all) expect(r.granted).toBeGreaterThan(0);
  const records = await w.store.log.interactions({ organizationId: context.organization.id });
  expect(records.reduce((s, r) => s + r.count, 0)).toBe(used);
  expect(records.reduce((s, r) => s + r.calls, 0)).toBe(all.reduce((s, r) => s + r.granted, 0));
}
