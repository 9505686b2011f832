/**
 * The versioned catalogue (issue 12, "prices that bills can rely on"), pure. Each version is a
 * complete catalogue (the defaults and its own overrides) in force from its instant of effect until
 * the next version's. A charge is priced with the version in force at its instant, so a charge's
 * version follows from the instant it records: versions are immutable once the store has recorded
 * them and take effect in increasing order, never before they were first recorded (enforced at start
 * against the store's settings: see src/cli/runtime.ts).
 */
import { createCatalogue, type Catalogue, type OperationOverride, type OperationSpec } from './catalogue.js';
import { configInvalid } from './plans.js';
import { isRecord, type Problems } from './validation.js';

const MINUTE_MS = 60_000;

/** A version as configured: its number, the instant it takes effect, and its overrides of the defaults. */
export interface CatalogueVersionConfig {
  readonly version: number;
  readonly effectiveFromMs: number;
  readonly operations: Readonly<Record<string, OperationOverride>>;
}

export interface CatalogueVersion {
  readonly version: number;
  readonly effectiveFromMs: number;
  readonly catalogue: Catalogue;
  /** Every operation's spec, canonical (see canonicalOperations): what a store's record is compared with. */
  readonly operations: Readonly<Record<string, CanonicalOperation>>;
  /** canonicalJson(operations): one text per catalogue (the CLI shows its sha256). */
  readonly canonical: string;
}

/** An operation as recorded and listed (snake_case, as the meter events and the JSON output). */
export interface CanonicalOperation {
  readonly type: OperationSpec['type'];
  readonly cost: OperationSpec['cost'];
  readonly client_error: OperationSpec['clientError'];
}

/**
 * The problems of a list of versions (empty: valid): numbered 1, 2, 3… with no gap (so that a store
 * can tell a version it has and a config lacks), each taking effect strictly after the one before,
 * on a whole minute (a meter event summed per minute then never mixes two versions), and keeping every
 * operation of the version before it (a route priced yesterday must still have a price tomorrow).
 */
export function catalogueVersionProblems(versions: readonly CatalogueVersionConfig[], path = 'catalogue.versions'): Problems {
  const problems: Problems = [];
  if (versions.length === 0) problems.push(`${path}: must list at least one version`);
  let previous: { config: CatalogueVersionConfig; names: Set<string> } | null = null;
  versions.forEach((v, i) => {
    const at = `${path}[${i}]`;
    if (v.version !== i + 1) problems.push(`${at}.version: versions are numbered 1, 2, 3… in order, so this one must be ${i + 1}, got ${v.version}`);
    if (v.effectiveFromMs % MINUTE_MS !== 0) problems.push(`${at}.effective_from: must be a whole minute (seconds 00), got ${new Date(v.effectiveFromMs).toISOString()}`);
    if (previous && v.effectiveFromMs <= previous.config.effectiveFromMs) {
      problems.push(
        `${at}.effective_from: must be after version ${previous.config.version}'s (${new Date(previous.config.effectiveFromMs).toISOString()}), got ${new Date(v.effectiveFromMs).toISOString()}`,
      );
    }
    let names: Set<string>;
    try {
      names = new Set(createCatalogue(v.operations).names());
    } catch (error) {
      problems.push(`${at}.operations: ${(error as Error).message}`);
      return;
    }
    if (previous) {
      for (const name of previous.names) {
        if (!names.has(name)) problems.push(`${at}.operations.${name}: in version ${previous.config.version} but not in this one; an operation cannot be removed (price it 0 instead)`);
      }
    }
    previous = { config: v, names };
  });
  return problems;
}

/** Builds the versions (throws CONFIG_INVALID when catalogueVersionProblems finds any). */
export function buildCatalogueVersions(configs: readonly CatalogueVersionConfig[]): readonly CatalogueVersion[] {
  const problems = catalogueVersionProblems(configs);
  if (problems.length > 0) throw configInvalid('catalogue', problems);
  return Object.freeze(configs.map((c) => versionOf(c.version, c.effectiveFromMs, createCatalogue(c.operations))));
}

function versionOf(version: number, effectiveFromMs: number, catalogue: Catalogue): CatalogueVersion {
  const operations = canonicalOperations(catalogue);
  return Object.freeze({ version, effectiveFromMs, catalogue, operations, canonical: canonicalJson(operations) });
}

/** Every operation of a catalogue by name, in name order. */
export function canonicalOperations(catalogue: Catalogue): Record<string, CanonicalOperation> {
  const out: Record<string, CanonicalOperation> = {};
  for (const name of catalogue.names().sort()) {
    const spec = catalogue.get(name)!;
    out[name] = { type: spec.type, cost: spec.cost, client_error: spec.clientError };
  }
  return out;
}

/** JSON with every object's keys sorted: one text per value, whatever order it was built in. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isRecord(value)) {
    const keys = Object.keys(value).filter((k) => value[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The version in force at `atMs` (binary search), or null before the first takes effect. */
export function catalogueAt<V extends { readonly effectiveFromMs: number }>(versions: readonly V[], atMs: number): V | null {
  let lo = 0;
  let hi = versions.length - 1;
  let found: V | null = null;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = versions[mid]!;
    if (v.effectiveFromMs <= atMs) {
      found = v;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/** The versions of a deployment and the one in force at any instant; on the charge path. */
export interface CatalogueSchedule {
  readonly versions: readonly CatalogueVersion[];
  /**
   * The version in force at `atMs`. Before the first takes effect (only a clock stepped back: the
   * runtime refuses to start with none in force) the first prices.
   */
  at(atMs: number): CatalogueVersion;
  /** The number of the version that priced a charge made at `atMs` (for reports over recorded usage). */
  catalogueVersionAt(atMs: number): number;
}

/**
 * A schedule over valid versions (buildCatalogueVersions). The version last used and the window it is
 * in force are cached, so a charge costs two comparisons until the next version takes effect.
 */
export function createCatalogueSchedule(versions: readonly CatalogueVersion[]): CatalogueSchedule {
  if (versions.length === 0) throw configInvalid('catalogue', ['catalogue.versions: must list at least one version']);
  let current = { version: versions[0]!, fromMs: -Infinity, untilMs: -Infinity };
  const at = (atMs: number): CatalogueVersion => {
    if (atMs >= current.fromMs && atMs < current.untilMs) return current.version;
    const version = catalogueAt(versions, atMs) ?? versions[0]!;
    const i = versions.indexOf(version);
    current = { version, fromMs: i === 0 ? -Infinity : version.effectiveFromMs, untilMs: versions[i + 1]?.effectiveFromMs ?? Infinity };
    return version;
  };
  return { versions, at, catalogueVersionAt: (atMs) => at(atMs).version };
}

/** A catalogue built elsewhere (a test's, or a Meter's overrides) as version 1, in force from the epoch. */
export function singleVersionSchedule(catalogue: Catalogue): CatalogueSchedule {
  return createCatalogueSchedule([versionOf(1, 0, catalogue)]);
}

// ---- What the store keeps of each version (settings `catalogue:v<N>`), first writer wins. ----

export const catalogueSettingName = (version: number): string => `catalogue:v${version}`;

/**
 * Operations a newer Tollgate (or config) adds to a version the store recorded without them (the
 * gateway's routes, say), kept beside the record as a numbered chain `catalogue:v<N>:+1`, `+2`…, first
 * writer wins at each number, so that a start can read them all back. An addition changes no price
 * anything was charged at (nothing could be charged as an operation that did not exist), so it is
 * allowed; once kept, its price is recorded like the others', and a removal or another price is not.
 */
export const catalogueAdditionSettingName = (version: number, n: number): string => `catalogue:v${version}:+${n}`;

/** The settings value of an addition: the operation's name and canonical spec. */
export const catalogueAdditionOf = (v: CatalogueVersion, operation: string): string => canonicalJson({ operation, spec: v.operations[operation] });

/** An addition read back; null when the value is not one. */
export function parseCatalogueAddition(text: string): { readonly operation: string; readonly spec: unknown } | null {
  try {
    const value: unknown = JSON.parse(text);
    return isRecord(value) && typeof value.operation === 'string' && isRecord(value.spec) ? { operation: value.operation, spec: value.spec } : null;
  } catch {
    return null;
  }
}

/** The operations of `v` that a store's record of it (with its additions) lacks: what a start adds. */
export function operationsMissingFrom(v: CatalogueVersion, record: CatalogueRecord): string[] {
  return Object.keys(v.operations).filter((name) => !Object.hasOwn(record.operations, name)).sort();
}

/** A record with the additions kept beside it (operation → its recorded spec). */
export function recordWithAdditions(record: CatalogueRecord, additions: Readonly<Record<string, unknown>>): CatalogueRecord {
  return { ...record, operations: { ...record.operations, ...additions } };
}

export interface CatalogueRecord {
  readonly version: number;
  readonly effectiveFromMs: number;
  readonly recordedAtMs: number;
  readonly operations: Readonly<Record<string, unknown>>;
}

/** The settings value recording a version at `nowMs`: the whole catalogue, so a later difference can be named. */
export function catalogueRecordOf(v: CatalogueVersion, nowMs: number): string {
  return catalogueRecordText({ version: v.version, effectiveFromMs: v.effectiveFromMs, recordedAtMs: nowMs, operations: v.operations });
}

/** A record as its settings value (parseCatalogueRecord reads it back). */
export function catalogueRecordText(record: CatalogueRecord): string {
  return canonicalJson({
    version: record.version,
    effective_from: new Date(record.effectiveFromMs).toISOString(),
    recorded_at: new Date(record.recordedAtMs).toISOString(),
    operations: record.operations,
  });
}

/** A settings value read back; null when it is not a catalogue record (written by something else). */
export function parseCatalogueRecord(text: string): CatalogueRecord | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isRecord(value) || !isRecord(value.operations)) return null;
  const effectiveFromMs = Date.parse(String(value.effective_from));
  const recordedAtMs = Date.parse(String(value.recorded_at));
  if (!Number.isInteger(value.version) || !Number.isFinite(effectiveFromMs) || !Number.isFinite(recordedAtMs)) return null;
  return { version: value.version as number, effectiveFromMs, recordedAtMs, operations: value.operations };
}

/** What differs between a configured version and the store's record of it ([]: the same). */
export function catalogueRecordDifferences(v: CatalogueVersion, recorded: CatalogueRecord | null): string[] {
  const at = `catalogue version ${v.version}`;
  if (recorded === null) return [`${at}: the store's record of it cannot be read`];
  const differences: string[] = [];
  if (recorded.effectiveFromMs !== v.effectiveFromMs) {
    differences.push(`${at}: effective_from is ${new Date(v.effectiveFromMs).toISOString()} here, ${new Date(recorded.effectiveFromMs).toISOString()} in the store`);
  }
  if (canonicalJson(recorded.operations) === v.canonical) return differences;
  const names = new Set([...Object.keys(recorded.operations), ...Object.keys(v.operations)]);
  for (const name of [...names].sort()) {
    const mine = v.operations[name];
    const theirs = recorded.operations[name];
    if (mine === undefined) differences.push(`${at}: operation ${name} is in the store's record but not here`);
    else if (theirs === undefined) differences.push(`${at}: operation ${name} is here but not in the store's record`);
    else if (canonicalJson(mine) !== canonicalJson(theirs)) differences.push(`${at}: operation ${name} is ${canonicalJson(mine)} here, ${canonicalJson(theirs)} in the store`);
  }
  return differences;
}

/**
 * What a process starting with `versions` must refuse, given what the store has recorded (`recorded[i]`
 * for versions[i], `next` for the version after the last, null where nothing is), and which versions
 * it records: a recorded version must be the same (prices already charged never change); the store
 * must not know a version this config lacks (this process would keep pricing with an older one); and
 * a version the store has not seen must not take effect before now, unless the store has recorded
 * none yet (its first start with versions: the config is its history); and some version must be in
 * force now.
 */
export function checkCatalogueRecords(
  versions: readonly CatalogueVersion[],
  recorded: readonly (string | null)[],
  next: string | null,
  nowMs: number,
): { readonly problems: string[]; readonly toRecord: readonly CatalogueVersion[] } {
  const problems: string[] = [];
  const toRecord: CatalogueVersion[] = [];
  const last = versions[versions.length - 1]!;
  const anyRecorded = next !== null || recorded.some((r) => r !== null);
  const first = versions[0]!;
  if (first.effectiveFromMs > nowMs) {
    problems.push(`catalogue version ${first.version}: takes effect at ${new Date(first.effectiveFromMs).toISOString()}, after now: some version must be in force now`);
  }
  if (next !== null) {
    const record = parseCatalogueRecord(next);
    const since = record ? ` (in force from ${new Date(record.effectiveFromMs).toISOString()})` : '';
    problems.push(`catalogue version ${last.version + 1}: the store has it${since} but this config stops at version ${last.version}; add it to catalogue.versions`);
  }
  versions.forEach((v, i) => {
    const text = recorded[i] ?? null;
    if (text !== null) problems.push(...catalogueRecordDifferences(v, parseCatalogueRecord(text)));
    else if (anyRecorded && v.effectiveFromMs < nowMs) {
      problems.push(
        `catalogue version ${v.version}: new, and would take effect at ${new Date(v.effectiveFromMs).toISOString()}, before now (${new Date(nowMs).toISOString()}); ` +
          'a price change takes effect from an instant still to come, never retroactively',
      );
    } else toRecord.push(v);
  });
  return { problems, toRecord };
}
