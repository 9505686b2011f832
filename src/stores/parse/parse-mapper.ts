/**
 * Interaction records between Tollgate and Parse: Parse JSON (Pointer and Date JSON) ↔ domain,
 * the deterministic objectIds that keep one record per tuple, and the document form Parse keeps
 * in MongoDB. The only place that knows the Interaction class's field names.
 */
import { createHash } from 'node:crypto';
import type { Attribution, InteractionQuery, InteractionRecord } from '../contract/index.js';
import type { ParseObject } from './parse-client.js';

export const INTERACTION_CLASS = 'Interaction';
/** Tollgate's own bookkeeping of what it has added to each Interaction record (parse-interactions.ts). */
export const SYNC_CLASS = 'TollgateSync';

type IdField = 'workspaceId' | 'userId' | 'subscriptionId' | 'companyId' | 'organizationId' | 'namespaceId' | 'apiKeyId';

/** The pointers of an Interaction: Parse field, target class, domain field. */
export const INTERACTION_POINTERS: readonly (readonly [string, string, IdField])[] = [
  ['workspace', 'WorkSpace', 'workspaceId'],
  ['user', '_User', 'userId'],
  ['subscription', 'Subscription', 'subscriptionId'],
  ['company', 'Company', 'companyId'],
  ['organization', 'Organization', 'organizationId'],
  ['namespace', 'Namespace', 'namespaceId'],
  ['apiKey', 'APIKey', 'apiKeyId'],
];

export interface Pointer {
  readonly __type: 'Pointer';
  readonly className: string;
  readonly objectId: string;
}

export const pointer = (className: string, objectId: string): Pointer => ({ __type: 'Pointer', className, objectId });

/** The objectId of a Pointer (or of an included object), null when absent. */
export function pointerId(value: unknown): string | null {
  if (value && typeof value === 'object' && typeof (value as { objectId?: unknown }).objectId === 'string') return (value as { objectId: string }).objectId;
  return null;
}

export const parseDate = (ms: number) => ({ __type: 'Date', iso: new Date(ms).toISOString() });

/** Epoch ms of a Date JSON or an ISO string (createdAt, updatedAt), null when absent. */
export function fromParseDate(value: unknown): number | null {
  const iso = value && typeof value === 'object' ? (value as { iso?: unknown }).iso : value;
  if (typeof iso !== 'string') return null;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? null : ms;
}

/** What makes an Interaction record distinct (DESIGN §5); subscription and company ride along. */
export type InteractionTuple = Pick<
  InteractionRecord,
  'month' | 'year' | 'workspaceId' | 'userId' | 'type' | 'organizationId' | 'namespaceId' | 'apiKeyId' | 'operation'
>;

export function tupleKey(t: InteractionTuple): string {
  return [t.year, t.month, t.workspaceId ?? '', t.userId ?? '', t.type, t.organizationId, t.namespaceId ?? '', t.apiKeyId, t.operation].join('\u0000');
}

export function tupleOf(month: number, year: number, attribution: Attribution): InteractionTuple {
  const { subscriptionId: _subscription, companyId: _company, ...pointers } = attribution;
  return { month, year, ...pointers };
}

const digest = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 24);

/**
 * The objectId Tollgate gives the Interaction record of a tuple (96 bits of SHA-256): every process
 * computes the same one, so concurrent first calls of a month race on Parse's primary key and
 * exactly one create succeeds; the others find the record and add to it.
 */
export const interactionObjectId = (tuple: InteractionTuple): string => digest(`interaction\u0000${tupleKey(tuple)}`);

/** A sync chain: one tuple as recorded by one life of the base store (its record's createdAt). */
export const chainId = (tuple: InteractionTuple, baseCreatedAt: number): string => digest(`chain\u0000${tupleKey(tuple)}\u0000${baseCreatedAt}`);

/** The fields a new Interaction record is created with (count and calls come as Increments). */
export function interactionFields(record: InteractionTuple & { readonly subscriptionId: string | null; readonly companyId: string | null }): Record<string, unknown> {
  const fields: Record<string, unknown> = { type: record.type, month: record.month, year: record.year, operation_type: record.operation };
  for (const [field, className, key] of INTERACTION_POINTERS) {
    const id = record[key];
    if (id !== null) fields[field] = pointer(className, id);
  }
  return fields;
}

export function toInteractionRecord(object: ParseObject): InteractionRecord {
  const ids = Object.fromEntries(INTERACTION_POINTERS.map(([field, , key]) => [key, pointerId(object[field])])) as Record<IdField, string | null>;
  const createdAt = fromParseDate(object.createdAt) ?? 0;
  return {
    month: Number(object.month),
    year: Number(object.year),
    workspaceId: ids.workspaceId,
    userId: ids.userId,
    type: object.type === 'premium' ? 'premium' : 'mini',
    organizationId: ids.organizationId ?? '',
    namespaceId: ids.namespaceId,
    apiKeyId: ids.apiKeyId ?? '',
    operation: String(object.operation_type ?? ''),
    subscriptionId: ids.subscriptionId,
    companyId: ids.companyId,
    count: Number(object.count ?? 0),
    // Records written before Tollgate have no calls field.
    calls: Number(object.calls ?? 0),
    createdAt,
    updatedAt: fromParseDate(object.updatedAt) ?? createdAt,
  };
}

export function interactionWhere(query: InteractionQuery): Record<string, unknown> {
  const where: Record<string, unknown> = {};
  if (query.organizationId !== undefined) where.organization = pointer('Organization', query.organizationId);
  if (query.namespaceId !== undefined) where.namespace = pointer('Namespace', query.namespaceId);
  if (query.apiKeyId !== undefined) where.apiKey = pointer('APIKey', query.apiKeyId);
  if (query.month !== undefined) where.month = query.month;
  if (query.year !== undefined) where.year = query.year;
  return where;
}

// ---------------------------------------------------------------------------------------------
// The MongoDB form
// ---------------------------------------------------------------------------------------------

/**
 * The document Parse Server keeps for an Interaction in MongoDB: `_id` is the objectId, a pointer
 * is the string field `_p_<name>` = "<Class>$<objectId>" (absent when the pointer is), and
 * createdAt/updatedAt are the Date fields `_created_at`/`_updated_at`. An object without an ACL
 * has no `_rperm`/`_wperm`/`_acl`, which is how Tollgate's records are written.
 */
export function toParseMongoDocument(record: InteractionRecord, objectId = interactionObjectId(record)): Record<string, unknown> {
  const document: Record<string, unknown> = { _id: objectId };
  for (const [field, className, key] of INTERACTION_POINTERS) {
    const id = record[key];
    if (id !== null && id !== '') document[`_p_${field}`] = `${className}$${id}`;
  }
  Object.assign(document, {
    type: record.type,
    month: record.month,
    year: record.year,
    count: record.count,
    calls: record.calls,
    operation_type: record.operation,
    _created_at: new Date(record.createdAt),
    _updated_at: new Date(record.updatedAt),
  });
  return document;
}

/** One document as MongoDB Extended JSON (dates as {"$date": ISO}), the form mongoimport loads. */
export function toExtendedJson(document: Record<string, unknown>): string {
  return JSON.stringify(document, function (this: Record<string, unknown>, key, value) {
    const original = this[key];
    return original instanceof Date ? { $date: original.toISOString() } : value;
  });
}
