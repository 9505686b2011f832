/**
 * SQL of the record sink (postgres-record-sink.ts): its two tables, and the one statement that
 * writes a batch of folded records into the usage tables the PostgreSQL ledger also writes.
 */

/**
 * record_marks: per organization and source (one incarnation of a Redis stream), the last position
 * applied by a drain. record_replays: entries applied from a process's memory after their source
 * was lost (kept two days, then removed by maintenance), so that a second replay skips them.
 */
export const RECORD_SINK_TABLES = (s: string) => `
CREATE TABLE ${s}.record_marks (
  organization_id text NOT NULL,
  source text NOT NULL,
  position_ms bigint NOT NULL,
  position_seq bigint NOT NULL,
  PRIMARY KEY (organization_id, source)
);
CREATE TABLE ${s}.record_replays (
  organization_id text NOT NULL,
  source text NOT NULL,
  position_ms bigint NOT NULL,
  position_seq bigint NOT NULL,
  applied_at bigint NOT NULL,
  PRIMARY KEY (organization_id, source, position_ms, position_seq)
);
`;

/**
 * Writes folded records in one statement, from one jsonb parameter holding a list of rows (arrays)
 * per table (see writeRows in postgres-record-sink.ts): c counters, w minute windows, x Interaction
 * records, y rollups, f refusals, e events, i idempotency keys, u refunds. One JSON text is far
 * cheaper to send than sixty parallel arrays. Each upsert meets each primary key at most once (the
 * fold keys its rows by it). Interaction records keep the pointers and created_at of their first
 * write, as the ledger does. An idempotency key's final state is either a grant or the "absent" row
 * (fingerprint '', expires_at 0) the PostgreSQL ledger also uses for a refunded key.
 */
export const APPLY_WRITES = (s: string) => `
WITH input AS (SELECT $1::jsonb AS j),
counters_written AS (
  INSERT INTO ${s}.counters AS t (organization_id, scope, scope_id, metric, period, used)
  SELECT r->>0, r->>1, r->>2, r->>3, r->>4, (r->>5)::bigint FROM input, jsonb_array_elements(j->'c') AS r
  ON CONFLICT (organization_id, scope, scope_id, metric, period) DO UPDATE SET used = t.used + excluded.used
  RETURNING 1),
windows_written AS (
  INSERT INTO ${s}.rate_windows AS t (organization_id, key, window_start, count)
  SELECT r->>0, r->>1, (r->>2)::bigint, (r->>3)::bigint FROM input, jsonb_array_elements(j->'w') AS r
  ON CONFLICT (organization_id, key, window_start) DO UPDATE SET count = t.count + excluded.count
  RETURNING 1),
interactions_written AS (
  INSERT INTO ${s}.interactions AS t (organization_id, year, month, namespace_id, api_key_id, operation_type, type, workspace_id, user_id,
                                      subscription_id, company_id, count, calls, created_at, updated_at)
  SELECT r->>0, (r->>1)::int, (r->>2)::int, r->>3, r->>4, r->>5, r->>6, r->>7, r->>8, r->>9, r->>10,
         (r->>11)::bigint, (r->>12)::bigint, (r->>13)::bigint, (r->>13)::bigint
  FROM input, jsonb_array_elements(j->'x') AS r
  ON CONFLICT (organization_id, year, month, namespace_id, api_key_id, operation_type, type, workspace_id, user_id) DO UPDATE
    SET count = t.count + excluded.count, calls = t.calls + excluded.calls, updated_at = greatest(t.updated_at, excluded.updated_at)
  RETURNING 1),
rollups_written AS (
  INSERT INTO ${s}.daily_rollups AS t (organization_id, day, namespace_id, api_key_id, operation_type, type, count, calls, refused, refunded)
  SELECT r->>0, r->>1, r->>2, r->>3, r->>4, r->>5, (r->>6)::bigint, (r->>7)::bigint, (r->>8)::bigint, (r->>9)::bigint
  FROM input, jsonb_array_elements(j->'y') AS r
  ON CONFLICT (organization_id, day, namespace_id, api_key_id, operation_type, type) DO UPDATE
    SET count = t.count + excluded.count, calls = t.calls + excluded.calls, refused = t.refused + excluded.refused, refunded = t.refunded + excluded.refunded
  RETURNING 1),
refusals_written AS (
  INSERT INTO ${s}.daily_refusals AS t (organization_id, day, namespace_id, api_key_id, operation_type, reason, count)
  SELECT r->>0, r->>1, r->>2, r->>3, r->>4, r->>5, (r->>6)::bigint FROM input, jsonb_array_elements(j->'f') AS r
  ON CONFLICT (organization_id, day, namespace_id, api_key_id, operation_type, reason) DO UPDATE SET count = t.count + excluded.count
  RETURNING 1),
events_written AS (
  INSERT INTO ${s}.usage_events (organization_id, at, charge_id, namespace_id, api_key_id, operation_type, type, cost, outcome, reason, idempotency_key)
  SELECT r->>0, (r->>1)::bigint, r->>2, r->>3, r->>4, r->>5, r->>6, (r->>7)::bigint, r->>8, r->>9, r->>10
  FROM input, jsonb_array_elements(j->'e') WITH ORDINALITY AS e(r, k)
  ORDER BY e.k
  RETURNING 1),
idempotency_written AS (
  INSERT INTO ${s}.idempotency_keys AS t (organization_id, api_key_id, key, fingerprint, expires_at, result)
  SELECT r->>0, r->>1, r->>2, r->>3, (r->>4)::bigint, nullif(r->5, 'null'::jsonb) FROM input, jsonb_array_elements(j->'i') AS r
  ON CONFLICT (organization_id, api_key_id, key) DO UPDATE SET fingerprint = excluded.fingerprint, expires_at = excluded.expires_at, result = excluded.result
  RETURNING 1)
INSERT INTO ${s}.refunds (organization_id, charge_id, at)
SELECT r->>0, r->>1, (r->>2)::bigint FROM input, jsonb_array_elements(j->'u') AS r
ON CONFLICT DO NOTHING`;
