/**
 * The cursor of a paged search: where its next page starts, bound to the search it continues (the
 * caller's namespace, the query, the external user). The binding only makes a cursor sent with
 * another search a clear 400: the namespace always comes from the caller's key, so no cursor can
 * reach another namespace, and an edited offset is just another page of the caller's own search.
 */
import { createHash } from 'node:crypto';
import { fail, ok, TollgateError, type Result } from '../../core/errors.js';

/** A search pages through its first 10,000 matches; past that, a narrower query finds more. */
export const SEARCH_OFFSET_MAX = 10_000;

/** What a cursor is bound to. */
export interface SearchIdentity {
  readonly namespaceId: string;
  readonly query: string;
  readonly externalUserId: string | null;
}

const bindingOf = (search: SearchIdentity) =>
  createHash('sha256').update(JSON.stringify([search.namespaceId, search.query, search.externalUserId])).digest('base64url').slice(0, 22);

export function encodeSearchCursor(offset: number, search: SearchIdentity): string {
  return Buffer.from(JSON.stringify({ o: offset, b: bindingOf(search) })).toString('base64url');
}

/** The offset a cursor continues from, or 400 VALIDATION_FAILED naming body.cursor. */
export function readSearchCursor(cursor: string, search: SearchIdentity): Result<number> {
  const invalid = (why: string) => fail(new TollgateError('VALIDATION_FAILED', { message: `Invalid request: cursor ${why}.`, details: { field: 'body.cursor' } }));
  const garbled = 'is not one a search answered (send next_cursor as it came)';
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return invalid(garbled);
  }
  const { o: offset, b: binding } = (decoded ?? {}) as { o?: unknown; b?: unknown };
  if (!Number.isInteger(offset) || typeof binding !== 'string') return invalid(garbled);
  if (binding !== bindingOf(search)) return invalid('belongs to another search: send it with the same query and external_user_id, with a key of the same namespace');
  if ((offset as number) < 1 || (offset as number) > SEARCH_OFFSET_MAX) return invalid(`points outside the first ${SEARCH_OFFSET_MAX} matches a search pages through`);
  return ok(offset as number);
}
