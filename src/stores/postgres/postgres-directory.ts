import { TollgateError } from '../../core/errors.js';
import { keyLimitRefusal } from '../../core/key-limits.js';
import type { Clock } from '../../core/ports.js';
import { keyRevokedEvents, planChangedEvents } from '../shared/tenant-events.js';
import type { OutboxEvent, TenantChange, TenantDirectory } from '../contract/index.js';
import { toRevokedKey } from '../shared/record-rows.js';
import { applyOrganizationPatch, newOrganizationRecord } from '../shared/tenant-records.js';
import type { PostgresPool, PostgresPoolClient } from './postgres-config.js';
import { guarded } from './postgres-errors.js';
import { ORGANIZATION_COLUMNS, organizationValues, toApiKey, toNamespace, toOrganization, toUser, toWorkspace, type Row } from './postgres-mapper.js';
import { advisoryKey } from './postgres-schema.js';
import { outboxEventsJson } from './postgres-outbox.js';
import { withTransaction } from './postgres-transaction.js';
import { createChangeWatcher, type ChangeWatcher } from './postgres-watch.js';

const UNIQUE_VIOLATION = '23505';

const notFound = (what: string, id: string) => new TollgateError('NOT_FOUND', { message: `No ${what} with id "${id}".`, details: { id } });

/** A duplicate id or key prefix is the caller's conflict, not a store failure. */
async function unique<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if ((error as { code?: unknown }).code === UNIQUE_VIOLATION) throw new TollgateError('CONFLICT', { message: `${what} already exists.`, cause: error });
    throw error;
  }
}

/**
 * Tenants in the same database as the usage. Every change is logged to tenant_changes in the
 * transaction that makes it, under an advisory lock so that sequence numbers follow commit order,
 * and announced with NOTIFY at commit; postgres-watch.ts turns both into `watch` callbacks.
 */
export function createPostgresDirectory(
  pool: PostgresPool,
  options: { schema: string; schemaName: string; clock: Clock; pollMs: number; lastSeq: number },
): TenantDirectory & { stop(): Promise<void> } {
  const s = options.schema;
  const channel = `${options.schemaName}.tenant_changes`;
  const one = async (sql: string, values: unknown[]) => (await guarded(() => pool.query(sql, values))).rows[0] as Row | undefined;
  const all = async (sql: string, values: unknown[]) => (await guarded(() => pool.query(sql, values))).rows as Row[];
  const watcher: ChangeWatcher = createChangeWatcher(pool, { schema: s, channel, pollMs: options.pollMs, lastSeq: options.lastSeq });

  /** Runs `work` in a transaction that also logs the changes it reports and notifies the other processes. */
  const mutate = async <T>(work: (client: PostgresPoolClient) => Promise<{ result: T; changes: TenantChange[]; events?: OutboxEvent[] }>): Promise<T> => {
    const { result, changes } = await withTransaction(pool, async (client) => {
      const done = await work(client);
      // The change's webhook events (key.revoked, plan.changed) commit with it.
      if (done.events && done.events.length > 0) await client.query(`SELECT ${s}.outbox_write($1::jsonb)`, [outboxEventsJson(done.events)]);
      if (done.changes.length > 0) {
        await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [advisoryKey(options.schemaName, 'tenant-changes')]);
        await client.query(
          `INSERT INTO ${s}.tenant_changes (kind, id, extra, at) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[])`,
          [done.changes.map((c) => c.kind), done.changes.map((c) => c.id), done.changes.map(extraOf), done.changes.map(() => options.clock.now())],
        );
        await client.query('SELECT pg_notify($1, $2)', [channel, '']);
      }
      return done;
    });
    // Listeners in this process hear of the change at once; other processes at the NOTIFY.
    if (changes.length > 0) await watcher.poll();
    return result;
  };

  const getOrganization = async (id: string, via: Pick<PostgresPoolClient, 'query'> = pool) => {
    const row = (await guarded(() => via.query(`SELECT * FROM ${s}.organizations WHERE id = $1`, [id]))).rows[0];
    return row ? toOrganization(row) : null;
  };
  const getNamespace = async (id: string, via: Pick<PostgresPoolClient, 'query'> = pool) => {
    const row = (await guarded(() => via.query(`SELECT * FROM ${s}.namespaces WHERE id = $1 AND deleted_at IS NULL`, [id]))).rows[0];
    return row ? toNamespace(row) : null;
  };
  const getApiKey = async (id: string) => {
    const row = await one(`SELECT * FROM ${s}.api_keys WHERE id = $1`, [id]);
    return row ? toApiKey(row) : null;
  };
  const orgColumns = ORGANIZATION_COLUMNS.join(', ');
  const orgParams = ORGANIZATION_COLUMNS.map((_, i) => `$${i + 1}`).join(', ');

  return {
    async createOrganization(input) {
      const org = newOrganizationRecord(input);
      const n = ORGANIZATION_COLUMNS.length;
      // One statement: the organization, its workspace and its owner exist together or not at all.
      await unique(`Organization ${input.id}`, () =>
        guarded(() =>
          pool.query(
            `WITH o AS (INSERT INTO ${s}.organizations (${orgColumns}, updated_at) VALUES (${orgParams}, $${n + 1}) RETURNING id),
                  w AS (INSERT INTO ${s}.workspaces (id, organization_id, name, created_at) VALUES ($${n + 2}, $1, $${n + 3}, $${n + 1}) RETURNING id)
             INSERT INTO ${s}.users (id, organization_id, name, email, created_at) VALUES ($${n + 4}, $1, $${n + 5}, $${n + 6}, $${n + 1})`,
            [...organizationValues(org), input.createdAt, input.workspace.id, input.workspace.name, input.owner.id, input.owner.name, input.owner.email],
          ),
        ),
      );
      return (await getOrganization(input.id))!;
    },
    getOrganization: (id) => getOrganization(id),
    async listOrganizations({ offset, limit }) {
      const items = (await all(`SELECT * FROM ${s}.organizations ORDER BY created_at, id LIMIT $1 OFFSET $2`, [limit, offset])).map(toOrganization);
      const total = Number((await one(`SELECT count(*) AS n FROM ${s}.organizations`, []))!.n);
      return { items, total };
    },
    async updateOrganization(id, patch) {
      return mutate(async (client) => {
        const row = (await client.query(`SELECT * FROM ${s}.organizations WHERE id = $1 FOR UPDATE`, [id])).rows[0];
        if (!row) throw notFound('organization', id);
        const current = toOrganization(row);
        const next = applyOrganizationPatch(current, patch);
        const at = options.clock.now();
        const assignments = ORGANIZATION_COLUMNS.map((column, i) => `${column} = $${i + 1}`).filter((_, i) => i > 0);
        await client.query(`UPDATE ${s}.organizations SET ${assignments.join(', ')}, updated_at = $${ORGANIZATION_COLUMNS.length + 1} WHERE id = $1`, [
          ...organizationValues(next),
          at,
        ]);
        return { result: next, changes: [{ kind: 'organization', id }], events: planChangedEvents(current, next, at) };
      });
    },

    async createNamespace(input) {
      return mutate(async (client) => {
        if (!(await getOrganization(input.organizationId, client))) throw notFound('organization', input.organizationId);
        await client.query(
          `INSERT INTO ${s}.namespaces (id, organization_id, name, environment_type, is_active, rate_limits, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $7)`,
          [input.id, input.organizationId, input.name, input.environmentType, input.isActive, JSON.stringify(input.rateLimits), input.createdAt],
        );
        // The first namespace of an organization becomes where its organization keys' memory calls go.
        await client.query(`UPDATE ${s}.organizations SET default_namespace_id = $1 WHERE id = $2 AND default_namespace_id IS NULL`, [input.id, input.organizationId]);
        return { result: (await getNamespace(input.id, client))!, changes: [{ kind: 'organization', id: input.organizationId }] };
      });
    },
    getNamespace: (id) => getNamespace(id),
    async listNamespaces(organizationId, { offset, limit }) {
      const where = `organization_id = $1 AND deleted_at IS NULL`;
      const items = (await all(`SELECT * FROM ${s}.namespaces WHERE ${where} ORDER BY created_at, id LIMIT $2 OFFSET $3`, [organizationId, limit, offset])).map(toNamespace);
      const total = Number((await one(`SELECT count(*) AS n FROM ${s}.namespaces WHERE ${where}`, [organizationId]))!.n);
      return { items, total };
    },
    async updateNamespace(id, patch) {
      return mutate(async (client) => {
        const current = await getNamespace(id, client);
        if (!current) throw notFound('namespace', id);
        await client.query(`UPDATE ${s}.namespaces SET name = $1, environment_type = $2, is_active = $3, rate_limits = $4, updated_at = $5 WHERE id = $6`, [
          patch.name ?? current.name,
          patch.environmentType ?? current.environmentType,
          patch.isActive ?? current.isActive,
          JSON.stringify(patch.rateLimits ?? current.rateLimits),
          options.clock.now(),
          id,
        ]);
        return { result: (await getNamespace(id, client))!, changes: [{ kind: 'namespace', id, organizationId: current.organizationId }] };
      });
    },
    async deleteNamespace(id, atMs) {
      await mutate(async (client) => {
        const current = await getNamespace(id, client);
        if (!current) throw notFound('namespace', id);
        await client.query(`UPDATE ${s}.namespaces SET deleted_at = $1, is_active = false, updated_at = $1 WHERE id = $2`, [atMs, id]);
        const revoked = await client.query(
          `UPDATE ${s}.api_keys SET revoked_at = $1 WHERE namespace_id = $2 AND revoked_at IS NULL RETURNING id, prefix, organization_id, namespace_id`,
          [atMs, id],
        );
        await client.query(`UPDATE ${s}.organizations SET default_namespace_id = NULL WHERE id = $1 AND default_namespace_id = $2`, [current.organizationId, id]);
        const changes: TenantChange[] = [
          { kind: 'namespace', id, organizationId: current.organizationId },
          { kind: 'organization', id: current.organizationId },
          ...revoked.rows.map((key): TenantChange => ({ kind: 'api_key', id: String(key.id), prefix: String(key.prefix) })),
        ];
        return { result: undefined, changes, events: keyRevokedEvents(revoked.rows.map(toRevokedKey), atMs, () => 'namespace_deleted') };
      });
    },

    async getUser(id) {
      const row = await one(`SELECT * FROM ${s}.users WHERE id = $1`, [id]);
      return row ? toUser(row) : null;
    },
    async getWorkspace(id) {
      const row = await one(`SELECT * FROM ${s}.workspaces WHERE id = $1`, [id]);
      return row ? toWorkspace(row) : null;
    },

    async createApiKey(input, limits) {
      const row = await unique(`An API key with prefix ${input.prefix}`, () =>
        withTransaction(pool, async (client) => {
          // Creations in one organization queue on its row, so that counting and inserting are one step.
          await client.query(`SELECT 1 FROM ${s}.organizations WHERE id = $1 FOR UPDATE`, [input.organizationId]);
          const { rows } = await client.query(
            `SELECT count(*) AS organization, count(*) FILTER (WHERE namespace_id = $2) AS namespace FROM ${s}.api_keys
             WHERE organization_id = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $3)`,
            [input.organizationId, input.namespaceId, input.createdAt],
          );
          const refusal = keyLimitRefusal({ organization: Number(rows[0]!.organization), namespace: Number(rows[0]!.namespace) }, limits);
          if (refusal) throw refusal;
          return (
            await client.query(
          `INSERT INTO ${s}.api_keys (id, kind, organization_id, namespace_id, user_id, name, prefix, hash, permissions, cap_mini, cap_premium, created_at, expires_at, parent_key_id)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING *`,
          [
            input.id,
            input.kind,
            input.organizationId,
            input.namespaceId,
            input.userId,
            input.name,
            input.prefix,
            input.hash,
            input.permissions,
            input.monthlyCap.mini,
            input.monthlyCap.premium,
            input.createdAt,
            input.expiresAt,
            input.parentKeyId,
          ],
            )
          ).rows[0] as Row;
        }),
      );
      return toApiKey(row);
    },
    getApiKey: (id) => getApiKey(id),
    async findApiKeyByPrefix(prefix) {
      const row = await one(`SELECT * FROM ${s}.api_keys WHERE prefix = $1`, [prefix]);
      return row ? toApiKey(row) : null;
    },
    async listApiKeys({ organizationId, namespaceId }) {
      const rows =
        namespaceId === undefined
          ? await all(`SELECT * FROM ${s}.api_keys WHERE organization_id = $1 ORDER BY created_at, id`, [organizationId])
          : await all(`SELECT * FROM ${s}.api_keys WHERE organization_id = $1 AND namespace_id = $2 ORDER BY created_at, id`, [organizationId, namespaceId]);
      return rows.map(toApiKey);
    },
    async revokeApiKey(id, atMs) {
      return mutate(async (client) => {
        const row = (await client.query(`SELECT * FROM ${s}.api_keys WHERE id = $1 FOR UPDATE`, [id])).rows[0];
        if (!row) return { result: null, changes: [] };
        // The key, then every key it minted, and theirs, in the same transaction.
        const revoked = await client.query(
          `WITH RECURSIVE lineage(id) AS (SELECT $2::text UNION SELECT k.id FROM ${s}.api_keys k JOIN lineage l ON k.parent_key_id = l.id)
           UPDATE ${s}.api_keys k SET revoked_at = $1 FROM lineage l WHERE k.id = l.id AND k.revoked_at IS NULL
           RETURNING k.id, k.prefix, k.organization_id, k.namespace_id`,
          [atMs, id],
        );
        const key = toApiKey(row);
        return {
          result: key.revokedAt === null ? { ...key, revokedAt: atMs } : key,
          changes: revoked.rows.map((r) => ({ kind: 'api_key' as const, id: String(r.id), prefix: String(r.prefix) })),
          events: keyRevokedEvents(revoked.rows.map(toRevokedKey), atMs, (k) => (k.id === id ? 'revoked' : 'parent_revoked')),
        };
      });
    },
    async touchApiKeys(touches) {
      if (touches.length === 0) return;
      await guarded(() =>
        pool.query(
          `UPDATE ${s}.api_keys AS k SET last_used_at = greatest(coalesce(k.last_used_at, 0), t.at)
           FROM unnest($1::text[], $2::bigint[]) AS t(id, at) WHERE k.id = t.id`,
          [touches.map((t) => t.id), touches.map((t) => t.atMs)],
        ),
      );
    },

    watch: (listener) => watcher.add(listener),
    stop: () => watcher.stop(),
  };
}

function extraOf(change: TenantChange): string {
  return change.kind === 'namespace' ? change.organizationId : change.kind === 'api_key' ? change.prefix : '';
}
