import { describe, expect, it } from 'vitest';
import {
  buildCatalogueVersions,
  catalogueAt,
  catalogueRecordDifferences,
  catalogueRecordOf,
  catalogueVersionProblems,
  checkCatalogueRecords,
  createCatalogueSchedule,
  parseCatalogueRecord,
  type CatalogueVersionConfig,
} from '../../src/core/catalogue-versions.js';
import { parseConfig } from '../../src/core/config.js';
import { LIMIT_FIELDS } from '../../src/core/plans.js';

const JAN = Date.parse('2027-01-01T00:00:00Z');
const FEB = Date.parse('2027-02-01T00:00:00Z');
const v = (version: number, effectiveFromMs: number, operations: CatalogueVersionConfig['operations'] = {}): CatalogueVersionConfig => ({ version, effectiveFromMs, operations });
const addCost = (version: { catalogue: { get(name: string): { cost: unknown } | undefined } }) => version.catalogue.get('add_memory_v1')?.cost;

describe('catalogue versions', () => {
  const versions = buildCatalogueVersions([v(1, 0), v(2, JAN, { add_memory_v1: { cost: { kind: 'fixed', cost: 5 } } }), v(3, FEB, { add_memory_v1: { cost: { kind: 'fixed', cost: 6 } } })]);

  it('the version in force at an instant: the instant of effect itself belongs to the new version, the millisecond before to the old', () => {
    expect(catalogueAt(versions, JAN - 1)?.version).toBe(1);
    expect(catalogueAt(versions, JAN)?.version).toBe(2);
    expect(catalogueAt(versions, FEB - 1)?.version).toBe(2);
    expect(catalogueAt(versions, FEB)?.version).toBe(3);
    expect(catalogueAt(versions, Number.MAX_SAFE_INTEGER)?.version).toBe(3);
    expect(catalogueAt(versions, 0)?.version).toBe(1);
  });

  it('before the first version nothing is in force; the schedule prices such an instant (a clock stepped back) with the first', () => {
    const later = buildCatalogueVersions([v(1, JAN), v(2, FEB)]);
    expect(catalogueAt(later, JAN - 1)).toBeNull();
    expect(catalogueAt([], JAN)).toBeNull();
    const schedule = createCatalogueSchedule(later);
    expect(schedule.catalogueVersionAt(JAN - 1)).toBe(1);
    expect(schedule.catalogueVersionAt(FEB)).toBe(2);
  });

  it('the schedule answers as catalogueAt at every instant, moving back and forth across its cached window', () => {
    const schedule = createCatalogueSchedule(versions);
    for (const at of [JAN - 1, JAN, FEB + 5, FEB - 1, 0, JAN, JAN + 1, FEB, -5, FEB - 1]) {
      expect(schedule.at(at)).toBe(catalogueAt(versions, at) ?? versions[0]);
    }
    expect(addCost(schedule.at(JAN - 1))).toEqual({ kind: 'fixed', cost: 4 });
    expect(addCost(schedule.at(JAN))).toEqual({ kind: 'fixed', cost: 5 });
    expect(addCost(schedule.at(FEB))).toEqual({ kind: 'fixed', cost: 6 });
  });

  it('each version is complete in itself: the defaults and its own overrides, not the versions before it', () => {
    const two = buildCatalogueVersions([v(1, 0, { get_memory_v1: { cost: { kind: 'fixed', cost: 9 } } }), v(2, JAN, { search_v1: { type: 'premium' } })]);
    expect(two[1]!.catalogue.get('get_memory_v1')?.cost).toEqual({ kind: 'fixed', cost: 1 });
    expect(two[1]!.catalogue.get('search_v1')?.type).toBe('premium');
  });

  it('refuses equal and decreasing instants, versions out of order, instants off the minute and an operation removed', () => {
    expect(catalogueVersionProblems([v(1, 0), v(2, JAN), v(3, JAN)])).toEqual([
      "catalogue.versions[2].effective_from: must be after version 2's (2027-01-01T00:00:00.000Z), got 2027-01-01T00:00:00.000Z",
    ]);
    expect(catalogueVersionProblems([v(1, FEB), v(2, JAN)])[0]).toMatch(/versions\[1\]\.effective_from: must be after version 1's/);
    expect(catalogueVersionProblems([v(2, 0), v(1, JAN)])).toEqual([
      'catalogue.versions[0].version: versions are numbered 1, 2, 3… in order, so this one must be 1, got 2',
      'catalogue.versions[1].version: versions are numbered 1, 2, 3… in order, so this one must be 2, got 1',
    ]);
    expect(catalogueVersionProblems([v(1, 0), v(3, JAN)])[0]).toMatch(/must be 2, got 3/);
    expect(catalogueVersionProblems([v(1, JAN + 1_000)])[0]).toMatch(/effective_from: must be a whole minute/);
    expect(catalogueVersionProblems([])).toEqual(['catalogue.versions: must list at least one version']);
    const summarize = { summarize_v1: { cost: { kind: 'fixed' as const, cost: 2 } } };
    expect(catalogueVersionProblems([v(1, 0, summarize), v(2, JAN)])).toEqual([
      'catalogue.versions[1].operations.summarize_v1: in version 1 but not in this one; an operation cannot be removed (price it 0 instead)',
    ]);
    expect(catalogueVersionProblems([v(1, 0, summarize), v(2, JAN, summarize)])).toEqual([]);
    expect(() => buildCatalogueVersions([v(1, 0), v(2, 0)])).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });
});

describe('catalogue versions in the config', () => {
  const base = { keySecret: 'k'.repeat(32), plans: { tiers: { free_trial: Object.fromEntries(LIMIT_FIELDS.map((f) => [f, 1])) } } };

  it('the top-level operations are version 1 in force since the epoch', () => {
    const config = parseConfig({ ...base, operations: { search_v1: { cost: 3 } } });
    expect(config.catalogue.versions).toEqual([{ version: 1, effectiveFromMs: 0, operations: { search_v1: { cost: { kind: 'fixed', cost: 3 } } } }]);
    expect(parseConfig(base).catalogue.versions).toEqual([{ version: 1, effectiveFromMs: 0, operations: {} }]);
  });

  it('reads catalogue.versions, each with its instant of effect and its overrides; problems carry their path', () => {
    const config = parseConfig({
      ...base,
      catalogue: { versions: [{ version: 1, effective_from: '1970-01-01T00:00:00Z' }, { version: 2, effective_from: new Date(JAN), operations: { add_memory_v1: { cost: 5 } } }] },
    });
    expect(config.catalogue.versions).toEqual([v(1, 0), v(2, JAN, { add_memory_v1: { cost: { kind: 'fixed', cost: 5 } } })]);
    const bad = (catalogue: unknown, extra: Record<string, unknown> = {}) => {
      try {
        parseConfig({ ...base, ...extra, catalogue });
      } catch (error) {
        return (error as { details: { problems: string[] } }).details.problems;
      }
      return [];
    };
    expect(bad({ versions: [{ version: 1, effective_from: '2027-01-01' }] })).toEqual([
      'catalogue.versions[0].effective_from: must be an instant with its offset, such as "2027-01-01T00:00:00Z", got "2027-01-01"',
    ]);
    expect(bad({ versions: [{ version: 0, effective_from: '2027-01-01T00:00:00Z', operations: { search_v1: { cost: -1 } } }] })).toEqual([
      'catalogue.versions[0].version: must be a positive whole number, got 0',
      'catalogue.versions[0].operations.search_v1.cost: must be a whole number or a cost rule object',
    ]);
    expect(bad({ versions: {} })).toEqual(['catalogue.versions: must be a list of { version, effective_from, operations }, got an object']);
    expect(bad({ versions: [{ version: 1, effective_from: '2027-01-01T00:00:00Z' }] }, { operations: {} })).toEqual([
      'operations: not with catalogue.versions; put the overrides in each version (catalogue.versions[].operations)',
    ]);
    expect(bad({ versions: [{ version: 1, effective_from: '2027-01-01T00:00:00Z' }, { version: 2, effective_from: '2027-01-01T01:00:00+01:00' }] })[0]).toMatch(
      /versions\[1\]\.effective_from: must be after version 1's/,
    );
  });
});

describe("what the store keeps of each version", () => {
  const NOW = Date.parse('2026-12-08T00:00:00Z');
  const [one, two] = buildCatalogueVersions([v(1, 0), v(2, JAN, { add_memory_v1: { cost: { kind: 'fixed', cost: 5 } } })]);

  it('a record read back is the same version; another price or instant is named', () => {
    const record = parseCatalogueRecord(catalogueRecordOf(two!, NOW));
    expect(record).toMatchObject({ version: 2, effectiveFromMs: JAN, recordedAtMs: NOW });
    expect(catalogueRecordDifferences(two!, record)).toEqual([]);
    const [changed] = buildCatalogueVersions([v(1, 0, { add_memory_v1: { cost: { kind: 'fixed', cost: 7 } }, summarize_v1: { cost: { kind: 'fixed', cost: 1 } } })]);
    expect(catalogueRecordDifferences({ ...changed!, effectiveFromMs: 60_000 }, parseCatalogueRecord(catalogueRecordOf(one!, NOW)))).toEqual([
      'catalogue version 1: effective_from is 1970-01-01T00:01:00.000Z here, 1970-01-01T00:00:00.000Z in the store',
      'catalogue version 1: operation add_memory_v1 is {"client_error":"refund","cost":{"cost":7,"kind":"fixed"},"type":"mini"} here, {"client_error":"refund","cost":{"cost":4,"kind":"fixed"},"type":"mini"} in the store',
      'catalogue version 1: operation summarize_v1 is here but not in the store\'s record',
    ]);
    expect(parseCatalogueRecord('not json')).toBeNull();
    expect(catalogueRecordDifferences(one!, null)).toEqual(["catalogue version 1: the store's record of it cannot be read"]);
  });

  it('a store with no record takes the whole history; later, a new version must take effect from now on', () => {
    const past = { ...two!, effectiveFromMs: NOW - 60_000 };
    expect(checkCatalogueRecords([one!, past], [null, null], null, NOW)).toEqual({ problems: [], toRecord: [one, past] });
    const later = checkCatalogueRecords([one!, past], [catalogueRecordOf(one!, 0), null], null, NOW);
    expect(later.problems).toEqual([
      'catalogue version 2: new, and would take effect at 2026-12-07T23:59:00.000Z, before now (2026-12-08T00:00:00.000Z); a price change takes effect from an instant still to come, never retroactively',
    ]);
    // At now itself it is not retroactive: nothing was charged at an instant still to come.
    expect(checkCatalogueRecords([one!, { ...two!, effectiveFromMs: NOW }], [catalogueRecordOf(one!, 0), null], null, NOW)).toEqual({ problems: [], toRecord: [{ ...two!, effectiveFromMs: NOW }] });
    expect(checkCatalogueRecords([one!, two!], [catalogueRecordOf(one!, 0), catalogueRecordOf(two!, 0)], null, NOW)).toEqual({ problems: [], toRecord: [] });
  });

  it('refuses a version the store has but the config lacks, and a first version not yet in force', () => {
    expect(checkCatalogueRecords([one!], [catalogueRecordOf(one!, 0)], catalogueRecordOf(two!, 0), NOW).problems).toEqual([
      'catalogue version 2: the store has it (in force from 2027-01-01T00:00:00.000Z) but this config stops at version 1; add it to catalogue.versions',
    ]);
    expect(checkCatalogueRecords([{ ...one!, effectiveFromMs: JAN }], [null], null, NOW).problems).toEqual([
      'catalogue version 1: takes effect at 2027-01-01T00:00:00.000Z, after now: some version must be in force now',
    ]);
  });
});
