/** What a search request asks for beyond its schema: the search a cursor is bound to, and where its page starts. */
import type { FastifyRequest } from 'fastify';
import { isRecord } from '../../core/validation.js';
import { readSearchCursor, type SearchIdentity } from './search-cursor.js';

/** The search a request makes, as a cursor is bound to it; the body may not be validated yet. */
export function searchIdentityOf(request: FastifyRequest, body: { query: string; external_user_id?: unknown }): SearchIdentity {
  const externalUserId = typeof body.external_user_id === 'string' && body.external_user_id !== '' ? body.external_user_id : null;
  return { namespaceId: request.tenant!.namespace!.id, query: body.query, externalUserId };
}

/** Where the page a search asks for starts: 0, or its cursor's offset (else 400 naming body.cursor). */
export function searchOffsetOf(request: FastifyRequest): number {
  const body = request.body as { query?: unknown; cursor?: unknown } | undefined;
  // A body without a query string is refused by its schema, naming the query.
  if (!isRecord(body) || typeof body.cursor !== 'string' || typeof body.query !== 'string') return 0;
  const offset = readSearchCursor(body.cursor, searchIdentityOf(request, { ...body, query: body.query }));
  if (!offset.ok) throw offset.error;
  return offset.value;
}
