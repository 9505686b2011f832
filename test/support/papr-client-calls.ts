import Papr, { toFile } from '@papr/memory';

/**
 * One call of every method of the official client (`@papr/memory` 2.8.0), with the least arguments
 * it accepts: what the routes-table test and the gateway's end-to-end test send through the
 * unmodified client. Depends on nothing but the client, so that either test can use it.
 */
export interface PaprClientCall {
  /** `resource.sub.method`, as a route of the gateway's table names it. */
  readonly clientMethod: string;
  readonly call: (client: Papr) => Promise<unknown>;
}

/** The client as a user with an API key builds it (sent as X-API-Key): no retries, a short timeout. */
export function paprClient(baseURL: string, apiKey: string): Papr {
  return new Papr({ baseURL, xAPIKey: apiKey, maxRetries: 0, timeout: 5_000 });
}

const file = () => toFile(Buffer.from('hello'), 'hello.txt', { type: 'text/plain' });

export const PAPR_CLIENT_CALLS: readonly PaprClientCall[] = [
  { clientMethod: 'user.create', call: (c) => c.user.create({ external_id: 'user_1' }) },
  { clientMethod: 'user.update', call: (c) => c.user.update('user_1', {}) },
  { clientMethod: 'user.list', call: (c) => c.user.list() },
  { clientMethod: 'user.delete', call: (c) => c.user.delete('user_1') },
  { clientMethod: 'user.createBatch', call: (c) => c.user.createBatch({ users: [{ external_id: 'user_1' }] }) },
  { clientMethod: 'user.get', call: (c) => c.user.get('user_1') },

  { clientMethod: 'memory.update', call: (c) => c.memory.update('mem_1', {}) },
  { clientMethod: 'memory.delete', call: (c) => c.memory.delete('mem_1') },
  { clientMethod: 'memory.add', call: (c) => c.memory.add({ content: 'hello' }) },
  { clientMethod: 'memory.addBatch', call: (c) => c.memory.addBatch({ memories: [{ content: 'hello' }] }) },
  { clientMethod: 'memory.deleteAll', call: (c) => c.memory.deleteAll() },
  { clientMethod: 'memory.get', call: (c) => c.memory.get('mem_1') },
  { clientMethod: 'memory.retrieveBatchStatus', call: (c) => c.memory.retrieveBatchStatus('batch_1') },
  { clientMethod: 'memory.retrieveStatus', call: (c) => c.memory.retrieveStatus('mem_1') },
  { clientMethod: 'memory.search', call: (c) => c.memory.search({ query: 'hello' }) },

  { clientMethod: 'feedback.getByID', call: (c) => c.feedback.getByID('fb_1') },
  {
    clientMethod: 'feedback.submit',
    call: (c) => c.feedback.submit({ search_id: 'search_1', feedbackData: { feedbackSource: 'inline', feedbackType: 'thumbs_up' } }),
  },
  {
    clientMethod: 'feedback.submitBatch',
    call: (c) =>
      c.feedback.submitBatch({ feedback_items: [{ search_id: 'search_1', feedbackData: { feedbackSource: 'inline', feedbackType: 'thumbs_up' } }] }),
  },

  { clientMethod: 'document.cancelProcessing', call: (c) => c.document.cancelProcessing('upload_1') },
  { clientMethod: 'document.getStatus', call: (c) => c.document.getStatus('upload_1') },
  { clientMethod: 'document.upload', call: async (c) => c.document.upload({ file: await file() }) },

  { clientMethod: 'schemas.create', call: (c) => c.schemas.create({ name: 'schema' }) },
  { clientMethod: 'schemas.retrieve', call: (c) => c.schemas.retrieve('schema_1') },
  { clientMethod: 'schemas.update', call: (c) => c.schemas.update('schema_1', { body: {} }) },
  { clientMethod: 'schemas.list', call: (c) => c.schemas.list() },
  { clientMethod: 'schemas.delete', call: (c) => c.schemas.delete('schema_1') },

  { clientMethod: 'graphql.playground', call: (c) => c.graphql.playground() },
  { clientMethod: 'graphql.query', call: (c) => c.graphql.query() },

  { clientMethod: 'messages.store', call: (c) => c.messages.store({ content: 'hello', role: 'user', sessionId: 'session_1' }) },
  { clientMethod: 'messages.sessions.update', call: (c) => c.messages.sessions.update('session_1', {}) },
  { clientMethod: 'messages.sessions.compress', call: (c) => c.messages.sessions.compress('session_1') },
  { clientMethod: 'messages.sessions.process', call: (c) => c.messages.sessions.process('session_1') },
  { clientMethod: 'messages.sessions.retrieveHistory', call: (c) => c.messages.sessions.retrieveHistory('session_1') },
  { clientMethod: 'messages.sessions.retrieveStatus', call: (c) => c.messages.sessions.retrieveStatus('session_1') },

  { clientMethod: 'omo.exportMemories', call: (c) => c.omo.exportMemories({ memory_ids: ['mem_1'] }) },
  { clientMethod: 'omo.exportMemoriesAsJson', call: (c) => c.omo.exportMemoriesAsJson({ memory_ids: 'mem_1' }) },
  { clientMethod: 'omo.importMemories', call: (c) => c.omo.importMemories({ memories: [{ id: 'mem_1', content: 'hello' }] }) },

  { clientMethod: 'sync.getDelta', call: (c) => c.sync.getDelta() },
  { clientMethod: 'sync.getTiers', call: (c) => c.sync.getTiers({}) },

  { clientMethod: 'namespace.create', call: (c) => c.namespace.create({ name: 'ns' }) },
  { clientMethod: 'namespace.retrieve', call: (c) => c.namespace.retrieve('ns_1') },
  { clientMethod: 'namespace.update', call: (c) => c.namespace.update('ns_1', {}) },
  { clientMethod: 'namespace.list', call: (c) => c.namespace.list() },
  { clientMethod: 'namespace.delete', call: (c) => c.namespace.delete('ns_1') },
  { clientMethod: 'namespace.createAPIKey', call: (c) => c.namespace.createAPIKey('ns_1', { name: 'key' }) },
  { clientMethod: 'namespace.instance.retrieve', call: (c) => c.namespace.instance.retrieve('ns_1') },
  { clientMethod: 'namespace.instance.update', call: (c) => c.namespace.instance.update('ns_1', {}) },
  { clientMethod: 'namespace.instance.delete', call: (c) => c.namespace.instance.delete('ns_1') },

  { clientMethod: 'organization.instance.retrieve', call: (c) => c.organization.instance.retrieve() },
  { clientMethod: 'organization.instance.update', call: (c) => c.organization.instance.update({}) },
  { clientMethod: 'organization.instance.delete', call: (c) => c.organization.instance.delete() },

  { clientMethod: 'ai.getUsage', call: (c) => c.ai.getUsage() },
  { clientMethod: 'ai.openai.createResponse', call: (c) => c.ai.openai.createResponse() },
  { clientMethod: 'ai.openai.chat.createCompletion', call: (c) => c.ai.openai.chat.createCompletion() },
  { clientMethod: 'ai.anthropic.sendMessage', call: (c) => c.ai.anthropic.sendMessage() },
  { clientMethod: 'ai.google.models.generateContent', call: (c) => c.ai.google.models.generateContent('gemini-2.0-flash') },
  { clientMethod: 'ai.google.models.streamGenerateContent', call: (c) => c.ai.google.models.streamGenerateContent('gemini-2.0-flash') },

  { clientMethod: 'telemetry.trackEvent', call: (c) => c.telemetry.trackEvent({ events: [{ event_name: 'test' }] }) },

  // The OAuth flow, outside /v1 (not in the gateway's table).
  { clientMethod: 'login.initiate', call: (c) => c.login.initiate() },
  { clientMethod: 'callback.process', call: (c) => c.callback.process() },
  { clientMethod: 'token.create', call: (c) => c.token.create() },
  { clientMethod: 'me.retrieve', call: (c) => c.me.retrieve() },
  { clientMethod: 'logout.perform', call: (c) => c.logout.perform() },

  { clientMethod: 'graph.rerank', call: (c) => c.graph.rerank({ query: 'hello', documents: ['hello'] }) },
  { clientMethod: 'graph.transform', call: (c) => c.graph.transform({ text: 'hello' }) },
  {
    clientMethod: 'graph.domains.create',
    call: (c) => c.graph.domains.create({ domain_id: 'domain_1', name: 'domain', description: 'a domain', signals: [] }),
  },
  { clientMethod: 'graph.domains.retrieve', call: (c) => c.graph.domains.retrieve('domain_1') },
  { clientMethod: 'graph.domains.update', call: (c) => c.graph.domains.update('domain_1', {}) },
  { clientMethod: 'graph.domains.list', call: (c) => c.graph.domains.list() },
  { clientMethod: 'graph.domains.delete', call: (c) => c.graph.domains.delete('domain_1') },
];
