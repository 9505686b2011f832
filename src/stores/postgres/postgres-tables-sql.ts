/**
 * DDL of the tables, as templates over the quoted schema name.
 *
 * Directory tables (organizations … tenant_changes) are small and read by id or key prefix from
 * anywhere: on Citus they become reference tables. Usage tables carry organization_id first in
 * every primary key, so that they can be distributed by organization and colocated (see
 * docs/scaling-out.md). Nullable pointers of the usage tables are stored as '' so that they can be
 * part of primary keys (the mapper turns '' back into null).
 * Times are epoch milliseconds (bigint), as everywhere in Tollgate.
 */
export const DIRECTORY_TABLES = (s: string) => `
CREATE TABLE ${s}.organizations (
  id text PRIMARY KEY,
  name text NOT NULL,
  subscription_id text NOT NULL,
  plan_tier text NOT NULL,
  subscription_status text NOT NULL,
  trial_ends_at bigint,
  metered_billing boolean NOT NULL DEFAULT false,
  billing_customer_id text,
  billing_anchor_day integer,
  rate_limits jsonb NOT NULL DEFAULT '{}',
  default_namespace_id text,
  workspace_id text,
  company_id text,
  owner_user_id text,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL
);
CREATE TABLE ${s}.workspaces (
  id text PRIMARY KEY,
  organization_id text NOT NULL,
  name text NOT NULL,
  created_at bigint NOT NULL
);
CREATE TABLE ${s}.users (
  id text PRIMARY KEY,
  organization_id text NOT NULL,
  name text NOT NULL,
  email text,
  created_at bigint NOT NULL
);
CREATE TABLE ${s}.namespaces (
  id text PRIMARY KEY,
  organization_id text NOT NULL,
  name text NOT NULL,
  environment_type text NOT NULL,
  is_active boolean NOT NULL DEFAULT true,
  rate_limits jsonb NOT NULL DEFAULT '{}',
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL,
  deleted_at bigint
);
CREATE INDEX namespaces_by_organization ON ${s}.namespaces (organization_id, created_at);
CREATE TABLE ${s}.api_keys (
  id text PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('namespace', 'organization')),
  organization_id text NOT NULL,
  namespace_id text,
  user_id text,
  name text NOT NULL,
  prefix text NOT NULL UNIQUE,
  hash text NOT NULL,
  permissions text[] NOT NULL,
  cap_mini bigint,
  cap_premium bigint,
  created_at bigint NOT NULL,
  last_used_at bigint,
  expires_at bigint,
  revoked_at bigint
);
CREATE INDEX api_keys_by_organization ON ${s}.api_keys (organization_id, namespace_id);
-- Every directory change, in commit order (writers serialize on an advisory lock), so that a
-- process that missed a NOTIFY catches up by polling past the last sequence number it saw.
CREATE TABLE ${s}.tenant_changes (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind text NOT NULL,
  id text NOT NULL,
  extra text NOT NULL,
  at bigint NOT NULL
);
`;

export const USAGE_TABLES = (s: string) => `
CREATE TABLE ${s}.counters (
  organization_id text NOT NULL,
  scope text NOT NULL,
  scope_id text NOT NULL,
  metric text NOT NULL,
  period text NOT NULL,
  used bigint NOT NULL,
  PRIMARY KEY (organization_id, scope, scope_id, metric, period)
);
-- readCounters and adjust name a counter without its organization (CounterRef has none).
CREATE INDEX counters_by_ref ON ${s}.counters (scope, scope_id, metric, period);
CREATE TABLE ${s}.rate_windows (
  organization_id text NOT NULL,
  key text NOT NULL,
  window_start bigint NOT NULL,
  count bigint NOT NULL,
  PRIMARY KEY (organization_id, key, window_start)
);
CREATE TABLE ${s}.interactions (
  organization_id text NOT NULL,
  year integer NOT NULL,
  month integer NOT NULL,
  namespace_id text NOT NULL,
  api_key_id text NOT NULL,
  operation_type text NOT NULL,
  type text NOT NULL,
  workspace_id text NOT NULL,
  user_id text NOT NULL,
  subscription_id text NOT NULL,
  company_id text NOT NULL,
  count bigint NOT NULL,
  calls bigint NOT NULL,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL,
  PRIMARY KEY (organization_id, year, month, namespace_id, api_key_id, operation_type, type, workspace_id, user_id)
);
CREATE INDEX interactions_by_namespace ON ${s}.interactions (namespace_id, year, month);
CREATE INDEX interactions_by_api_key ON ${s}.interactions (api_key_id, year, month);
CREATE TABLE ${s}.daily_rollups (
  organization_id text NOT NULL,
  day text NOT NULL,
  namespace_id text NOT NULL,
  api_key_id text NOT NULL,
  operation_type text NOT NULL,
  type text NOT NULL,
  count bigint NOT NULL,
  calls bigint NOT NULL,
  refused bigint NOT NULL,
  refunded bigint NOT NULL,
  PRIMARY KEY (organization_id, day, namespace_id, api_key_id, operation_type, type)
);
CREATE TABLE ${s}.daily_refusals (
  organization_id text NOT NULL,
  day text NOT NULL,
  namespace_id text NOT NULL,
  api_key_id text NOT NULL,
  operation_type text NOT NULL,
  reason text NOT NULL,
  count bigint NOT NULL,
  PRIMARY KEY (organization_id, day, namespace_id, api_key_id, operation_type, reason)
);
-- Append-only: a refund adds a 'refunded' event for the same charge_id rather than rewriting one.
CREATE TABLE ${s}.usage_events (
  organization_id text NOT NULL,
  at bigint NOT NULL,
  seq bigint GENERATED ALWAYS AS IDENTITY,
  charge_id text NOT NULL,
  namespace_id text NOT NULL,
  api_key_id text NOT NULL,
  operation_type text NOT NULL,
  type text NOT NULL,
  cost bigint NOT NULL,
  outcome text NOT NULL,
  reason text,
  idempotency_key text,
  PRIMARY KEY (organization_id, at, seq)
);
-- Events arrive in time order: a BRIN index finds the expired ones for almost no upkeep.
CREATE INDEX usage_events_by_time ON ${s}.usage_events USING brin (at);
-- A key that was never granted, or was refunded, keeps its row with expires_at = 0 (absent): the
-- row is what a charge locks to decide the key, even the first time.
CREATE TABLE ${s}.idempotency_keys (
  organization_id text NOT NULL,
  api_key_id text NOT NULL,
  key text NOT NULL,
  fingerprint text NOT NULL,
  expires_at bigint NOT NULL,
  result jsonb,
  PRIMARY KEY (organization_id, api_key_id, key)
);
CREATE TABLE ${s}.refunds (
  organization_id text NOT NULL,
  charge_id text NOT NULL,
  at bigint NOT NULL,
  PRIMARY KEY (organization_id, charge_id)
);
CREATE TABLE ${s}.settings (
  name text PRIMARY KEY,
  value text NOT NULL
);
CREATE TABLE ${s}.idempotent_responses (
  scope text NOT NULL,
  key text NOT NULL,
  status integer NOT NULL,
  headers jsonb NOT NULL,
  body text NOT NULL,
  expires_at bigint NOT NULL,
  PRIMARY KEY (scope, key)
);
`;

/** Memories are always addressed inside one namespace, so namespace_id leads their key. */
export const CONTENT_TABLES = (s: string) => `
CREATE TABLE ${s}.memories (
  namespace_id text NOT NULL,
  id text NOT NULL,
  organization_id text NOT NULL,
  content text NOT NULL,
  type text NOT NULL,
  metadata jsonb,
  external_user_id text,
  user_id text,
  extra jsonb NOT NULL DEFAULT '{}',
  bytes bigint NOT NULL,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL,
  search tsvector GENERATED ALWAYS AS (to_tsvector('english'::regconfig, content)) STORED,
  PRIMARY KEY (namespace_id, id)
);
CREATE INDEX memories_search ON ${s}.memories USING gin (search);
CREATE INDEX memories_by_external_user ON ${s}.memories (namespace_id, external_user_id);
CREATE TABLE ${s}.feedback (
  organization_id text NOT NULL,
  id text NOT NULL,
  namespace_id text,
  search_id text NOT NULL,
  user_id text,
  external_user_id text,
  data jsonb NOT NULL,
  created_at bigint NOT NULL,
  PRIMARY KEY (organization_id, id)
);
`;

/**
 * Holdings (src/core/holdings.ts) move with the memory and feedback writes instead of the ledger. A
 * memory now takes the bytes of its content, metadata and extra fields, feedback those of its body,
 * and feedback belongs to a namespace (an organization key's default); both are measured again
 * from their JSON as PostgreSQL prints it (a little longer than JSON.stringify, never shorter), and
 * every later change moves holdings by the difference of the stored column, so they stay exact.
 */
export const HOLDINGS_TABLE = (s: string) => `
UPDATE ${s}.memories SET bytes = octet_length(content) + coalesce(octet_length(metadata::text), 0)
  + CASE WHEN extra = '{}'::jsonb THEN 0 ELSE octet_length(extra::text) END;
CREATE TABLE ${s}.holdings (
  scope text NOT NULL,
  scope_id text NOT NULL,
  memories bigint NOT NULL,
  bytes bigint NOT NULL,
  PRIMARY KEY (scope, scope_id)
);
UPDATE ${s}.feedback f SET namespace_id = o.default_namespace_id FROM ${s}.organizations o WHERE f.namespace_id IS NULL AND o.id = f.organization_id;
ALTER TABLE ${s}.feedback ADD COLUMN bytes bigint NOT NULL DEFAULT 0;
UPDATE ${s}.feedback SET bytes = octet_length(data::text);
CREATE INDEX feedback_by_namespace ON ${s}.feedback (namespace_id, id);
INSERT INTO ${s}.holdings
  SELECT 'organization', organization_id, sum(memories), sum(bytes) FROM (
    SELECT organization_id, count(*) AS memories, sum(bytes) AS bytes FROM ${s}.memories GROUP BY organization_id
    UNION ALL SELECT organization_id, 0, sum(bytes) FROM ${s}.feedback GROUP BY organization_id
  ) t GROUP BY organization_id;
INSERT INTO ${s}.holdings
  SELECT 'namespace', namespace_id, sum(memories), sum(bytes) FROM (
    SELECT namespace_id, count(*) AS memories, sum(bytes) AS bytes FROM ${s}.memories GROUP BY namespace_id
    UNION ALL SELECT namespace_id, 0, sum(bytes) FROM ${s}.feedback WHERE namespace_id IS NOT NULL GROUP BY namespace_id
  ) t GROUP BY namespace_id;
`;

/** A key minted through the API remembers the key that minted it: revoking one revokes its lineage. */
export const KEY_LINEAGE = (s: string) => `
ALTER TABLE ${s}.api_keys ADD COLUMN parent_key_id text;
CREATE INDEX api_keys_by_parent ON ${s}.api_keys (parent_key_id);
`;

/** Webhook endpoints of organizations (issue 12); their signing secrets are sealed (src/billing/secret-seal.ts). */
export const WEBHOOK_ENDPOINTS = (s: string) => `
CREATE TABLE ${s}.webhook_endpoints (
  id text PRIMARY KEY,
  organization_id text NOT NULL,
  url text NOT NULL,
  event_types text NOT NULL,
  sealed_secret text NOT NULL,
  created_at bigint NOT NULL
);
CREATE INDEX webhook_endpoints_by_organization ON ${s}.webhook_endpoints (organization_id, created_at);
`;

/**
 * The outbox (issue 12) and outbox_write, which writes events as entries in the caller's
 * transaction: a meter event is one entry, a webhook event one per endpoint of its organization
 * that wants its type; a dedup key written before is ignored. Event ids are computed the same way
 * as outboxEventId (src/stores/shared/charge-outbox.ts): evt_ and the first 32 hex digits of SHA-256.
 */
export const OUTBOX = (s: string) => `
CREATE TABLE ${s}.outbox (
  id text PRIMARY KEY,
  event_id text NOT NULL,
  dedup_key text NOT NULL UNIQUE,
  organization_id text NOT NULL,
  topic text NOT NULL,
  type text NOT NULL,
  endpoint_id text,
  payload jsonb NOT NULL,
  state text NOT NULL,
  attempts integer NOT NULL DEFAULT 0,
  available_at bigint NOT NULL,
  lease_owner text,
  lease_until bigint,
  last_error text,
  last_status integer,
  created_at bigint NOT NULL,
  delivered_at bigint,
  batch text,
  -- A meter event summed as written: its amount, added to by the charges of its minute (toOutboxEntry puts it in the payload).
  amount bigint
);
CREATE INDEX outbox_due ON ${s}.outbox (topic, available_at) WHERE state = 'pending';
CREATE INDEX outbox_by_state ON ${s}.outbox (state, created_at);
CREATE INDEX outbox_by_organization ON ${s}.outbox (organization_id, created_at);

CREATE FUNCTION ${s}.outbox_write(events jsonb) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  written integer := 0;
  n integer;
  r record;
  sum_payload jsonb;
BEGIN
  -- PL/pgSQL with short statements: their plans are cached per connection and cheap to make (one
  -- statement of many CTEs was planned again on most calls, and cost more than the charge itself).
  IF EXISTS (SELECT 1 FROM jsonb_array_elements(events) AS x WHERE NOT coalesce((x->>'accumulate')::boolean, false)) THEN
    WITH e AS (
      SELECT 'evt_' || left(encode(sha256(convert_to(x.dedup_key, 'UTF8')), 'hex'), 32) AS event_id, x.*
      FROM jsonb_to_recordset(events)
        AS x(dedup_key text, organization_id text, topic text, type text, payload jsonb, at bigint, available_at bigint, accumulate boolean)
      WHERE NOT coalesce(x.accumulate, false)
    ), inserted AS (
      INSERT INTO ${s}.outbox (id, event_id, dedup_key, organization_id, topic, type, endpoint_id, payload, state, attempts, available_at, created_at)
      SELECT CASE WHEN w.id IS NULL THEN e.event_id ELSE e.event_id || '.' || w.id END, e.event_id,
             CASE WHEN w.id IS NULL THEN e.dedup_key ELSE e.dedup_key || ':' || w.id END,
             e.organization_id, e.topic, e.type, w.id, e.payload, 'pending', 0, e.available_at, e.at
      FROM e
      LEFT JOIN ${s}.webhook_endpoints w
        ON e.topic = 'webhook' AND w.organization_id = e.organization_id AND e.type = ANY (string_to_array(w.event_types, ','))
      WHERE e.topic = 'meter' OR w.id IS NOT NULL
      ORDER BY e.at, w.created_at, w.id
      ON CONFLICT (dedup_key) DO NOTHING
      RETURNING 1)
    SELECT count(*) INTO n FROM inserted;
    written := written + n;
  END IF;
  -- Meter events summed as written (OutboxEvent.accumulate): per key, the amounts added to the entry
  -- while it is pending and was never attempted; else a new entry; else (the entry was attempted,
  -- its first send froze it) an entry of its own under a late key.
  FOR r IN
    SELECT x.dedup_key, min(x.organization_id) AS organization_id, min(x.type) AS type,
           (array_agg(x.payload - 'charge_id' ORDER BY x.at))[1] AS payload, sum((x.payload->>'amount')::bigint) AS amount,
           min(x.at) AS at, min(x.available_at) AS available_at
    FROM jsonb_to_recordset(events) AS x(dedup_key text, organization_id text, type text, payload jsonb, at bigint, available_at bigint, accumulate boolean)
    WHERE coalesce(x.accumulate, false)
    GROUP BY x.dedup_key
    ORDER BY x.dedup_key
  LOOP
    sum_payload := jsonb_set(r.payload, '{amount}', to_jsonb(r.amount));
    FOR attempt IN 1..2 LOOP
      UPDATE ${s}.outbox SET amount = amount + r.amount WHERE dedup_key = r.dedup_key AND state = 'pending' AND attempts = 0;
      EXIT WHEN FOUND;
      IF attempt = 1 THEN
        INSERT INTO ${s}.outbox (id, event_id, dedup_key, organization_id, topic, type, endpoint_id, payload, state, attempts, available_at, created_at, amount)
        SELECT h.id, h.id, r.dedup_key, r.organization_id, 'meter', r.type, NULL, sum_payload, 'pending', 0, r.available_at, r.at, r.amount
        FROM (SELECT 'evt_' || left(encode(sha256(convert_to(r.dedup_key, 'UTF8')), 'hex'), 32) AS id) h
        ON CONFLICT (dedup_key) DO NOTHING;
        -- Not inserted: another transaction did it meanwhile (then the update finds it), or it was attempted.
        EXIT WHEN FOUND;
      ELSE
        INSERT INTO ${s}.outbox (id, event_id, dedup_key, organization_id, topic, type, endpoint_id, payload, state, attempts, available_at, created_at, amount)
        SELECT h.id, h.id, l.key, r.organization_id, 'meter', r.type, NULL, sum_payload, 'pending', 0, r.available_at, r.at, r.amount
        FROM (SELECT r.dedup_key || ':late:' || gen_random_uuid()::text AS key) l
        CROSS JOIN LATERAL (SELECT 'evt_' || left(encode(sha256(convert_to(l.key, 'UTF8')), 'hex'), 32) AS id) h;
      END IF;
    END LOOP;
    written := written + 1;
  END LOOP;
  RETURN written;
END
$$;
`;
