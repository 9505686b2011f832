import { randomBytes } from 'node:crypto';
import { isActiveKey, keyLimitRefusal } from '../../core/key-limits.js';
import { TollgateError } from '../../core/errors.js';
import { keyRevokedEvents, planChangedEvents } from '../shared/tenant-events.js';
import type { ApiKey } from '../../core/tenants.js';
import type { Outbox, OutboxEvent, Page, TenantChange, TenantDirectory } from '../contract/index.js';
import type { BatchRequest, ParseClient, ParseObject } from './parse-client.js';
import { parseDate, pointer } from './parse-mapper.js';
import { createParseChangeWatcher } from './parse-watch.js';
import {
  TENANT_CLASSES as C,
  apiKeyFields,
  isTollgateKey,
  subscriptionFields,
  toApiKey,
  toNamespace,
  toOrganization,
  toUser,
  toWorkspace,
} from './parse-tenant-mapper.js';

const notFound = (what: string, id: string) => new TollgateError('NOT_FOUND', { message: `No ${what} with id "${id}".`, details: { id } });
const DELETE = { __op: 'Delete' };
const LIVE_NAMESPACE = { deleted_at: { $exists: false } };

/**
 * Tenants kept in the Parse classes Organization, Subscription, Namespace, APIKey, WorkSpace and
 * _User (field mapping: parse-tenant-mapper.ts, docs/parse.md). Writes that touch several objects
 * go in one transactional batch. Changes made by other processes (or in Parse Dashboard) reach
 * watchers through polling of updatedAt (parse-watch.ts).
 */
/**
 * `outbox` (the base store's) takes the webhook events of a change (key.revoked, plan.changed). Parse
 * and the base store share no transaction: the events are written right after Parse acknowledged
 * the change, so a crash between the two loses them (the change itself stands).
 */
export function createParseDirectory(client: ParseClient, changePollMs: number, outbox: Pick<Outbox, 'enqueue'> | null = null): TenantDirectory & { stop(): void } {
  const write = async (events: readonly OutboxEvent[]) => {
    if (outbox && events.length > 0) await outbox.enqueue(events);
  };
  const first = async (className: string, where: Record<string, unknown>, include?: string[]) =>
    (await client.find(className, where, { limit: 1, ...(include ? { include } : {}) }))[0] ?? null;
  const count = async (className: string, where: Record<string, unknown>) =>
    (await client.request<{ count: number }>('GET', `classes/${className}?${new URLSearchParams({ where: JSON.stringify(where), count: '1', limit: '0' })}`)).count;
  const page = async <T>(className: string, where: Record<string, unknown>, p: { offset: number; limit: number }, map: (o: ParseObject) => T, include?: string[]): Promise<Page<T>> => {
    const items = await client.find(className, where, { order: 'createdAt,objectId', skip: p.offset, limit: p.limit, ...(include ? { include } : {}) });
    return { items: items.map(map), total: await count(className, where) };
  };
  const transaction = (requests: BatchRequest[]) => client.batch(requests, { transaction: true });
  /** Runs `work` after every earlier one of the same id has settled (a queue per id, in this process). */
  const queues = new Map<string, Promise<unknown>>();
  const oneAtATime = <T>(id: string, work: () => Promise<T>): Promise<T> => {
    const run = (queues.get(id) ?? Promise.resolve()).then(work, work);
    const settled = run.catch(() => undefined);
    queues.set(id, settled);
    void settled.then(() => {
      if (queues.get(id) === settled) queues.delete(id);
    });
    return run;
  };

  const getOrganization = async (id: string) => {
    const o = await first(C.organization, { objectId: id }, ['subscription']);
    return o ? toOrganization(o) : null;
  };
  const getNamespace = async (id: string) => {
    const o = await first(C.namespace, { objectId: id, ...LIVE_NAMESPACE });
    return o ? toNamespace(o) : null;
  };
  const getApiKey = async (id: string) => {
    const o = await first(C.apiKey, { objectId: id });
    return o && isTollgateKey(o) ? toApiKey(o) : null;
  };
  const mustOrganization = async (id: string) => (await getOrganization(id)) ?? Promise.reject(notFound('organization', id));
  const mustNamespace = async (id: string) => (await getNamespace(id)) ?? Promise.reject(notFound('namespace', id));

  const watcher = createParseChangeWatcher(client, changePollMs);
  const emit = (change: TenantChange) => watcher.emit(change);
  const orgPointer = (id: string) => pointer(C.organization, id);

  return {
    async createOrganization(input) {
      const { subscription: s, owner, workspace } = input;
      await transaction([
        {
          method: 'POST',
          path: `classes/${C.user}`,
          body: {
            objectId: owner.id,
            // A _User needs a username and password; Tollgate's owners sign in with API keys, so
            // the password is random and never shown.
            username: `tollgate-${owner.id}`,
            password: randomBytes(24).toString('base64url'),
            name: owner.name,
            ...(owner.email ? { email: owner.email } : {}),
            organization: orgPointer(input.id),
          },
        },
        { method: 'POST', path: `classes/${C.workspace}`, body: { objectId: workspace.id, name: workspace.name, organization: orgPointer(input.id) } },
        { method: 'POST', path: `classes/${C.subscription}`, body: { objectId: s.id, ...subscriptionFields(s) } },
        {
          method: 'POST',
          path: `classes/${C.organization}`,
          body: {
            objectId: input.id,
            name: input.name,
            subscription: pointer(C.subscription, s.id),
            workspace: pointer(C.workspace, workspace.id),
            owner: pointer(C.user, owner.id),
            ...(input.companyId ? { company: pointer(C.company, input.companyId) } : {}),
            rate_limits: input.rateLimits,
          },
        },
      ]);
      return mustOrganization(input.id);
    },
    getOrganization,
    listOrganizations: (p) => page(C.organization, {}, p, toOrganization, ['subscription']),
    async updateOrganization(id, patch) {
      const current = await mustOrganization(id);
      const requests: BatchRequest[] = [];
      const fields: Record<string, unknown> = {};
      if (patch.name !== undefined) fields.name = patch.name;
      if (patch.rateLimits !== undefined) fields.rate_limits = patch.rateLimits;
      if (patch.defaultNamespaceId !== undefined) fields.default_namespace = patch.defaultNamespaceId === null ? DELETE : pointer(C.namespace, patch.defaultNamespaceId);
      if (patch.subscription && current.subscription.id) {
        requests.push({ method: 'PUT', path: `classes/${C.subscription}/${current.subscription.id}`, body: subscriptionFields(patch.subscription) });
      }
      if (Object.keys(fields).length > 0) requests.push({ method: 'PUT', path: `classes/${C.organization}/${id}`, body: fields });
      if (requests.length > 0) await transaction(requests);
      emit({ kind: 'organization', id });
      const next = await mustOrganization(id);
      await write(planChangedEvents(current, next, Date.now()));
      return next;
    },

    async createNamespace(input) {
      const org = await mustOrganization(input.organizationId);
      const requests: BatchRequest[] = [
        {
          method: 'POST',
          path: `classes/${C.namespace}`,
          body: {
            objectId: input.id,
            organization: orgPointer(org.id),
            name: input.name,
            environment_type: input.environmentType,
            is_active: input.isActive,
            rate_limits: input.rateLimits,
          },
        },
      ];
      // The first namespace of an organization is where its organization keys' memory calls go.
      if (org.defaultNamespaceId === null) requests.push({ method: 'PUT', path: `classes/${C.organization}/${org.id}`, body: { default_namespace: pointer(C.namespace, input.id) } });
      await transaction(requests);
      emit({ kind: 'organization', id: org.id });
      return mustNamespace(input.id);
    },
    getNamespace,
    listNamespaces: (organizationId, p) => page(C.namespace, { organization: orgPointer(organizationId), ...LIVE_NAMESPACE }, p, toNamespace),
    async updateNamespace(id, patch) {
      const current = await mustNamespace(id);
      const fields: Record<string, unknown> = {};
      if (patch.name !== undefined) fields.name = patch.name;
      if (patch.environmentType !== undefined) fields.environment_type = patch.environmentType;
      if (patch.isActive !== undefined) fields.is_active = patch.isActive;
      if (patch.rateLimits !== undefined) fields.rate_limits = patch.rateLimits;
      if (Object.keys(fields).length > 0) await client.request('PUT', `classes/${C.namespace}/${id}`, fields);
      emit({ kind: 'namespace', id, organizationId: current.organizationId });
      return mustNamespace(id);
    },
    async deleteNamespace(id, atMs) {
      const current = await mustNamespace(id);
      const org = await getOrganization(current.organizationId);
      const keys = (await client.findAll(C.apiKey, { namespace: pointer(C.namespace, id), revoked_at: { $exists: false } })).filter(isTollgateKey);
      const requests: BatchRequest[] = [
        { method: 'PUT', path: `classes/${C.namespace}/${id}`, body: { deleted_at: parseDate(atMs), is_active: false } },
        ...keys.map((k): BatchRequest => ({ method: 'PUT', path: `classes/${C.apiKey}/${k.objectId}`, body: { revoked_at: parseDate(atMs) } })),
      ];
      if (org?.defaultNamespaceId === id) requests.push({ method: 'PUT', path: `classes/${C.organization}/${org.id}`, body: { default_namespace: DELETE } });
      await transaction(requests);
      emit({ kind: 'namespace', id, organizationId: current.organizationId });
      emit({ kind: 'organization', id: current.organizationId });
      for (const k of keys) emit({ kind: 'api_key', id: k.objectId, prefix: String(k.key_prefix) });
      await write(keyRevokedEvents(keys.map(toApiKey), atMs, () => 'namespace_deleted'));
    },

    async getUser(id) {
      const o = await first(C.user, { objectId: id });
      return o ? toUser(o) : null;
    },
    async getWorkspace(id) {
      const o = await first(C.workspace, { objectId: id });
      return o ? toWorkspace(o) : null;
    },

    async createApiKey(input, limits) {
      // Parse has no transaction to count and insert in: creations of one organization are queued
      // in this process instead, so that they cannot pass the limit together; processes sharing a
      // Parse Server may still (docs/parse.md).
      return oneAtATime(input.organizationId, async () => {
        // Parse cannot declare key_prefix unique; prefixes carry 71 random bits, and this check
        // turns the remaining chance into a clear error.
        if (await first(C.apiKey, { key_prefix: input.prefix })) throw new TollgateError('CONFLICT', { message: 'Duplicate key prefix.' });
        if (limits.organization !== null || limits.namespace !== null) {
          const active = (await client.findAll(C.apiKey, { organization: orgPointer(input.organizationId) })).filter(isTollgateKey).map(toApiKey).filter((k) => isActiveKey(k, input.createdAt));
          const refusal = keyLimitRefusal({ organization: active.length, namespace: active.filter((k) => k.namespaceId !== null && k.namespaceId === input.namespaceId).length }, limits);
          if (refusal) throw refusal;
        }
        await client.request('POST', `classes/${C.apiKey}`, apiKeyFields(input));
        return (await getApiKey(input.id))!;
      });
    },
    getApiKey,
    async findApiKeyByPrefix(prefix) {
      const found = (await client.find(C.apiKey, { key_prefix: prefix }, { limit: 2 })).filter(isTollgateKey);
      return found.length === 1 ? toApiKey(found[0]!) : null;
    },
    async listApiKeys({ organizationId, namespaceId }) {
      const where = { organization: orgPointer(organizationId), ...(namespaceId === undefined ? {} : { namespace: pointer(C.namespace, namespaceId) }) };
      const keys = (await client.findAll(C.apiKey, where)).filter(isTollgateKey).map(toApiKey);
      return keys.sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
    },
    async revokeApiKey(id, atMs) {
      const key = await getApiKey(id);
      if (!key) return null;
      // Then every key it minted, and theirs: breadth first, each revoked once (Parse has no
      // transaction here; a retry finishes what a failure left).
      const queue = [key];
      const revoked: ApiKey[] = [];
      for (let next = queue.shift(); next; next = queue.shift()) {
        if (next.revokedAt === null) {
          await client.request('PUT', `classes/${C.apiKey}/${next.id}`, { revoked_at: parseDate(atMs) });
          emit({ kind: 'api_key', id: next.id, prefix: next.prefix });
          revoked.push(next);
        }
        queue.push(...(await client.findAll(C.apiKey, { parent_key_id: next.id })).filter(isTollgateKey).map(toApiKey));
      }
      await write(keyRevokedEvents(revoked, atMs, (k) => (k.id === id ? 'revoked' : 'parent_revoked')));
      return getApiKey(id);
    },
    async touchApiKeys(touches) {
      const latest = new Map<string, number>();
      for (const t of touches) latest.set(t.id, Math.max(latest.get(t.id) ?? 0, t.atMs));
      const requests = [...latest].map(([id, atMs]): BatchRequest => ({ method: 'PUT', path: `classes/${C.apiKey}/${id}`, body: { last_used_at: parseDate(atMs) } }));
      for (let i = 0; i < requests.length; i += 50) await client.batch(requests.slice(i, i + 50), { transaction: false });
    },

    watch: (listener) => watcher.watch(listener),
    stop: () => watcher.stop(),
  };
}
