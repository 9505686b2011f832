/**
 * The meter's side of the versioned catalogue (src/core/catalogue-versions.ts): what it accepts as a
 * catalogue, the catalogue in force now (what routes read to know an operation and its parameters),
 * and the outbox spec of a charge carrying the version that priced it.
 */
import { createCatalogue, type Catalogue, type OperationOverride } from '../core/catalogue.js';
import { singleVersionSchedule, type CatalogueSchedule } from '../core/catalogue-versions.js';
import { parseOperationOverrides } from '../core/config.js';
import { configInvalid } from '../core/plans.js';
import type { Clock } from '../core/ports.js';
import type { ChargeOutbox } from '../stores/contract/index.js';

/** A schedule of versions, one catalogue (version 1, since the epoch), or overrides of the defaults (the same). */
export type CatalogueOption = CatalogueSchedule | Catalogue | Record<string, OperationOverride>;

export function toCatalogueSchedule(value: CatalogueOption | undefined): CatalogueSchedule {
  if (isSchedule(value)) return value;
  if (value && typeof (value as Catalogue).get === 'function' && typeof (value as Catalogue).names === 'function') return singleVersionSchedule(value as Catalogue);
  const problems: string[] = [];
  const overrides = parseOperationOverrides(value ?? {}, problems);
  if (problems.length) throw configInvalid('catalogue', problems);
  return singleVersionSchedule(createCatalogue(overrides));
}

function isSchedule(value: unknown): value is CatalogueSchedule {
  return typeof value === 'object' && value !== null && Array.isArray((value as CatalogueSchedule).versions) && typeof (value as CatalogueSchedule).at === 'function';
}

/** The catalogue in force at the clock's now: the only version's catalogue itself when there is one. */
export function catalogueInForce(schedule: CatalogueSchedule, clock: Clock): Catalogue {
  if (schedule.versions.length === 1) return schedule.versions[0]!.catalogue;
  return {
    get: (name) => schedule.at(clock.now()).catalogue.get(name),
    has: (name) => schedule.at(clock.now()).catalogue.has(name),
    names: () => schedule.at(clock.now()).catalogue.names(),
  };
}

/**
 * The outbox spec of a charge priced with `version`: under metered billing its meter spec names the
 * version (the meter event carries it as catalogue_version), else the spec as it is. One object per
 * spec and version, made when the version changes: the Redis store writes each distinct spec of a
 * group once, by identity.
 */
export function createOutboxVersioner(): (outbox: ChargeOutbox | null, version: number) => ChargeOutbox | null {
  const versioned = new WeakMap<ChargeOutbox, ChargeOutbox>();
  return (outbox, version) => {
    if (!outbox?.meter) return outbox;
    let found = versioned.get(outbox);
    if (found?.meter?.catalogueVersion !== version) {
      found = Object.freeze({ ...outbox, meter: Object.freeze({ ...outbox.meter, catalogueVersion: version }) });
      versioned.set(outbox, found);
    }
    return found;
  };
}
