import type { WebhookEndpoints } from '../contract/index.js';
import { toWebhookEndpoint, webhookValues } from '../shared/webhook-rows.js';
import type { PostgresPool } from './postgres-config.js';
import { guarded } from './postgres-errors.js';

export function createPostgresWebhooks(pool: PostgresPool, schema: string): WebhookEndpoints {
  const query = async (sql: string, values: unknown[]) => (await guarded(() => pool.query(sql, values))).rows;
  return {
    async create(endpoint) {
      await query(`INSERT INTO ${schema}.webhook_endpoints (id, organization_id, url, event_types, sealed_secret, created_at) VALUES ($1, $2, $3, $4, $5, $6)`, webhookValues(endpoint));
      return endpoint;
    },
    list: async (organizationId) => (await query(`SELECT * FROM ${schema}.webhook_endpoints WHERE organization_id = $1 ORDER BY created_at, id`, [organizationId])).map(toWebhookEndpoint),
    async get(organizationId, id) {
      const [row] = await query(`SELECT * FROM ${schema}.webhook_endpoints WHERE organization_id = $1 AND id = $2`, [organizationId, id]);
      return row ? toWebhookEndpoint(row) : null;
    },
    organizationsWanting: async (eventType) =>
      (await query(`SELECT DISTINCT organization_id FROM ${schema}.webhook_endpoints WHERE $1 = ANY (string_to_array(event_types, ',')) ORDER BY organization_id`, [eventType])).map((r) =>
        String(r.organization_id),
      ),
    delete: async (organizationId, id) => (await query(`DELETE FROM ${schema}.webhook_endpoints WHERE organization_id = $1 AND id = $2 RETURNING id`, [organizationId, id])).length > 0,
  };
}
