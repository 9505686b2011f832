import { keyRevokedEvents, planChangedEvents } from '../shared/tenant-events.js';
import { isActiveKey, keyLimitRefusal } from '../../core/key-limits.js';
import { TollgateError } from '../../core/errors.js';
import type { Clock } from '../../core/ports.js';
import type { ApiKey, Namespace, Organization, User, Workspace } from '../../core/tenants.js';
import type { OutboxEvent, Page, TenantChange, TenantDirectory } from '../contract/index.js';
import { applyNamespacePatch, applyOrganizationPatch, newOrganizationRecord } from '../shared/tenant-records.js';

const page = <T>(items: T[], offset: number, limit: number): Page<T> => ({ items: items.slice(offset, offset + limit), total: items.length });
const notFound = (what: string, id: string) => new TollgateError('NOT_FOUND', { message: `No ${what} with id "${id}".`, details: { id } });

/** `outbox` writes the webhook events of a change (key.revoked, plan.changed) with it. */
export function createRamDirectory(clock: Clock, outbox: { write(events: readonly OutboxEvent[]): number } | null = null): TenantDirectory {
  const write = (events: readonly OutboxEvent[]) => {
    if (outbox && events.length > 0) outbox.write(events);
  };
  const organizations = new Map<string, Organization>();
  const namespaces = new Map<string, Namespace>();
  const keys = new Map<string, ApiKey>();
  const users = new Map<string, User>();
  const workspaces = new Map<string, Workspace>();
  const listeners = new Set<(change: TenantChange) => void>();
  const emit = (change: TenantChange) => {
    for (const listener of listeners) listener(change);
  };

  const directory: TenantDirectory = {
    async createOrganization(input) {
      if (organizations.has(input.id)) throw new TollgateError('CONFLICT', { message: `Organization ${input.id} exists.` });
      const org = newOrganizationRecord(input);
      organizations.set(org.id, org);
      workspaces.set(input.workspace.id, { ...input.workspace, organizationId: org.id, createdAt: input.createdAt });
      users.set(input.owner.id, { ...input.owner, organizationId: org.id, createdAt: input.createdAt });
      return org;
    },
    getOrganization: async (id) => organizations.get(id) ?? null,
    listOrganizations: async ({ offset, limit }) => page([...organizations.values()], offset, limit),
    async updateOrganization(id, patch) {
      const current = organizations.get(id);
      if (!current) throw notFound('organization', id);
      const next = applyOrganizationPatch(current, patch);
      organizations.set(id, next);
      emit({ kind: 'organization', id });
      write(planChangedEvents(current, next, clock.now()));
      return next;
    },

    async createNamespace(input) {
      const org = organizations.get(input.organizationId);
      if (!org) throw notFound('organization', input.organizationId);
      const ns: Namespace = { ...input, updatedAt: input.createdAt };
      namespaces.set(ns.id, ns);
      if (org.defaultNamespaceId === null) organizations.set(org.id, { ...org, defaultNamespaceId: ns.id });
      emit({ kind: 'organization', id: org.id });
      return ns;
    },
    getNamespace: async (id) => namespaces.get(id) ?? null,
    listNamespaces: async (organizationId, { offset, limit }) =>
      page([...namespaces.values()].filter((n) => n.organizationId === organizationId), offset, limit),
    async updateNamespace(id, patch) {
      const current = namespaces.get(id);
      if (!current) throw notFound('namespace', id);
      const next = applyNamespacePatch(current, patch, clock.now());
      namespaces.set(id, next);
      emit({ kind: 'namespace', id, organizationId: current.organizationId });
      return next;
    },
    async deleteNamespace(id, atMs) {
      const current = namespaces.get(id);
      if (!current) throw notFound('namespace', id);
      namespaces.delete(id);
      const revoked: ApiKey[] = [];
      for (const key of keys.values()) {
        if (key.namespaceId === id && key.revokedAt === null) {
          keys.set(key.id, { ...key, revokedAt: atMs });
          emit({ kind: 'api_key', id: key.id, prefix: key.prefix });
          revoked.push(key);
        }
      }
      write(keyRevokedEvents(revoked, atMs, () => 'namespace_deleted'));
      const org = organizations.get(current.organizationId);
      if (org?.defaultNamespaceId === id) organizations.set(org.id, { ...org, defaultNamespaceId: null });
      emit({ kind: 'namespace', id, organizationId: current.organizationId });
      emit({ kind: 'organization', id: current.organizationId });
    },

    getUser: async (id) => users.get(id) ?? null,
    getWorkspace: async (id) => workspaces.get(id) ?? null,

    async createApiKey(input, limits) {
      if ([...keys.values()].some((k) => k.prefix === input.prefix)) throw new TollgateError('CONFLICT', { message: 'Duplicate key prefix.' });
      const active = [...keys.values()].filter((k) => k.organizationId === input.organizationId && isActiveKey(k, input.createdAt));
      const refusal = keyLimitRefusal({ organization: active.length, namespace: active.filter((k) => k.namespaceId !== null && k.namespaceId === input.namespaceId).length }, limits);
      if (refusal) throw refusal;
      const key: ApiKey = { ...input, lastUsedAt: null, revokedAt: null };
      keys.set(key.id, key);
      return key;
    },
    getApiKey: async (id) => keys.get(id) ?? null,
    findApiKeyByPrefix: async (prefix) => [...keys.values()].find((k) => k.prefix === prefix) ?? null,
    listApiKeys: async ({ organizationId, namespaceId }) =>
      [...keys.values()].filter((k) => k.organizationId === organizationId && (namespaceId === undefined || k.namespaceId === namespaceId)),
    async revokeApiKey(id, atMs) {
      if (!keys.has(id)) return null;
      // The key, then every key it minted, and theirs.
      const queue = [id];
      const revoked: ApiKey[] = [];
      for (let next = queue.shift(); next; next = queue.shift()) {
        const key = keys.get(next)!;
        if (key.revokedAt === null) {
          keys.set(next, { ...key, revokedAt: atMs });
          emit({ kind: 'api_key', id: next, prefix: key.prefix });
          revoked.push(key);
        }
        for (const k of keys.values()) if (k.parentKeyId === next) queue.push(k.id);
      }
      write(keyRevokedEvents(revoked, atMs, (k) => (k.id === id ? 'revoked' : 'parent_revoked')));
      return keys.get(id)!;
    },
    async touchApiKeys(touches) {
      for (const t of touches) {
        const key = keys.get(t.id);
        if (key) keys.set(t.id, { ...key, lastUsedAt: Math.max(key.lastUsedAt ?? 0, t.atMs) });
      }
    },
    watch(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return directory;
}
