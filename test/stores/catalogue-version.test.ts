/**
 * Issue 12: the meter event of a charge names the catalogue version that priced it on every store,
 * Redis's stream included (the version travels in the charge's outbox spec, which every store keeps
 * as it is), and a refund's meter event names the charge's version.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { buildCatalogueVersions, createCatalogueSchedule } from '../../src/core/catalogue-versions.js';
import { selectedHarnesses } from '../conformance/harnesses.js';
import { manualClock } from '../support/clock.js';
import { createWorld } from '../support/world.js';

const EFFECTIVE = Date.parse('2026-11-20T00:00:00.000Z');
const schedule = createCatalogueSchedule(
  buildCatalogueVersions([
    { version: 1, effectiveFromMs: 0, operations: {} },
    { version: 2, effectiveFromMs: EFFECTIVE, operations: { add_memory_v1: { cost: { kind: 'fixed', cost: 5 } } } },
  ]),
);

for (const h of selectedHarnesses({ STORES: 'ram,sqlite,postgres,redis' })) {
  const reason = await h.unavailable();
  describe.skipIf(reason !== null && process.env.CI !== 'true')(`${h.name}: catalogue version of meter events${reason ? ` (skipped: ${reason})` : ''}`, () => {
    afterAll(() => h.cleanup());

    it('a charge just before the instant of effect meters the old price under version 1, one at it the new under version 2', async () => {
      const clock = manualClock(EFFECTIVE - 1);
      const world = await createWorld(await h.create(clock), { clock, meter: { catalogue: schedule, metering: { meterAggregation: 'per_call' } } });
      try {
        const { context } = await world.tenant({ organization: { subscription: { meteredBilling: true, billingCustomerId: `cus_${h.name}` } } });
        const before = await world.meter.charge(context, 'add_memory_v1');
        clock.set(EFFECTIVE);
        const at = await world.meter.charge(context, 'add_memory_v1');
        expect([before.cost, at.cost]).toEqual([4, 5]);
        await world.meter.refund(before);
        const entries = await world.store.outbox.list({ organizationId: context.organization.id, topic: 'meter', limit: 10 });
        const rows = entries.map((e) => [e.payload.kind, e.payload.amount, e.payload.catalogue_version, e.payload.at_ms]).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
        expect(rows).toEqual([
          ['charge', 4, 1, EFFECTIVE - 1],
          ['charge', 5, 2, EFFECTIVE],
          ['refund', 4, 1, EFFECTIVE - 1],
        ]);
      } finally {
        await world.close();
      }
    });
  });
}
