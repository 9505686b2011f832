import type Database from 'better-sqlite3';
import { keyLimitRefusal } from '../../core/key-limits.js';
import { TollgateError } from '../../core/errors.js';
import type { Clock } from '../../core/ports.js';
import { keyRevokedEvents, planChangedEvents } from '../shared/tenant-events.js';
import type { OutboxEvent, TenantChange, TenantDirectory } from '../contract/index.js';
import { toRevokedKey } from '../shared/record-rows.js';
import { applyNamespacePatch, applyOrganizationPatch, newOrganizationRecord } from '../shared/tenant-records.js';
import { guarded } from './sqlite-errors.js';
import type { SqliteOutbox } from './sqlite-outbox.js';
import { organizationColumns, toApiKey, toNamespace, toOrganization, toUser, toWorkspace, type Row } from './sqlite-mapper.js';

/**
 * Tenants in the same file as the usage. Every change appends to tenant_changes; watchers poll its
 * highest sequence number, which is how a revocation made by the CLI (another process) reaches a
 * running server's caches within the poll interval.
 */
/** A key and every key minted from it, transitively (id, prefix). */
const MINTED_LINEAGE = `
  WITH RECURSIVE lineage(id) AS (SELECT ? UNION SELECT k.id FROM api_keys k JOIN lineage l ON k.parent_key_id = l.id)
  SELECT k.id, k.prefix, k.organization_id, k.namespace_id FROM api_keys k JOIN lineage l ON k.id = l.id WHERE k.revoked_at IS NULL`;

/** `outbox` writes the webhook events of a change (key.revoked, plan.changed) in its transaction. */
export function createSqliteDirectory(db: Database.Database, clock: Clock, pollMs = 200, outbox: Pick<SqliteOutbox, 'write'> | null = null): TenantDirectory & { stop(): void } {
  const emit = (events: readonly OutboxEvent[]) => {
    if (outbox && events.length > 0) outbox.write(events);
  };
  const one = (sql: string, ...args: unknown[]) => guarded(() => db.prepare(sql).get(...args) as Row | undefined);
  const all = (sql: string, ...args: unknown[]) => guarded(() => db.prepare(sql).all(...args) as Row[]);
  const changeStmt = db.prepare('INSERT INTO tenant_changes (kind, id, extra, at) VALUES (?, ?, ?, ?)');
  const logChange = (change: TenantChange) => {
    const extra = change.kind === 'namespace' ? change.organizationId : change.kind === 'api_key' ? change.prefix : '';
    changeStmt.run(change.kind, change.id, extra, clock.now());
  };
  const tx = <T>(run: () => T): T => guarded(() => db.transaction(run).immediate());
  // Listeners in this process hear of a change as soon as it commits; other processes at their next poll.
  const mutate = <T>(run: () => T): T => {
    const result = tx(run);
    if (listeners.size > 0) poll();
    return result;
  };

  const getOrganization = (id: string) => {
    const row = one('SELECT * FROM organizations WHERE id = ?', id);
    return row ? toOrganization(row) : null;
  };
  const getNamespace = (id: string) => {
    const row = one('SELECT * FROM namespaces WHERE id = ? AND deleted_at IS NULL', id);
    return row ? toNamespace(row) : null;
  };
  const countActive = db.prepare('SELECT count(*) FROM api_keys WHERE organization_id = ? AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?)').pluck();
  const countActiveIn = db.prepare('SELECT count(*) FROM api_keys WHERE namespace_id = ? AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?)').pluck();
  /** Active keys (isActiveKey) of an organization and of one of its namespaces at `nowMs`. */
  const activeKeys = (organizationId: string, namespaceId: string | null, nowMs: number) => ({
    organization: Number(countActive.get(organizationId, nowMs)),
    namespace: namespaceId === null ? 0 : Number(countActiveIn.get(namespaceId, nowMs)),
  });
  const getApiKey = (id: string) => {
    const row = one('SELECT * FROM api_keys WHERE id = ?', id);
    return row ? toApiKey(row) : null;
  };
  const notFound = (what: string, id: string) => new TollgateError('NOT_FOUND', { message: `No ${what} with id "${id}".`, details: { id } });

  const listeners = new Set<(change: TenantChange) => void>();
  let lastSeq = (one('SELECT coalesce(max(seq), 0) AS seq FROM tenant_changes')?.seq as number) ?? 0;
  let timer: NodeJS.Timeout | null = null;
  const poll = () => {
    try {
      const rows = db.prepare('SELECT seq, kind, id, extra FROM tenant_changes WHERE seq > ? ORDER BY seq').all(lastSeq) as Row[];
      for (const row of rows) {
        lastSeq = Number(row.seq);
        const change: TenantChange =
          row.kind === 'namespace'
            ? { kind: 'namespace', id: String(row.id), organizationId: String(row.extra) }
            : row.kind === 'api_key'
              ? { kind: 'api_key', id: String(row.id), prefix: String(row.extra) }
              : { kind: 'organization', id: String(row.id) };
        for (const listener of listeners) listener(change);
      }
    } catch {
      // A busy or closed database: the next poll tries again.
    }
  };

  return {
    async createOrganization(input) {
      tx(() => {
        const org = newOrganizationRecord(input);
        const cols = { ...organizationColumns(org), updated_at: input.createdAt };
        const names = Object.keys(cols);
        db.prepare(`INSERT INTO organizations (${names.join(', ')}) VALUES (${names.map((n) => '@' + n).join(', ')})`).run(cols);
        db.prepare('INSERT INTO workspaces (id, organization_id, name, created_at) VALUES (?, ?, ?, ?)').run(input.workspace.id, input.id, input.workspace.name, input.createdAt);
        db.prepare('INSERT INTO users (id, organization_id, name, email, created_at) VALUES (?, ?, ?, ?, ?)').run(input.owner.id, input.id, input.owner.name, input.owner.email, input.createdAt);
      });
      return getOrganization(input.id)!;
    },
    getOrganization: async (id) => getOrganization(id),
    async listOrganizations({ offset, limit }) {
      const items = all('SELECT * FROM organizations ORDER BY created_at, id LIMIT ? OFFSET ?', limit, offset).map(toOrganization);
      const total = Number(one('SELECT count(*) AS n FROM organizations')!.n);
      return { items, total };
    },
    async updateOrganization(id, patch) {
      mutate(() => {
        const current = getOrganization(id);
        if (!current) throw notFound('organization', id);
        const next = applyOrganizationPatch(current, patch);
        const at = clock.now();
        const cols = { ...organizationColumns(next), updated_at: at };
        const names = Object.keys(cols).filter((n) => n !== 'id' && n !== 'created_at');
        db.prepare(`UPDATE organizations SET ${names.map((n) => `${n} = @${n}`).join(', ')} WHERE id = @id`).run(cols);
        logChange({ kind: 'organization', id });
        emit(planChangedEvents(current, next, at));
      });
      return getOrganization(id)!;
    },

    async createNamespace(input) {
      mutate(() => {
        if (!getOrganization(input.organizationId)) throw notFound('organization', input.organizationId);
        db.prepare(
          `INSERT INTO namespaces (id, organization_id, name, environment_type, is_active, rate_limits, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        ).run(input.id, input.organizationId, input.name, input.environmentType, input.isActive ? 1 : 0, JSON.stringify(input.rateLimits), input.createdAt, input.createdAt);
        // The first namespace of an organization becomes where its organization keys' memory calls go.
        db.prepare('UPDATE organizations SET default_namespace_id = ? WHERE id = ? AND default_namespace_id IS NULL').run(input.id, input.organizationId);
        logChange({ kind: 'organization', id: input.organizationId });
      });
      return getNamespace(input.id)!;
    },
    getNamespace: async (id) => getNamespace(id),
    async listNamespaces(organizationId, { offset, limit }) {
      const items = all(
        'SELECT * FROM namespaces WHERE organization_id = ? AND deleted_at IS NULL ORDER BY created_at, id LIMIT ? OFFSET ?',
        organizationId,
        limit,
        offset,
      ).map(toNamespace);
      const total = Number(one('SELECT count(*) AS n FROM namespaces WHERE organization_id = ? AND deleted_at IS NULL', organizationId)!.n);
      return { items, total };
    },
    async updateNamespace(id, patch) {
      mutate(() => {
        const current = getNamespace(id);
        if (!current) throw notFound('namespace', id);
        const next = applyNamespacePatch(current, patch, clock.now());
        db.prepare('UPDATE namespaces SET name = ?, environment_type = ?, is_active = ?, rate_limits = ?, updated_at = ? WHERE id = ?').run(
          next.name,
          next.environmentType,
          next.isActive ? 1 : 0,
          JSON.stringify(next.rateLimits),
          next.updatedAt,
          id,
        );
        logChange({ kind: 'namespace', id, organizationId: current.organizationId });
      });
      return getNamespace(id)!;
    },
    async deleteNamespace(id, atMs) {
      mutate(() => {
        const current = getNamespace(id);
        if (!current) throw notFound('namespace', id);
        db.prepare('UPDATE namespaces SET deleted_at = ?, is_active = 0, updated_at = ? WHERE id = ?').run(atMs, atMs, id);
        const keys = db.prepare('SELECT id, prefix, organization_id, namespace_id FROM api_keys WHERE namespace_id = ? AND revoked_at IS NULL').all(id) as Row[];
        db.prepare('UPDATE api_keys SET revoked_at = ? WHERE namespace_id = ? AND revoked_at IS NULL').run(atMs, id);
        db.prepare('UPDATE organizations SET default_namespace_id = NULL WHERE id = ? AND default_namespace_id = ?').run(current.organizationId, id);
        logChange({ kind: 'namespace', id, organizationId: current.organizationId });
        logChange({ kind: 'organization', id: current.organizationId });
        for (const key of keys) logChange({ kind: 'api_key', id: String(key.id), prefix: String(key.prefix) });
        emit(keyRevokedEvents(keys.map(toRevokedKey), atMs, () => 'namespace_deleted'));
      });
    },

    async getUser(id) {
      const row = one('SELECT * FROM users WHERE id = ?', id);
      return row ? toUser(row) : null;
    },
    async getWorkspace(id) {
      const row = one('SELECT * FROM workspaces WHERE id = ?', id);
      return row ? toWorkspace(row) : null;
    },

    async createApiKey(input, limits) {
      tx(() => {
        const refusal = keyLimitRefusal(activeKeys(input.organizationId, input.namespaceId, input.createdAt), limits);
        if (refusal) throw refusal;
        db
          .prepare(
            `INSERT INTO api_keys (id, kind, organization_id, namespace_id, user_id, name, prefix, hash, permissions, cap_mini, cap_premium, created_at, expires_at, parent_key_id)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(
            input.id,
            input.kind,
            input.organizationId,
            input.namespaceId,
            input.userId,
            input.name,
            input.prefix,
            input.hash,
            input.permissions.join(','),
            input.monthlyCap.mini,
            input.monthlyCap.premium,
            input.createdAt,
            input.expiresAt,
            input.parentKeyId,
          );
      });
      return getApiKey(input.id)!;
    },
    getApiKey: async (id) => getApiKey(id),
    async findApiKeyByPrefix(prefix) {
      const row = one('SELECT * FROM api_keys WHERE prefix = ?', prefix);
      return row ? toApiKey(row) : null;
    },
    async listApiKeys({ organizationId, namespaceId }) {
      const rows =
        namespaceId === undefined
          ? all('SELECT * FROM api_keys WHERE organization_id = ? ORDER BY created_at, id', organizationId)
          : all('SELECT * FROM api_keys WHERE organization_id = ? AND namespace_id = ? ORDER BY created_at, id', organizationId, namespaceId);
      return rows.map(toApiKey);
    },
    async revokeApiKey(id, atMs) {
      return mutate(() => {
        const key = getApiKey(id);
        if (!key) return null;
        // The key, then every key it minted, and theirs, in the same transaction.
        const lineage = (db.prepare(MINTED_LINEAGE).all(id) as Row[]).map(toRevokedKey);
        const revoke = db.prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL');
        for (const k of lineage) if (revoke.run(atMs, k.id).changes > 0) logChange({ kind: 'api_key', id: k.id, prefix: k.prefix });
        emit(keyRevokedEvents(lineage, atMs, (k) => (k.id === id ? 'revoked' : 'parent_revoked')));
        return getApiKey(id);
      });
    },
    async touchApiKeys(touches) {
      if (touches.length === 0) return;
      const stmt = db.prepare('UPDATE api_keys SET last_used_at = max(coalesce(last_used_at, 0), ?) WHERE id = ?');
      tx(() => {
        for (const t of touches) stmt.run(t.atMs, t.id);
      });
    },

    watch(listener) {
      listeners.add(listener);
      if (!timer) {
        timer = setInterval(poll, pollMs);
        timer.unref();
      }
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0 && timer) {
          clearInterval(timer);
          timer = null;
        }
      };
    },
    stop() {
      listeners.clear();
      if (timer) clearInterval(timer);
      timer = null;
    },
  };
}
