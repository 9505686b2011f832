/**
 * Issue 12, prices that bills can rely on: the meter prices each charge with the catalogue version in
 * force at the charge's instant, names that version in the charge and in its meter event, and a
 * refund gives back what the charge cost under its own version.
 */
import { describe, expect, it } from 'vitest';
import { buildCatalogueVersions, createCatalogueSchedule } from '../../src/core/catalogue-versions.js';
import type { Decision } from '../../src/metering/index.js';
import { createRamStore } from '../../src/stores/ram/index.js';
import { manualClock } from '../support/clock.js';
import { createWorld } from '../support/world.js';
import { closeAfterEach, closeLater } from './engine-world.js';

closeAfterEach();

const EFFECTIVE = '2026-11-20T00:00:00.000Z';
const schedule = createCatalogueSchedule(
  buildCatalogueVersions([
    { version: 1, effectiveFromMs: 0, operations: {} },
    {
      version: 2,
      effectiveFromMs: Date.parse(EFFECTIVE),
      operations: { add_memory_v1: { cost: { kind: 'fixed', cost: 5 } }, get_memory_v1: { type: 'premium' } },
    },
  ]),
);

const receipt = (d: Decision) => {
  if (!d.allowed || !d.receipt) throw new Error(`not charged: ${d.allowed ? 'no receipt' : d.error.message}`);
  return d.receipt;
};

describe('meter: the catalogue version in force at the charge', () => {
  it('a charge a millisecond before the instant of effect is priced with the old version, one at it with the new; each names its version', async () => {
    const clock = manualClock('2026-11-19T23:59:59.999Z');
    const world = closeLater(await createWorld(createRamStore({ clock }), { clock, meter: { catalogue: schedule, metering: { meterAggregation: 'per_call' } } }));
    const { context } = await world.tenant({ organization: { subscription: { meteredBilling: true, billingCustomerId: 'cus_versions' } } });

    expect(world.meter.catalogue.get('add_memory_v1')?.cost).toEqual({ kind: 'fixed', cost: 4 });
    const before = await world.meter.charge(context, 'add_memory_v1');
    const readBefore = await world.meter.charge(context, 'get_memory_v1');
    expect(before).toMatchObject({ allowed: true, cost: 4, type: 'mini' });
    expect(receipt(before).catalogueVersion).toBe(1);
    expect(receipt(readBefore).attribution.type).toBe('mini');

    clock.set(EFFECTIVE);
    // The same tenant context (its plan cached) across the instant: the new prices and types apply at once.
    expect(world.meter.catalogue.get('add_memory_v1')?.cost).toEqual({ kind: 'fixed', cost: 5 });
    const at = await world.meter.charge(context, 'add_memory_v1');
    const readAt = await world.meter.charge(context, 'get_memory_v1');
    expect(at).toMatchObject({ allowed: true, cost: 5, type: 'mini' });
    expect(receipt(at).catalogueVersion).toBe(2);
    expect(readAt).toMatchObject({ allowed: true, cost: 1, type: 'premium' });
    expect(receipt(readAt).attribution.type).toBe('premium');
    expect(world.meter.catalogues.catalogueVersionAt(Date.parse(EFFECTIVE) - 1)).toBe(1);
    expect(world.meter.catalogues.catalogueVersionAt(Date.parse(EFFECTIVE))).toBe(2);

    // A refund after the change gives back what the charge cost under its own version.
    await world.meter.refund(before);

    const meterEvents = await world.store.outbox.list({ organizationId: context.organization.id, topic: 'meter', limit: 100 });
    const summary = meterEvents
      .map((e) => [e.payload.kind, e.payload.type, e.payload.amount, e.payload.catalogue_version, e.payload.at_ms])
      .sort((a, b) => Number(a[4]) - Number(b[4]) || JSON.stringify(a).localeCompare(JSON.stringify(b)));
    const t0 = Date.parse(EFFECTIVE) - 1;
    const t1 = Date.parse(EFFECTIVE);
    expect(summary).toEqual([
      ['charge', 'mini', 1, 1, t0],
      ['charge', 'mini', 4, 1, t0],
      ['refund', 'mini', 4, 1, t0],
      ['charge', 'mini', 5, 2, t1],
      ['charge', 'premium', 1, 2, t1],
    ]);
  });

  it('one catalogue, or overrides, is version 1', async () => {
    const clock = manualClock();
    const world = closeLater(await createWorld(createRamStore({ clock }), { clock, meter: { catalogue: { search_v1: { cost: 3 } } as never } }));
    const { context } = await world.tenant();
    const decision = await world.meter.charge(context, 'search_v1');
    expect(decision).toMatchObject({ allowed: true, cost: 3 });
    expect(receipt(decision).catalogueVersion).toBe(1);
    expect(world.meter.catalogues.versions.map((v) => [v.version, v.effectiveFromMs])).toEqual([[1, 0]]);
  });
});
