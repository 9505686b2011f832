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
 * Writes folded records ($1 … $61, parallel arrays; see applyWrites in postgres-record-sink.ts) in
 * one statement. Each upsert meets each primary key at most once (the fold keys its rows by it).
 * Interaction records keep the pointers and created_at of their first write, as the ledger does.
 * An idempotency key's final state is either a grant or the "absent" row (fingerprint '',
 * expires_at 0) the PostgreSQL ledger also uses for a refunded key.
 */
export const APPLY_WRITES = (s: string) => `
WITH counters_written AS (
  INSERT INTO ${s}.counters AS t (organization_id, scope, scope_id, metric, period, used)
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[])
  ON CONFLICT (organization_id, scope, scope_id, metric, period) DO UPDATE SET used = t.used + excluded.used
  RETURNING 1),
windows_written AS (
  INSERT INTO ${s}.rate_windows AS t (organization_id, key, window_start, count)
  SELECT * FROM unnest($7::text[], $8::text[], $9::bigint[], $10::bigint[])
  ON CONFLICT (organization_id, key, window_start) DO UPDATE SET count = t.count + excluded.count
  RETURNING 1),
interactions_written AS (
  INSERT INTO ${s}.interactions AS t (organization_id, year, month, namespace_id, api_key_id, operation_type, type, workspace_id, user_id,
                                      subscription_id, company_id, count, calls, created_at, updated_at)
  SELECT d.o, d.y, d.mo, d.n, d.a, d.op, d.ty, d.w, d.u, d.su, d.co, d.count, d.calls, d.at, d.at
  FROM unnest($11::text[], $12::int[], $13::int[], $14::text[], $15::text[], $16::text[], $17::text[], $18::text[], $19::text[], $20::text[],
              $21::text[], $22::bigint[], $23::bigint[], $24::bigint[]) AS d(o, y, mo, n, a, op, ty, w, u, su, co, count, calls, at)
  ON CONFLICT (organization_id, year, month, namespace_id, api_key_id, operation_type, type, workspace_id, user_id) DO UPDATE
    SET count = t.count + excluded.count, calls = t.calls + excluded.calls, updated_at = greatest(t.updated_at, excluded.updated_at)
  RETURNING 1),
rollups_written AS (
  INSERT INTO ${s}.daily_rollups AS t (organization_id, day, namespace_id, api_key_id, operation_type, type, count, calls, refused, refunded)
  SELECT * FROM unnest($25::text[], $26::text[], $27::text[], $28::text[], $29::text[], $30::text[], $31::bigint[], $32::bigint[], $33::bigint[], $34::bigint[])
  ON CONFLICT (organization_id, day, namespace_id, api_key_id, operation_type, type) DO UPDATE
    SET count = t.count + excluded.count, calls = t.calls + excluded.calls, refused = t.refused + excluded.refused, refunded = t.refunded + excluded.refunded
  RETURNING 1),
refusals_written AS (
  INSERT INTO ${s}.daily_refusals AS t (organization_id, day, namespace_id, api_key_id, operation_type, reason, count)
  SELECT * FROM unnest($35::text[], $36::text[], $37::text[], $38::text[], $39::text[], $40::text[], $41::bigint[])
  ON CONFLICT (organization_id, day, namespace_id, api_key_id, operation_type, reason) DO UPDATE SET count = t.count + excluded.count
  RETURNING 1),
events_written AS (
  INSERT INTO ${s}.usage_events (organization_id, at, charge_id, namespace_id, api_key_id, operation_type, type, cost, outcome, reason, idempotency_key)
  SELECT d.o, d.at, d.id, d.n, d.a, d.op, d.ty, d.cost, d.outcome, d.why, d.ik
  FROM unnest($42::text[], $43::bigint[], $44::text[], $45::text[], $46::text[], $47::text[], $48::text[], $49::bigint[], $50::text[], $51::text[], $52::text[])
    WITH ORDINALITY AS d(o, at, id, n, a, op, ty, cost, outcome, why, ik, k)
  ORDER BY d.k
  RETURNING 1),
idempotency_written AS (
  INSERT INTO ${s}.idempotency_keys AS t (organization_id, api_key_id, key, fingerprint, expires_at, result)
  SELECT * FROM unnest($53::text[], $54::text[], $55::text[], $56::text[], $57::bigint[], $58::jsonb[])
  ON CONFLICT (organization_id, api_key_id, key) DO UPDATE SET fingerprint = excluded.fingerprint, expires_at = excluded.expires_at, result = excluded.result
  RETURNING 1)
INSERT INTO ${s}.refunds (organization_id, charge_id, at)
SELECT * FROM unnest($59::text[], $60::text[], $61::bigint[])
ON CONFLICT DO NOTHING`;
