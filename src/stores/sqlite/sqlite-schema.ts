import type Database from 'better-sqlite3';

/**
 * Versioned migrations, applied in order and recorded in PRAGMA user_version.
 * Nullable pointers of the usage tables are stored as '' so that they can be part of primary keys
 * (SQLite treats NULLs in a unique key as distinct, which would break the upserts).
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE organizations (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    subscription_id TEXT NOT NULL,
    plan_tier TEXT NOT NULL,
    subscription_status TEXT NOT NULL,
    trial_ends_at INTEGER,
    metered_billing INTEGER NOT NULL DEFAULT 0,
    billing_customer_id TEXT,
    billing_anchor_day INTEGER,
    rate_limits TEXT NOT NULL DEFAULT '{}',
    default_namespace_id TEXT,
    workspace_id TEXT,
    company_id TEXT,
    owner_user_id TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE TABLE workspaces (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations(id),
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE users (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations(id),
    name TEXT NOT NULL,
    email TEXT,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE namespaces (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations(id),
    name TEXT NOT NULL,
    environment_type TEXT NOT NULL,
    is_active INTEGER NOT NULL DEFAULT 1,
    rate_limits TEXT NOT NULL DEFAULT '{}',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    deleted_at INTEGER
  );
  CREATE INDEX namespaces_by_organization ON namespaces (organization_id, created_at);
  CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('namespace', 'organization')),
    organization_id TEXT NOT NULL REFERENCES organizations(id),
    namespace_id TEXT REFERENCES namespaces(id),
    user_id TEXT,
    name TEXT NOT NULL,
    prefix TEXT NOT NULL UNIQUE,
    hash TEXT NOT NULL,
    permissions TEXT NOT NULL,
    cap_mini INTEGER,
    cap_premium INTEGER,
    created_at INTEGER NOT NULL,
    last_used_at INTEGER,
    expires_at INTEGER,
    revoked_at INTEGER
  );
  CREATE INDEX api_keys_by_organization ON api_keys (organization_id, namespace_id);
  CREATE TABLE tenant_changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    extra TEXT NOT NULL,
    at INTEGER NOT NULL
  );

  CREATE TABLE counters (
    scope TEXT NOT NULL,
    scope_id TEXT NOT NULL,
    metric TEXT NOT NULL,
    period TEXT NOT NULL,
    used INTEGER NOT NULL,
    PRIMARY KEY (scope, scope_id, metric, period)
  ) WITHOUT ROWID;
  CREATE TABLE rate_windows (
    key TEXT NOT NULL,
    window_start INTEGER NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (key, window_start)
  ) WITHOUT ROWID;
  CREATE TABLE interactions (
    organization_id TEXT NOT NULL,
    year INTEGER NOT NULL,
    month INTEGER NOT NULL,
    namespace_id TEXT NOT NULL,
    api_key_id TEXT NOT NULL,
    operation_type TEXT NOT NULL,
    type TEXT NOT NULL,
    workspace_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    subscription_id TEXT NOT NULL,
    company_id TEXT NOT NULL,
    count INTEGER NOT NULL,
    calls INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (organization_id, year, month, namespace_id, api_key_id, operation_type, type, workspace_id, user_id)
  ) WITHOUT ROWID;
  CREATE INDEX interactions_by_namespace ON interactions (namespace_id, year, month);
  CREATE INDEX interactions_by_api_key ON interactions (api_key_id, year, month);
  CREATE TABLE daily_rollups (
    organization_id TEXT NOT NULL,
    day TEXT NOT NULL,
    namespace_id TEXT NOT NULL,
    api_key_id TEXT NOT NULL,
    operation_type TEXT NOT NULL,
    type TEXT NOT NULL,
    count INTEGER NOT NULL,
    calls INTEGER NOT NULL,
    refused INTEGER NOT NULL,
    refunded INTEGER NOT NULL,
    PRIMARY KEY (organization_id, day, namespace_id, api_key_id, operation_type, type)
  ) WITHOUT ROWID;
  CREATE TABLE daily_refusals (
    organization_id TEXT NOT NULL,
    day TEXT NOT NULL,
    namespace_id TEXT NOT NULL,
    api_key_id TEXT NOT NULL,
    operation_type TEXT NOT NULL,
    reason TEXT NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (organization_id, day, namespace_id, api_key_id, operation_type, reason)
  ) WITHOUT ROWID;
  -- Usage events, append-only, one segment per group commit: the events of a group are one JSON
  -- row (a refund adds a 'refunded' event rather than rewriting one), so the audit log costs one
  -- row per group instead of one indexed row per call. Each organization with events in a segment
  -- has a row in usage_event_segment_orgs, so one organization's events are found without reading
  -- the others'.
  CREATE TABLE usage_event_segments (
    seq INTEGER PRIMARY KEY,
    first_at INTEGER NOT NULL,
    last_at INTEGER NOT NULL,
    events TEXT NOT NULL
  );
  CREATE TABLE usage_event_segment_orgs (
    organization_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    first_at INTEGER NOT NULL,
    last_at INTEGER NOT NULL,
    PRIMARY KEY (organization_id, seq)
  ) WITHOUT ROWID;
  CREATE TABLE idempotency_keys (
    api_key_id TEXT NOT NULL,
    key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    result TEXT NOT NULL,
    PRIMARY KEY (api_key_id, key)
  ) WITHOUT ROWID;
  CREATE TABLE refunds (
    charge_id TEXT PRIMARY KEY,
    at INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE TABLE idempotent_responses (
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    status INTEGER NOT NULL,
    headers TEXT NOT NULL,
    body TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (scope, key)
  ) WITHOUT ROWID;
  `,
  `
  CREATE TABLE memories (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    organization_id TEXT NOT NULL,
    namespace_id TEXT NOT NULL,
    content TEXT NOT NULL,
    type TEXT NOT NULL,
    metadata TEXT,
    external_user_id TEXT,
    user_id TEXT,
    extra TEXT NOT NULL DEFAULT '{}',
    bytes INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE INDEX memories_by_namespace ON memories (namespace_id, external_user_id);
  -- Full-text index over the content, kept in step by triggers; bm25() ranks matches.
  CREATE VIRTUAL TABLE memories_fts USING fts5(content, content='memories', content_rowid='seq', tokenize='porter unicode61');
  CREATE TRIGGER memories_fts_insert AFTER INSERT ON memories BEGIN
    INSERT INTO memories_fts (rowid, content) VALUES (new.seq, new.content);
  END;
  CREATE TRIGGER memories_fts_delete AFTER DELETE ON memories BEGIN
    INSERT INTO memories_fts (memories_fts, rowid, content) VALUES ('delete', old.seq, old.content);
  END;
  CREATE TRIGGER memories_fts_update AFTER UPDATE OF content ON memories BEGIN
    INSERT INTO memories_fts (memories_fts, rowid, content) VALUES ('delete', old.seq, old.content);
    INSERT INTO memories_fts (rowid, content) VALUES (new.seq, new.content);
  END;
  CREATE TABLE settings (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
  ) WITHOUT ROWID;
  CREATE TABLE feedback (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL,
    namespace_id TEXT,
    search_id TEXT NOT NULL,
    user_id TEXT,
    external_user_id TEXT,
    data TEXT NOT NULL,
    created_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  `,
  // Holdings (src/core/holdings.ts) move with the memory writes, no longer in the ledger. A memory
  // takes the bytes of its content, metadata and extra fields, as storedBytes() counts them: the
  // JSON kept here is the one it measures, so existing memories are measured again exactly.
  `
  UPDATE memories SET bytes = length(CAST(content AS BLOB)) + coalesce(length(CAST(metadata AS BLOB)), 0)
    + CASE WHEN extra = '{}' THEN 0 ELSE length(CAST(extra AS BLOB)) END;
  CREATE TABLE holdings (
    scope TEXT NOT NULL,
    scope_id TEXT NOT NULL,
    memories INTEGER NOT NULL,
    bytes INTEGER NOT NULL,
    PRIMARY KEY (scope, scope_id)
  ) WITHOUT ROWID;
  -- Feedback belongs to a namespace now, as an organization key's call would place it (its
  -- default namespace), and takes the bytes of its body.
  UPDATE feedback SET namespace_id = (SELECT default_namespace_id FROM organizations o WHERE o.id = feedback.organization_id) WHERE namespace_id IS NULL;
  ALTER TABLE feedback ADD COLUMN bytes INTEGER NOT NULL DEFAULT 0;
  UPDATE feedback SET bytes = length(CAST(data AS BLOB));
  CREATE INDEX feedback_by_namespace ON feedback (namespace_id);
  INSERT INTO holdings
    SELECT 'organization', organization_id, sum(memories), sum(bytes) FROM (
      SELECT organization_id, count(*) AS memories, sum(bytes) AS bytes FROM memories GROUP BY organization_id
      UNION ALL SELECT organization_id, 0, sum(bytes) FROM feedback GROUP BY organization_id
    ) GROUP BY organization_id;
  INSERT INTO holdings
    SELECT 'namespace', namespace_id, sum(memories), sum(bytes) FROM (
      SELECT namespace_id, count(*) AS memories, sum(bytes) AS bytes FROM memories GROUP BY namespace_id
      UNION ALL SELECT namespace_id, 0, sum(bytes) FROM feedback WHERE namespace_id IS NOT NULL GROUP BY namespace_id
    ) GROUP BY namespace_id;
  `,
  // A key minted through the API remembers the key that minted it: revoking one revokes its lineage.
  `
  ALTER TABLE api_keys ADD COLUMN parent_key_id TEXT;
  CREATE INDEX api_keys_by_parent ON api_keys (parent_key_id);
  `,
  `
  CREATE TABLE webhook_endpoints (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL,
    url TEXT NOT NULL,
    event_types TEXT NOT NULL,
    sealed_secret TEXT NOT NULL,
    created_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX webhook_endpoints_by_organization ON webhook_endpoints (organization_id, created_at);
  `,
  // The outbox (issue 12): written in the transaction of the charge or change that causes each entry.
  `
  CREATE TABLE outbox (
    id TEXT PRIMARY KEY,
    event_id TEXT NOT NULL,
    dedup_key TEXT NOT NULL UNIQUE,
    organization_id TEXT NOT NULL,
    topic TEXT NOT NULL,
    type TEXT NOT NULL,
    endpoint_id TEXT,
    payload TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    available_at INTEGER NOT NULL,
    lease_owner TEXT,
    lease_until INTEGER,
    last_error TEXT,
    last_status INTEGER,
    created_at INTEGER NOT NULL,
    delivered_at INTEGER,
    batch TEXT,
    amount INTEGER
  );
  CREATE INDEX outbox_due ON outbox (topic, available_at) WHERE state = 'pending';
  CREATE INDEX outbox_by_state ON outbox (state, created_at);
  CREATE INDEX outbox_by_organization ON outbox (organization_id, created_at);
  `,
  // Whether an organization's monthly limits refuse calls or are only observed (null: the deployment's setting).
  `
  ALTER TABLE organizations ADD COLUMN enforcement TEXT;
  `,
];

export function migrate(db: Database.Database): { from: number; to: number } {
  const version = () => db.pragma('user_version', { simple: true }) as number;
  const from = version();
  // Each step re-reads the version inside its IMMEDIATE transaction: two processes opening a new
  // file at once must not both apply the same migration.
  for (;;) {
    const applied = db
      .transaction(() => {
        const current = version();
        if (current > MIGRATIONS.length) {
          throw new Error(`the database is at schema version ${current}, newer than this Tollgate (${MIGRATIONS.length}); upgrade Tollgate`);
        }
        if (current === MIGRATIONS.length) return false;
        db.exec(MIGRATIONS[current]!);
        db.pragma(`user_version = ${current + 1}`);
        return true;
      })
      .immediate();
    if (!applied) break;
  }
  return { from, to: MIGRATIONS.length };
}
