import type Database from 'better-sqlite3';
import type { WebhookEndpoints } from '../contract/index.js';
import type { Row } from '../shared/record-rows.js';
import { toWebhookEndpoint, webhookValues } from '../shared/webhook-rows.js';
import { guarded } from './sqlite-errors.js';

export function createSqliteWebhooks(db: Database.Database): WebhookEndpoints {
  const insert = db.prepare('INSERT INTO webhook_endpoints (id, organization_id, url, event_types, sealed_secret, created_at) VALUES (?, ?, ?, ?, ?, ?)');
  const list = db.prepare('SELECT * FROM webhook_endpoints WHERE organization_id = ? ORDER BY created_at, id');
  const get = db.prepare('SELECT * FROM webhook_endpoints WHERE organization_id = ? AND id = ?');
  const remove = db.prepare('DELETE FROM webhook_endpoints WHERE organization_id = ? AND id = ?');
  // event_types is a comma list of known type names (no commas in them): a match is exact between commas.
  const wanting = db.prepare("SELECT DISTINCT organization_id FROM webhook_endpoints WHERE ',' || event_types || ',' LIKE '%,' || ? || ',%' ORDER BY organization_id").pluck();
  return {
    async create(endpoint) {
      guarded(() => insert.run(...webhookValues(endpoint)));
      return endpoint;
    },
    list: async (organizationId) => guarded(() => (list.all(organizationId) as Row[]).map(toWebhookEndpoint)),
    async get(organizationId, id) {
      const row = guarded(() => get.get(organizationId, id) as Row | undefined);
      return row ? toWebhookEndpoint(row) : null;
    },
    delete: async (organizationId, id) => guarded(() => remove.run(organizationId, id).changes > 0),
    organizationsWanting: async (eventType) => guarded(() => wanting.all(eventType) as string[]),
  };
}
