/**
 * The Parse classes Tollgate reads and writes, set up through the schema API: created when
 * missing, completed when a field or index is missing, never changed otherwise.
 *
 * The schema API is not idempotent (Parse 9.10: re-sending an existing field or index answers
 * 400), so every class is read first and only what is missing is sent; a second run sends nothing.
 * An index counts as present when one with the same keys exists under any name (a team's seed may
 * have named it differently). Pointer columns are indexed by their field name on PostgreSQL and as
 * `_p_<field>` on MongoDB; the REST API does not say which database is behind it, so the first
 * pointer index is sent in the MongoDB form and PostgreSQL's refusal ("Field _p_… does not exist")
 * settles it.
 */
import { TollgateError } from '../../core/errors.js';
import type { ParseClient } from './parse-client.js';
import { PARSE_CODES, ParseRequestError, translateParseError } from './parse-errors.js';
import { INTERACTION_CLASS, SYNC_CLASS } from './parse-mapper.js';
import { TENANT_CLASSES as C } from './parse-tenant-mapper.js';

type FieldSpec = { readonly type: string; readonly targetClass?: string };
type IndexSpec = Readonly<Record<string, 1>>;
interface ClassSpec {
  readonly className: string;
  readonly fields: Readonly<Record<string, FieldSpec>>;
  readonly indexes: Readonly<Record<string, IndexSpec>>;
  /** Created with class-level permissions for the master key only (usage and tenant data). */
  readonly masterOnly: boolean;
}

const S: FieldSpec = { type: 'String' };
const N: FieldSpec = { type: 'Number' };
const B: FieldSpec = { type: 'Boolean' };
const D: FieldSpec = { type: 'Date' };
const O: FieldSpec = { type: 'Object' };
const to = (targetClass: string): FieldSpec => ({ type: 'Pointer', targetClass });

/** Each of organization, namespace and apiKey alone and with (month, year), as the seed has them. */
const interactionIndexes = Object.fromEntries(
  ['organization', 'namespace', 'apiKey'].flatMap((f) => [
    [`${f}_1`, { [f]: 1 }],
    [`${f}_1_month_1_year_1`, { [f]: 1, month: 1, year: 1 }],
  ]),
) as Record<string, IndexSpec>;

export const PARSE_CLASSES: readonly ClassSpec[] = [
  {
    className: INTERACTION_CLASS,
    fields: {
      workspace: to(C.workspace),
      user: to(C.user),
      subscription: to(C.subscription),
      company: to(C.company),
      organization: to(C.organization),
      namespace: to(C.namespace),
      apiKey: to(C.apiKey),
      type: S,
      month: N,
      year: N,
      count: N,
      calls: N,
      operation_type: S,
    },
    indexes: interactionIndexes,
    masterOnly: true,
  },
  {
    className: SYNC_CLASS,
    fields: { chain: S, version: N, interaction: S, applied: N, appliedCalls: N },
    indexes: { chain_1: { chain: 1 } },
    masterOnly: true,
  },
  {
    className: C.organization,
    fields: { name: S, subscription: to(C.subscription), workspace: to(C.workspace), company: to(C.company), owner: to(C.user), default_namespace: to(C.namespace), rate_limits: O },
    indexes: {},
    masterOnly: true,
  },
  {
    className: C.subscription,
    fields: { plan_tier: S, status: S, trial_ends_at: D, metered_billing: B, enforcement: S, billing_customer_id: S, billing_anchor_day: N },
    indexes: {},
    masterOnly: true,
  },
  {
    className: C.namespace,
    fields: { organization: to(C.organization), name: S, environment_type: S, is_active: B, rate_limits: O, deleted_at: D },
    indexes: { organization_1: { organization: 1 } },
    masterOnly: true,
  },
  {
    className: C.apiKey,
    fields: {
      organization: to(C.organization),
      namespace: to(C.namespace),
      user: to(C.user),
      name: S,
      key_prefix: S,
      key_hash: S,
      permissions: { type: 'Array' },
      monthly_cap_mini: N,
      monthly_cap_premium: N,
      parent_key_id: S,
      expires_at: D,
      revoked_at: D,
      last_used_at: D,
    },
    indexes: { key_prefix_1: { key_prefix: 1 }, organization_1: { organization: 1 }, parent_key_id_1: { parent_key_id: 1 } },
    masterOnly: true,
  },
  { className: C.workspace, fields: { name: S, organization: to(C.organization) }, indexes: {}, masterOnly: true },
  // _User exists in every deployment; Tollgate only adds its two fields and never touches its permissions.
  { className: C.user, fields: { name: S, organization: to(C.organization) }, indexes: {}, masterOnly: false },
];

const MASTER_ONLY = { find: {}, count: {}, get: {}, create: {}, update: {}, delete: {}, addField: {}, protectedFields: {} };

export interface SetupReport {
  readonly classesCreated: string[];
  readonly fieldsAdded: string[];
  readonly indexesAdded: string[];
  /** Fields that exist with another type: left alone, and Tollgate cannot use the class as it is. */
  readonly conflicts: string[];
  /** Things an operator should look at (a usage class anyone may write to). */
  readonly warnings: string[];
  readonly database: 'postgres' | 'mongodb' | 'unknown';
}

interface RemoteSchema {
  readonly fields: Record<string, FieldSpec>;
  readonly indexes?: Record<string, Record<string, unknown>>;
  readonly classLevelPermissions?: Record<string, unknown>;
}

/**
 * An index's keys, named as the schema names fields. Sorted: Parse on PostgreSQL keeps index specs
 * in jsonb, which does not keep key order, so the order of a compound index cannot be compared.
 */
const canonical = (spec: Record<string, unknown>) =>
  JSON.stringify(Object.entries(spec).map(([k, v]) => [k.replace(/^_p_/, ''), v]).sort(([a], [b]) => String(a).localeCompare(String(b))));

/** Creates or completes the classes; with `dryRun`, reports what it would send and sends nothing. */
export async function setupParseSchema(client: ParseClient, options: { readonly dryRun?: boolean } = {}): Promise<SetupReport> {
  const report: SetupReport = { classesCreated: [], fieldsAdded: [], indexesAdded: [], conflicts: [], warnings: [], database: 'unknown' };
  let database: SetupReport['database'] = 'unknown';
  const send = async (method: string, path: string, body: unknown) => {
    if (!options.dryRun) await client.request(method, path, body);
  };

  for (const spec of PARSE_CLASSES) {
    const remote = await readSchema(client, spec.className);
    if (!remote) {
      report.classesCreated.push(spec.className);
      await send('POST', `schemas/${spec.className}`, { className: spec.className, fields: spec.fields, ...(spec.masterOnly ? { classLevelPermissions: MASTER_ONLY } : {}) });
    } else {
      const missing: Record<string, FieldSpec> = {};
      for (const [name, field] of Object.entries(spec.fields)) {
        const have = remote.fields[name];
        if (!have) missing[name] = field;
        else if (have.type !== field.type || (field.targetClass && have.targetClass !== field.targetClass)) {
          report.conflicts.push(`${spec.className}.${name} is ${describeField(have)}, Tollgate needs ${describeField(field)}`);
        }
      }
      if (Object.keys(missing).length > 0) {
        report.fieldsAdded.push(...Object.keys(missing).map((f) => `${spec.className}.${f}`));
        await send('PUT', `schemas/${spec.className}`, { className: spec.className, fields: missing });
      }
      const write = remote.classLevelPermissions?.update as Record<string, unknown> | undefined;
      if (spec.className === INTERACTION_CLASS && write?.['*']) report.warnings.push(`${INTERACTION_CLASS} may be updated by anyone with the app's client keys (class-level permissions): restrict update and delete to the master key`);
    }
    const present = new Set(Object.values(remote?.indexes ?? {}).map((index) => canonical(index)));
    for (const [wanted, index] of Object.entries(spec.indexes)) {
      if (present.has(canonical(index))) continue;
      // The name may be taken by an index on other keys: ours then gets a name of its own.
      const name = remote?.indexes?.[wanted] ? `${wanted}_tollgate` : wanted;
      report.indexesAdded.push(`${spec.className}.${name}`);
      if (options.dryRun) continue;
      database = await addIndex(client, spec, name, index, database);
    }
  }
  if (report.conflicts.length > 0) {
    throw new TollgateError('CONFIG_INVALID', { message: `The Parse schema does not fit Tollgate: ${report.conflicts.join('; ')}.`, details: { ...report } });
  }
  return { ...report, database };
}

async function readSchema(client: ParseClient, className: string): Promise<RemoteSchema | null> {
  try {
    return await client.raw<RemoteSchema>('GET', `schemas/${className}`);
  } catch (error) {
    // 103: "Class … does not exist."
    if (error instanceof ParseRequestError && error.code === 103) return null;
    throw translateParseError(error, `GET schemas/${className}`);
  }
}

/** Adds one index, writing pointer keys the way the database behind Parse stores them. */
async function addIndex(client: ParseClient, spec: ClassSpec, name: string, index: IndexSpec, database: SetupReport['database']): Promise<SetupReport['database']> {
  const isPointer = (field: string) => spec.fields[field]?.type === 'Pointer';
  const form = (mongo: boolean) => Object.fromEntries(Object.entries(index).map(([f, v]) => [mongo && isPointer(f) ? `_p_${f}` : f, v]));
  const put = (keys: Record<string, unknown>) => client.raw('PUT', `schemas/${spec.className}`, { className: spec.className, indexes: { [name]: keys } });
  const hasPointer = Object.keys(index).some(isPointer);
  try {
    if (!hasPointer || database === 'postgres') {
      await put(form(false));
      return database;
    }
    if (database === 'mongodb') {
      await put(form(true));
      return database;
    }
    try {
      await put(form(true));
      return 'mongodb';
    } catch (error) {
      if (!(error instanceof ParseRequestError && error.code === PARSE_CODES.INVALID_QUERY && /_p_/.test(error.message))) throw error;
      await put(form(false));
      return 'postgres';
    }
  } catch (error) {
    throw translateParseError(error, `PUT schemas/${spec.className} (index ${name})`);
  }
}

function describeField(field: FieldSpec): string {
  return field.targetClass ? `${field.type}<${field.targetClass}>` : field.type;
}
