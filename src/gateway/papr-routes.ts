import type { GatewayRoute } from './gateway-route.js';

type CollectionVerb = 'create' | 'list' | 'get' | 'update' | 'delete';

/**
 * The five routes of a collection: create (POST) and list (GET) on its path; get, update (PUT) and
 * delete on one item. `retrieve` is the client's name for getting one (the user resource says `get`).
 */
function collection(path: string, param: string, resource: string, operations: Readonly<Record<CollectionVerb, string | null>>, retrieve = 'retrieve'): GatewayRoute[] {
  const item = `${path}/:${param}`;
  return [
    { method: 'POST', path, operation: operations.create, clientMethod: `${resource}.create` },
    { method: 'GET', path, operation: operations.list, clientMethod: `${resource}.list` },
    { method: 'GET', path: item, operation: operations.get, clientMethod: `${resource}.${retrieve}` },
    { method: 'PUT', path: item, operation: operations.update, clientMethod: `${resource}.update` },
    { method: 'DELETE', path: item, operation: operations.delete, clientMethod: `${resource}.delete` },
  ];
}

/**
 * Every route of the Papr API v1 that the official client (`@papr/memory` 2.8.0) calls, one entry per
 * HTTP method and path, with the catalogue operation a call is charged as (issue 14). The gateway
 * registers these and nothing else; a route the client gains is a line here, not code.
 *
 * Not in the table: the client's paths outside /v1 — `GET /login`, `GET /callback`, `POST /token`,
 * `GET /me`, `GET /logout` (login, callback, token, me, logout). They are the OAuth flow, called
 * with a browser session or a bearer token, never with an API key, so there is nothing to meter.
 *
 * Free routes (`operation: null`) are forwarded authenticated and not charged: the tenancy's
 * configuration (namespaces, their API keys, the Neo4j instance of a namespace or organization;
 * the hosted namespace routes are free too), status and telemetry.
 *
 * Paths use the API's parameter names (`memory_id`, not the client's `memoryID`). Google's
 * `models/{model}:generateContent` needs a regex parameter, as find-my-way ends a parameter name
 * only at `-`, `.`, `/` or `(`; `::` is a literal `:` (the parameter stays within one segment).
 * No two client methods call the same route in 2.8.0; if some did, the entry would name one and list
 * the others in a comment. test/unit/papr-routes.test.ts checks the table against the client itself.
 */
export const PAPR_ROUTES: readonly GatewayRoute[] = [
  // Memories (the hosted routes of src/http/routes/memory.ts: same paths, same operations).
  { method: 'POST', path: '/v1/memory', operation: 'add_memory_v1', clientMethod: 'memory.add' },
  { method: 'POST', path: '/v1/memory/batch', operation: 'add_memory_batch_v1', clientMethod: 'memory.addBatch' },
  { method: 'POST', path: '/v1/memory/search', operation: 'search_v1', clientMethod: 'memory.search', permission: 'read' },
  { method: 'DELETE', path: '/v1/memory/all', operation: 'delete_all_memories_v1', clientMethod: 'memory.deleteAll' },
  { method: 'GET', path: '/v1/memory/:memory_id', operation: 'get_memory_v1', clientMethod: 'memory.get' },
  { method: 'PUT', path: '/v1/memory/:memory_id', operation: 'update_memory_v1', clientMethod: 'memory.update' },
  { method: 'DELETE', path: '/v1/memory/:memory_id', operation: 'delete_memory_v1', clientMethod: 'memory.delete' },
  { method: 'GET', path: '/v1/memory/status/:memory_id', operation: 'get_memory_status_v1', clientMethod: 'memory.retrieveStatus' },
  { method: 'GET', path: '/v1/memory/batch/status/:batch_id', operation: 'get_memory_batch_status_v1', clientMethod: 'memory.retrieveBatchStatus' },

  // Feedback (src/http/routes/feedback.ts).
  { method: 'POST', path: '/v1/feedback', operation: 'submit_feedback_v1', clientMethod: 'feedback.submit' },
  { method: 'POST', path: '/v1/feedback/batch', operation: 'submit_batch_feedback_v1', clientMethod: 'feedback.submitBatch' },
  { method: 'GET', path: '/v1/feedback/:feedback_id', operation: 'get_feedback_by_id_v1', clientMethod: 'feedback.getByID' },

  // Documents.
  { method: 'POST', path: '/v1/document', operation: 'upload_document', clientMethod: 'document.upload' },
  { method: 'GET', path: '/v1/document/status/:upload_id', operation: 'get_document_status', clientMethod: 'document.getStatus' },
  { method: 'DELETE', path: '/v1/document/:upload_id', operation: 'cancel_document_processing', clientMethod: 'document.cancelProcessing' },

  // Messages and their sessions.
  { method: 'POST', path: '/v1/messages', operation: 'store_message', clientMethod: 'messages.store' },
  { method: 'GET', path: '/v1/messages/sessions/:session_id', operation: 'get_session_history', clientMethod: 'messages.sessions.retrieveHistory' },
  { method: 'PATCH', path: '/v1/messages/sessions/:session_id', operation: 'update_session_v1', clientMethod: 'messages.sessions.update' },
  { method: 'GET', path: '/v1/messages/sessions/:session_id/status', operation: 'get_session_status', clientMethod: 'messages.sessions.retrieveStatus' },
  { method: 'POST', path: '/v1/messages/sessions/:session_id/process', operation: 'process_session_messages', clientMethod: 'messages.sessions.process' },
  { method: 'GET', path: '/v1/messages/sessions/:session_id/compress', operation: 'compress_session_v1', clientMethod: 'messages.sessions.compress' },

  // Users of the developer's application.
  ...collection('/v1/user', 'user_id', 'user', { create: 'create_user_v1', list: 'list_users_v1', get: 'get_user_v1', update: 'update_user_v1', delete: 'delete_user_v1' }, 'get'),
  { method: 'POST', path: '/v1/user/batch', operation: 'create_user_batch_v1', clientMethod: 'user.createBatch' },

  // Graph schemas.
  ...collection('/v1/schemas', 'schema_id', 'schemas', {
    create: 'create_user_schema_v1',
    list: 'list_user_schemas_v1',
    get: 'get_user_schema_v1',
    update: 'update_user_schema_v1',
    delete: 'delete_user_schema_v1',
  }),

  // Graph: reranking and transforming documents compute and store nothing (read); domains are configuration like schemas.
  { method: 'POST', path: '/v1/graph/rerank', operation: 'rerank_documents_v1', clientMethod: 'graph.rerank', permission: 'read' },
  { method: 'POST', path: '/v1/graph/transform', operation: 'transform_documents_v1', clientMethod: 'graph.transform', permission: 'read' },
  ...collection('/v1/graph/domains', 'domain_id', 'graph.domains', {
    create: 'create_graph_domain_v1',
    list: 'list_graph_domains_v1',
    get: 'get_graph_domain_v1',
    update: 'update_graph_domain_v1',
    delete: 'delete_graph_domain_v1',
  }),

  // GraphQL: queries only (the API filters them by tenant), so a read; the playground is a static page.
  { method: 'POST', path: '/v1/graphql', operation: 'graphql_query_v1', clientMethod: 'graphql.query', permission: 'read' },
  { method: 'GET', path: '/v1/graphql', operation: null, clientMethod: 'graphql.playground' },

  // Open Memory Object export and import; an export sent by POST is still a read.
  { method: 'POST', path: '/v1/omo/export', operation: 'export_memories_v1', clientMethod: 'omo.exportMemories', permission: 'read' },
  { method: 'GET', path: '/v1/omo/export.json', operation: 'export_memories_json_v1', clientMethod: 'omo.exportMemoriesAsJson' },
  { method: 'POST', path: '/v1/omo/import', operation: 'import_memories_v1', clientMethod: 'omo.importMemories' },

  // Sync: the tiers are asked for by POST but only read.
  { method: 'POST', path: '/v1/sync/tiers', operation: 'get_sync_tiers', clientMethod: 'sync.getTiers', permission: 'read' },
  { method: 'GET', path: '/v1/sync/delta', operation: 'get_sync_delta', clientMethod: 'sync.getDelta' },

  // Namespaces, their keys and Neo4j instances: the tenancy's configuration, free as the hosted namespace routes are.
  ...collection('/v1/namespace', 'namespace_id', 'namespace', { create: null, list: null, get: null, update: null, delete: null }),
  { method: 'POST', path: '/v1/namespace/:namespace_id/api-keys', operation: null, clientMethod: 'namespace.createAPIKey' },
  { method: 'GET', path: '/v1/namespace/:namespace_id/instance', operation: null, clientMethod: 'namespace.instance.retrieve' },
  { method: 'PUT', path: '/v1/namespace/:namespace_id/instance', operation: null, clientMethod: 'namespace.instance.update' },
  { method: 'DELETE', path: '/v1/namespace/:namespace_id/instance', operation: null, clientMethod: 'namespace.instance.delete' },
  { method: 'GET', path: '/v1/organization/instance', operation: null, clientMethod: 'organization.instance.retrieve' },
  { method: 'PUT', path: '/v1/organization/instance', operation: null, clientMethod: 'organization.instance.update' },
  { method: 'DELETE', path: '/v1/organization/instance', operation: null, clientMethod: 'organization.instance.delete' },

  // AI proxy: the model providers' own APIs, forwarded; the usage report is a status.
  { method: 'POST', path: '/v1/ai/openai/chat/completions', operation: 'create_openai_chat_completion_v1', clientMethod: 'ai.openai.chat.createCompletion' },
  { method: 'POST', path: '/v1/ai/openai/responses', operation: 'create_openai_response_v1', clientMethod: 'ai.openai.createResponse' },
  { method: 'POST', path: '/v1/ai/anthropic/messages', operation: 'create_anthropic_message_v1', clientMethod: 'ai.anthropic.sendMessage' },
  { method: 'POST', path: '/v1/ai/google/models/:model_id(.+)::generateContent', operation: 'generate_google_content_v1', clientMethod: 'ai.google.models.generateContent' },
  { method: 'POST', path: '/v1/ai/google/models/:model_id(.+)::streamGenerateContent', operation: 'stream_google_content_v1', clientMethod: 'ai.google.models.streamGenerateContent' },
  { method: 'GET', path: '/v1/ai/usage', operation: null, clientMethod: 'ai.getUsage' },

  // Telemetry: the client's own events, no work for the API.
  { method: 'POST', path: '/v1/telemetry/events', operation: null, clientMethod: 'telemetry.trackEvent' },
];
