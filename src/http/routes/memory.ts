import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { randomUUID } from 'node:crypto';
import { isRecord } from '../../core/validation.js';
import { contentBytes, type MemoryService } from '../../memory/index.js';
import { success } from '../envelope.js';
import { AddBatchBody, AddMemoryBody, AddMemoryQuery, DeleteAllQuery, MemoryIdParams, SearchBody, SearchQuery, UpdateMemoryBody } from './memory-schemas.js';
import { memoryScopeOf, type HoldingLimitsOf } from './memory-scope.js';
import { toAddMemoryItem, toMemoryObject, toNewMemory, toUpdatedItem } from './memory-mapper.js';
import { encodeSearchCursor, SEARCH_OFFSET_MAX } from './search-cursor.js';
import { SEARCH_PAGE, searchAnswerJson, takeSearchPage } from './search-page.js';
import { searchIdentityOf, searchOffsetOf } from './search-request.js';

export interface MemoryRouteOptions {
  readonly memory: MemoryService;
  readonly holdingLimits: HoldingLimitsOf;
}

/** The memory API, wire-compatible with Papr v1. Each route names its operation; the meter plugin does the rest. */
export async function memoryRoutes(parent: FastifyInstance, options: MemoryRouteOptions) {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const { memory } = options;
  const scopeOf = (request: FastifyRequest) => memoryScopeOf(request, options.holdingLimits);
  const tags = ['memory'];

  app.post(
    '/memory',
    {
      schema: { tags, summary: 'Add a memory', body: AddMemoryBody, querystring: AddMemoryQuery },
      config: { operation: 'add_memory_v1', needsNamespace: true },
      preValidation: async (request) => {
        if (isRecord(request.body)) memory.checkMemory(request.body);
      },
    },
    async (request) => {
      const [added] = await memory.add(scopeOf(request), [toNewMemory(request.body)]);
      return success([toAddMemoryItem(added!)]);
    },
  );

  app.post(
    '/memory/batch',
    {
      schema: { tags, summary: 'Add memories in one batch', body: AddBatchBody },
      config: { operation: 'add_memory_batch_v1', needsNamespace: true },
      preValidation: async (request) => {
        const items = (request.body as { memories?: unknown } | undefined)?.memories;
        if (!Array.isArray(items)) return;
        items.forEach((item, i) => {
          if (isRecord(item)) memory.checkMemory(item, `memories[${i}].`);
        });
      },
    },
    async (request) => {
      const { memories: items, ...shared } = request.body;
      const defaults = { externalUserId: (shared.external_user_id as string | null | undefined) ?? null };
      const added = await memory.add(scopeOf(request), items.map((item) => toNewMemory(item, defaults)));
      const contentSize = added.reduce((s, m) => s + contentBytes(m.content), 0);
      const storageSize = added.reduce((s, m) => s + m.bytes, 0);
      return {
        code: 200,
        status: 'success',
        error: null,
        details: null,
        message: `Added ${added.length} memories.`,
        batch_id: randomUUID(),
        total_processed: added.length,
        total_successful: added.length,
        total_failed: 0,
        total_content_size: contentSize,
        total_storage_size: storageSize,
        successful: added.map((m) => success([toAddMemoryItem(m)])),
        errors: [],
      };
    },
  );

  app.post(
    '/memory/search',
    {
      schema: {
        tags,
        summary: 'Search memories (full text, inside the caller’s namespace), a page at a time',
        description:
          `Answers the best matches first: at most max_memories (${SEARCH_PAGE.defaultSize} by default, at most ${SEARCH_PAGE.maxSize}) and at most ` +
          `${SEARCH_PAGE.maxBytes} bytes of memories. When more matches follow, next_cursor (next to search_id) continues the search: send it as ` +
          `body.cursor with the same query and external_user_id. Each page is a metered search.`,
        body: SearchBody,
        querystring: SearchQuery,
      },
      config: { operation: 'search_v1', permission: 'read', needsNamespace: true },
      // A cursor that does not continue this search is refused before the charge, like a bad body.
      preValidation: async (request) => {
        searchOffsetOf(request);
      },
    },
    async (request, reply) => {
      const { query, external_user_id } = request.body;
      const offset = searchOffsetOf(request);
      const size = request.query.max_memories ?? SEARCH_PAGE.defaultSize;
      const matches = await memory.search(scopeOf(request), {
        text: query,
        offset,
        limit: size + 1,
        maxBytes: SEARCH_PAGE.maxBytes,
        ...(external_user_id ? { externalUserId: external_user_id } : {}),
      });
      const page = await takeSearchPage(matches, size, (m) => toMemoryObject(m.memory, m.score));
      const next = offset + page.items.length;
      const nextCursor = page.more && next <= SEARCH_OFFSET_MAX ? encodeSearchCursor(next, searchIdentityOf(request, request.body)) : null;
      const envelope = success({ memories: [], nodes: [], schemas_used: [] }, { search_id: randomUUID(), next_cursor: nextCursor });
      // Sent as the text takeSearchPage measured: the memories are serialised once, in turns.
      return reply.type('application/json; charset=utf-8').send(searchAnswerJson(envelope, page));
    },
  );

  app.delete(
    '/memory/all',
    {
      schema: { tags, summary: 'Delete every memory of the namespace (or of one external user)', querystring: DeleteAllQuery },
      config: { operation: 'delete_all_memories_v1', needsNamespace: true },
    },
    async (request) => {
      const externalUserId = request.query.external_user_id;
      const removed = await memory.deleteAll(scopeOf(request), externalUserId ? { externalUserId } : {});
      return {
        code: 200,
        status: 'success',
        error: null,
        details: null,
        message: `Deleted ${removed.memories} memories.`,
        total_processed: removed.memories,
        total_successful: removed.memories,
        total_failed: 0,
        successful: [],
        errors: [],
      };
    },
  );

  app.get(
    '/memory/:memory_id',
    { schema: { tags, summary: 'Get a memory', params: MemoryIdParams }, config: { operation: 'get_memory_v1', needsNamespace: true } },
    async (request) => {
      const found = await memory.get(scopeOf(request), request.params.memory_id);
      return success({ memories: [toMemoryObject(found)], nodes: [] }, { search_id: null });
    },
  );

  app.put(
    '/memory/:memory_id',
    {
      schema: { tags, summary: 'Update a memory', params: MemoryIdParams, body: UpdateMemoryBody },
      config: { operation: 'update_memory_v1', needsNamespace: true },
      preValidation: async (request) => {
        if (isRecord(request.body)) memory.checkMemory(request.body);
      },
    },
    async (request) => {
      const { content, type, metadata } = request.body;
      const { after } = await memory.update(scopeOf(request), request.params.memory_id, {
        ...(content ? { content } : {}),
        ...(type ? { type } : {}),
        ...(metadata !== undefined ? { metadata } : {}),
      });
      return {
        code: 200,
        status: 'success',
        error: null,
        details: null,
        message: 'Memory updated.',
        memory_items: [toUpdatedItem(after)],
        status_obj: { parse: true, neo4j: false, pinecone: false },
      };
    },
  );

  app.delete(
    '/memory/:memory_id',
    { schema: { tags, summary: 'Delete a memory', params: MemoryIdParams }, config: { operation: 'delete_memory_v1', needsNamespace: true } },
    async (request) => {
      const deleted = await memory.delete(scopeOf(request), request.params.memory_id);
      return {
        code: 200,
        status: 'success',
        error: null,
        details: null,
        message: 'Memory deleted.',
        memoryId: deleted.id,
        objectId: deleted.id,
        deletion_status: { parse: true, pinecone: false, neo4j: false, qdrant: false, holographic: false },
      };
    },
  );
}
