/**
 * The ledger's decision, inside PostgreSQL: one call of apply_ledger_group(group) decides and
 * applies a whole group of charges, refunds and adjustments in one round trip and one transaction.
 *
 * It keeps the rules of src/core/charge-rules.ts and src/stores/shared/ledger-batch.ts, in the same
 * order (jobs in submission order, each seeing what the earlier ones of its group did):
 * idempotent replay or conflict first, then the sliding minute window (floor(previous × (1 −
 * elapsed)) + current + 1 <= limit), then every limited line (used + amount <= limit, only for a
 * positive amount); a refusal changes no counter and counts one refused call in the rollup.
 * test/stores/postgres-ledger-equivalence.test.ts runs random groups through both and compares.
 *
 * Locks: every row a group may change is locked before anything is decided, table by table in
 * one fixed order (refunds, counters, rate_windows, idempotency_keys) and, inside a table, in key
 * order (COLLATE "C", the same in every database). Two groups therefore never wait on each other
 * in a cycle, whichever processes run them. A row that does not exist yet is created by the lock
 * itself (INSERT … ON CONFLICT DO UPDATE), so a first charge is as serialized as any other.
 * Interaction records and rollups are upserted afterwards in key order; two groups that touch the
 * same record hold the same API key's counter already, so they never meet there in a cycle either.
 * Usage events are only appended.
 *
 * The group is a jsonb object of parallel arrays (the composite type ledger_group), built by
 * postgres-ledger-group.ts: distinct counters (c_), minute windows (r_), idempotency keys (i_),
 * Interaction records (x_) and rollups (y_), each once, and the jobs (j_), which refer to them by
 * 1-based index; a job's lines are l_[j_lines[job - 1] + 1 .. j_lines[job]].
 */
export const LEDGER_FUNCTIONS = (s: string) => `
CREATE FUNCTION ${s}.organization_of(scope text, scope_id text) RETURNS text
LANGUAGE sql STABLE AS $fn$
  SELECT coalesce(
    (SELECT c.organization_id FROM ${s}.counters c WHERE c.scope = $1 AND c.scope_id = $2 LIMIT 1),
    CASE $1
      WHEN 'organization' THEN $2
      WHEN 'namespace' THEN (SELECT n.organization_id FROM ${s}.namespaces n WHERE n.id = $2)
      WHEN 'api_key' THEN (SELECT k.organization_id FROM ${s}.api_keys k WHERE k.id = $2)
    END,
    '')
$fn$;

-- When a refused call would pass again: the retryAfter of src/core/charge-rules.ts.
CREATE FUNCTION ${s}.rate_retry_after(lim bigint, window_ms bigint, cur bigint, prev bigint, window_start bigint, at_ms bigint)
RETURNS bigint LANGUAGE plpgsql IMMUTABLE AS $fn$
DECLARE
  room bigint;
  passes_at bigint;
BEGIN
  IF lim <= 0 THEN RETURN window_ms; END IF;
  room := lim - cur - 1;
  IF room >= 0 THEN
    passes_at := CASE WHEN prev <= room THEN window_start
                      ELSE window_start + floor(window_ms * (1 - (room + 1)::float8 / prev))::bigint + 1 END;
  ELSE
    room := lim - 1;
    IF room >= 0 THEN
      passes_at := CASE WHEN cur <= room THEN window_start + window_ms
                        ELSE window_start + window_ms + floor(window_ms * (1 - (room + 1)::float8 / cur))::bigint + 1 END;
    ELSE
      passes_at := window_start + 2 * window_ms;
    END IF;
  END IF;
  RETURN greatest(1, passes_at - at_ms);
END
$fn$;

CREATE TYPE ${s}.ledger_group AS (
  events boolean,
  c_org text[], c_scope text[], c_id text[], c_metric text[], c_period text[], c_guess bigint[],
  r_org text[], r_key text[], r_start bigint[], r_guess bigint[],
  i_org text[], i_api text[], i_key text[],
  x_org text[], x_year int[], x_month int[], x_ns text[], x_api text[], x_op text[], x_type text[],
  x_ws text[], x_user text[], x_sub text[], x_co text[],
  y_org text[], y_day text[], y_ns text[], y_api text[], y_op text[], y_type text[],
  j_kind text[], j_id text[], j_at bigint[], j_cost bigint[], j_lines int[], j_rc int[], j_rp int[], j_rl bigint[], j_rw bigint[],
  j_ik int[], j_ikey text[], j_fp text[], j_ix bigint[], j_ir int[], j_ro int[],
  l_slot int[], l_amount bigint[], l_limit bigint[]
);

CREATE FUNCTION ${s}.apply_ledger_group(input jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $fn$
DECLARE
  g ${s}.ledger_group := jsonb_populate_record(NULL::${s}.ledger_group, input);
  -- Copies of the arrays the loop reads by index (local array variables index in constant time).
  c_label text[]; c_base bigint[]; c_delta bigint[];
  r_start bigint[] := g.r_start; r_base bigint[]; r_delta bigint[];
  i_fp text[]; i_exp bigint[]; i_result jsonb[]; i_dirty boolean[];
  x_count bigint[]; x_calls bigint[]; x_at bigint[]; x_touched boolean[];
  y_count bigint[]; y_calls bigint[]; y_refused bigint[]; y_refunded bigint[]; y_touched boolean[];
  j_kind text[] := g.j_kind; j_id text[] := g.j_id; j_at bigint[] := g.j_at; j_cost bigint[] := g.j_cost;
  j_lines int[] := g.j_lines; j_rc int[] := g.j_rc; j_rp int[] := g.j_rp; j_rl bigint[] := g.j_rl; j_rw bigint[] := g.j_rw;
  j_ik int[] := g.j_ik; j_fp text[] := g.j_fp; j_ix bigint[] := g.j_ix; j_ir int[] := g.j_ir; j_ro int[] := g.j_ro;
  l_slot int[] := g.l_slot; l_amount bigint[] := g.l_amount; l_limit bigint[] := g.l_limit;
  new_refunds text[] := '{}';
  done_refunds text[] := '{}';
  -- True once a job did not do what the lock step assumed (a charge granted, a refund applied).
  guessed_wrong boolean := false;
  e_job int[] := '{}'; e_outcome text[] := '{}'; e_reason text[] := '{}';
  results jsonb[] := '{}';
  job int;
  first_line int;
  last_line int;
  li int;
  slot int;
  ir int;
  ro int;
  ik int;
  used bigint[];
  rate jsonb;
  refused_by jsonb;
  reason text;
  cur bigint;
  prev bigint;
  estimate bigint;
  granted jsonb;
BEGIN
  -- 1. Lock every row the group may change, in the order given above, applying at once what the
  -- group does if every job does what it asks (the usual case): counters and windows move by the
  -- sums the client computed (*_guess), so the common path writes each row once. The values before
  -- the group are the returned ones minus the guess.
  IF cardinality(g.j_kind) > 0 AND 'r' = ANY (g.j_kind) THEN
    WITH inserted AS (
      INSERT INTO ${s}.refunds (organization_id, charge_id, at)
      -- A charge id twice in the group conflicts with itself: the second does nothing.
      SELECT o, id, at
      FROM (SELECT g.y_org[w.y] AS o, w.id, w.at FROM unnest(g.j_kind, g.j_ro, g.j_id, g.j_at) AS w(k, y, id, at) WHERE w.k = 'r') AS w
      ORDER BY o COLLATE "C", id COLLATE "C"
      ON CONFLICT DO NOTHING
      RETURNING charge_id)
    SELECT coalesce(array_agg(charge_id), '{}') INTO new_refunds FROM inserted;
  END IF;

  -- Each scalar subquery runs its data-modifying CTE to completion, left to right: counters, then windows.
  WITH counter_in AS (
    SELECT w.n, coalesce(w.o, ${s}.organization_of(w.s, w.i)) AS o, w.s, w.i, w.m, w.p, w.d
    FROM unnest(g.c_org, g.c_scope, g.c_id, g.c_metric, g.c_period, g.c_guess) WITH ORDINALITY AS w(o, s, i, m, p, d, n)),
  counter_rows AS (
    INSERT INTO ${s}.counters AS c (organization_id, scope, scope_id, metric, period, used)
    SELECT o, s, i, m, p, d FROM counter_in ORDER BY o COLLATE "C", s COLLATE "C", i COLLATE "C", m COLLATE "C", p COLLATE "C"
    ON CONFLICT (organization_id, scope, scope_id, metric, period) DO UPDATE SET used = c.used + excluded.used
    RETURNING c.organization_id, c.scope, c.scope_id, c.metric, c.period, c.used),
  rate_in AS (
    SELECT * FROM unnest(g.r_org, g.r_key, g.r_start, g.r_guess) WITH ORDINALITY AS w(o, k, w, d, n)),
  rate_rows AS (
    INSERT INTO ${s}.rate_windows AS r (organization_id, key, window_start, count)
    SELECT o, k, w, d FROM rate_in ORDER BY o COLLATE "C", k COLLATE "C", w
    ON CONFLICT (organization_id, key, window_start) DO UPDATE SET count = r.count + excluded.count
    RETURNING r.organization_id, r.key, r.window_start, r.count)
  SELECT
    (SELECT array_agg(l.used - w.d ORDER BY w.n) FROM counter_in w
       JOIN counter_rows l ON (l.organization_id, l.scope, l.scope_id, l.metric, l.period) = (w.o, w.s, w.i, w.m, w.p)),
    (SELECT array_agg(l.count - w.d ORDER BY w.n) FROM rate_in w
       JOIN rate_rows l ON (l.organization_id, l.key, l.window_start) = (w.o, w.k, w.w)),
    (SELECT array_agg(w.o ORDER BY w.n) FROM counter_in w)
  INTO c_base, r_base, g.c_org;

  IF cardinality(g.i_key) > 0 THEN
    -- A row with expires_at = 0 stands for "no key": the lock creates it for a first use.
    WITH idem_in AS (
      SELECT * FROM unnest(g.i_org, g.i_api, g.i_key) WITH ORDINALITY AS w(o, a, k, n)),
    idem_rows AS (
      INSERT INTO ${s}.idempotency_keys AS t (organization_id, api_key_id, key, fingerprint, expires_at, result)
      SELECT o, a, k, '', 0, NULL FROM idem_in ORDER BY o COLLATE "C", a COLLATE "C", k COLLATE "C"
      ON CONFLICT (organization_id, api_key_id, key) DO UPDATE SET expires_at = t.expires_at
      RETURNING t.organization_id, t.api_key_id, t.key, t.fingerprint, t.expires_at, t.result)
    SELECT array_agg(l.fingerprint ORDER BY w.n), array_agg(l.expires_at ORDER BY w.n), array_agg(l.result ORDER BY w.n)
    INTO i_fp, i_exp, i_result
    FROM idem_in w JOIN idem_rows l ON (l.organization_id, l.api_key_id, l.key) = (w.o, w.a, w.k);
    i_dirty := array_fill(false, ARRAY[cardinality(i_fp)]);
  END IF;

  c_delta := array_fill(0::bigint, ARRAY[coalesce(cardinality(c_base), 0)]);
  c_label := ARRAY(SELECT s || ':' || m FROM unnest(g.c_scope, g.c_metric) AS w(s, m));
  r_delta := array_fill(0::bigint, ARRAY[coalesce(cardinality(r_base), 0)]);
  x_count := array_fill(0::bigint, ARRAY[coalesce(cardinality(g.x_org), 0)]);
  x_calls := x_count; x_at := x_count;
  x_touched := array_fill(false, ARRAY[coalesce(cardinality(g.x_org), 0)]);
  y_count := array_fill(0::bigint, ARRAY[coalesce(cardinality(g.y_org), 0)]);
  y_calls := y_count; y_refused := y_count; y_refunded := y_count;
  y_touched := array_fill(false, ARRAY[coalesce(cardinality(g.y_org), 0)]);

  -- 2. Decide every job in order against the values before the group plus what earlier jobs did.
  FOR job IN 1..coalesce(cardinality(j_kind), 0) LOOP
    first_line := CASE WHEN job = 1 THEN 1 ELSE j_lines[job - 1] + 1 END;
    last_line := j_lines[job];
    ir := j_ir[job];
    ro := j_ro[job];
    ik := j_ik[job];

    IF j_kind[job] = 'a' THEN
      FOR li IN first_line..last_line LOOP
        slot := l_slot[li];
        c_delta[slot] := c_delta[slot] + l_amount[li];
      END LOOP;
      results := array_append(results, NULL::jsonb);
      CONTINUE;
    END IF;

    IF j_kind[job] = 'r' THEN
      IF j_id[job] = ANY (done_refunds) OR NOT j_id[job] = ANY (new_refunds) THEN
        guessed_wrong := true;
        results := array_append(results, NULL::jsonb);
        CONTINUE;
      END IF;
      done_refunds := array_append(done_refunds, j_id[job]);
      FOR li IN first_line..last_line LOOP
        slot := l_slot[li];
        c_delta[slot] := c_delta[slot] - l_amount[li];
      END LOOP;
      x_count[ir] := x_count[ir] - j_cost[job]; x_calls[ir] := x_calls[ir] - 1;
      x_at[ir] := greatest(x_at[ir], j_at[job]); x_touched[ir] := true;
      y_count[ro] := y_count[ro] - j_cost[job]; y_calls[ro] := y_calls[ro] - 1;
      y_refunded[ro] := y_refunded[ro] + 1; y_touched[ro] := true;
      IF ik IS NOT NULL THEN
        i_fp[ik] := ''; i_exp[ik] := 0; i_result[ik] := NULL; i_dirty[ik] := true;
      END IF;
      IF g.events THEN
        e_job := array_append(e_job, job); e_outcome := array_append(e_outcome, 'refunded'); e_reason := array_append(e_reason, NULL::text);
      END IF;
      results := array_append(results, NULL::jsonb);
      CONTINUE;
    END IF;

    IF ik IS NOT NULL AND i_exp[ik] > j_at[job] THEN
      guessed_wrong := true;
      IF i_fp[ik] <> j_fp[job] THEN
        results := array_append(results, '{"outcome":"conflict"}'::jsonb);
      ELSE
        results := array_append(results, i_result[ik] || '{"replayed":true}'::jsonb);
      END IF;
      CONTINUE;
    END IF;

    used := '{}';
    FOR li IN first_line..last_line LOOP
      slot := l_slot[li];
      used[li - first_line + 1] := c_base[slot] + c_delta[slot];
    END LOOP;
    rate := NULL;
    refused_by := NULL;
    IF j_rc[job] IS NOT NULL THEN
      slot := j_rc[job];
      cur := r_base[slot] + r_delta[slot];
      prev := r_base[j_rp[job]] + r_delta[j_rp[job]];
      estimate := floor(prev * (1 - (j_at[job] - r_start[slot])::float8 / j_rw[job]))::bigint + cur;
      IF estimate + 1 <= j_rl[job] THEN
        rate := jsonb_build_object('limit', j_rl[job], 'remaining', j_rl[job] - estimate - 1, 'resetAtMs', r_start[slot] + j_rw[job], 'retryAfterMs', 0);
      ELSE
        rate := jsonb_build_object('limit', j_rl[job], 'remaining', 0, 'resetAtMs', r_start[slot] + j_rw[job],
          'retryAfterMs', ${s}.rate_retry_after(j_rl[job], j_rw[job], cur, prev, r_start[slot], j_at[job]));
        refused_by := '"rate"';
        reason := 'rate';
      END IF;
    END IF;
    IF refused_by IS NULL THEN
      FOR li IN first_line..last_line LOOP
        IF l_limit[li] IS NOT NULL AND l_amount[li] > 0 AND used[li - first_line + 1] + l_amount[li] > l_limit[li] THEN
          refused_by := to_jsonb(li - first_line);
          reason := c_label[l_slot[li]];
          EXIT;
        END IF;
      END LOOP;
    END IF;

    IF refused_by IS NOT NULL THEN
      guessed_wrong := true;
      y_refused[ro] := y_refused[ro] + 1; y_touched[ro] := true;
      IF g.events THEN
        e_job := array_append(e_job, job); e_outcome := array_append(e_outcome, 'refused'); e_reason := array_append(e_reason, reason);
      END IF;
      results := array_append(results, jsonb_build_object('outcome', 'refused', 'refusedBy', refused_by, 'used', to_jsonb(used), 'rate', rate));
      CONTINUE;
    END IF;

    FOR li IN first_line..last_line LOOP
      slot := l_slot[li];
      c_delta[slot] := c_delta[slot] + l_amount[li];
      used[li - first_line + 1] := used[li - first_line + 1] + l_amount[li];
    END LOOP;
    IF j_rc[job] IS NOT NULL THEN r_delta[j_rc[job]] := r_delta[j_rc[job]] + 1; END IF;
    x_count[ir] := x_count[ir] + j_cost[job]; x_calls[ir] := x_calls[ir] + 1;
    x_at[ir] := greatest(x_at[ir], j_at[job]); x_touched[ir] := true;
    y_count[ro] := y_count[ro] + j_cost[job]; y_calls[ro] := y_calls[ro] + 1; y_touched[ro] := true;
    granted := jsonb_build_object('outcome', 'granted', 'chargeId', j_id[job], 'replayed', false, 'used', to_jsonb(used), 'rate', rate);
    IF ik IS NOT NULL THEN
      i_fp[ik] := j_fp[job]; i_exp[ik] := j_ix[job]; i_result[ik] := granted; i_dirty[ik] := true;
    END IF;
    IF g.events THEN
      e_job := array_append(e_job, job); e_outcome := array_append(e_outcome, 'granted'); e_reason := array_append(e_reason, NULL::text);
    END IF;
    results := array_append(results, granted);
  END LOOP;

  -- 3. Take back what step 1 applied for jobs that were refused, replayed or already refunded.
  -- These rows are locked by this transaction already: nothing here waits.
  IF guessed_wrong THEN
    UPDATE ${s}.counters AS c SET used = c.used + d.actual - d.guessed
    FROM unnest(g.c_org, g.c_scope, g.c_id, g.c_metric, g.c_period, g.c_guess, c_delta) AS d(o, s, i, m, p, guessed, actual)
    WHERE d.actual <> d.guessed AND (c.organization_id, c.scope, c.scope_id, c.metric, c.period) = (d.o, d.s, d.i, d.m, d.p);
    UPDATE ${s}.rate_windows AS r SET count = r.count + d.actual - d.guessed
    FROM unnest(g.r_org, g.r_key, g.r_start, g.r_guess, r_delta) AS d(o, k, w, guessed, actual)
    WHERE d.actual <> d.guessed AND (r.organization_id, r.key, r.window_start) = (d.o, d.k, d.w);
  END IF;
  IF cardinality(g.i_key) > 0 THEN
    UPDATE ${s}.idempotency_keys AS t SET fingerprint = d.fp, expires_at = d.exp, result = d.result
    FROM unnest(g.i_org, g.i_api, g.i_key, i_fp, i_exp, i_result, i_dirty) AS d(o, a, k, fp, exp, result, dirty)
    WHERE d.dirty AND (t.organization_id, t.api_key_id, t.key) = (d.o, d.a, d.k);
  END IF;

  -- 4. The records: Interaction records and rollups in key order, then the usage events.
  WITH interactions_written AS (
    INSERT INTO ${s}.interactions AS t (organization_id, year, month, namespace_id, api_key_id, operation_type, type, workspace_id, user_id,
                                        subscription_id, company_id, count, calls, created_at, updated_at)
    SELECT d.o, d.y, d.mo, d.n, d.a, d.op, d.t, d.w, d.u, d.su, d.co, d.count, d.calls, d.at, d.at
    FROM unnest(g.x_org, g.x_year, g.x_month, g.x_ns, g.x_api, g.x_op, g.x_type, g.x_ws, g.x_user, g.x_sub, g.x_co, x_count, x_calls, x_at, x_touched)
      AS d(o, y, mo, n, a, op, t, w, u, su, co, count, calls, at, touched)
    WHERE d.touched
    ORDER BY d.o COLLATE "C", d.y, d.mo, d.n COLLATE "C", d.a COLLATE "C", d.op COLLATE "C", d.t COLLATE "C", d.w COLLATE "C", d.u COLLATE "C"
    ON CONFLICT (organization_id, year, month, namespace_id, api_key_id, operation_type, type, workspace_id, user_id) DO UPDATE
      SET count = t.count + excluded.count, calls = t.calls + excluded.calls, updated_at = greatest(t.updated_at, excluded.updated_at)
    RETURNING 1)
  INSERT INTO ${s}.daily_rollups AS t (organization_id, day, namespace_id, api_key_id, operation_type, type, count, calls, refused, refunded)
  SELECT d.o, d.d, d.n, d.a, d.op, d.t, d.count, d.calls, d.refused, d.refunded
  FROM unnest(g.y_org, g.y_day, g.y_ns, g.y_api, g.y_op, g.y_type, y_count, y_calls, y_refused, y_refunded, y_touched)
    AS d(o, d, n, a, op, t, count, calls, refused, refunded, touched)
  WHERE d.touched
  ORDER BY d.o COLLATE "C", d.d COLLATE "C", d.n COLLATE "C", d.a COLLATE "C", d.op COLLATE "C", d.t COLLATE "C"
  ON CONFLICT (organization_id, day, namespace_id, api_key_id, operation_type, type) DO UPDATE
    SET count = t.count + excluded.count, calls = t.calls + excluded.calls,
        refused = t.refused + excluded.refused, refunded = t.refunded + excluded.refunded;

  IF cardinality(e_job) > 0 THEN
    INSERT INTO ${s}.usage_events (organization_id, at, charge_id, namespace_id, api_key_id, operation_type, type, cost, outcome, reason, idempotency_key)
    SELECT g.y_org[j_ro[e.n]], j_at[e.n], j_id[e.n], g.y_ns[j_ro[e.n]], g.y_api[j_ro[e.n]], g.y_op[j_ro[e.n]], g.y_type[j_ro[e.n]],
           j_cost[e.n], e.outcome, e.why, g.j_ikey[e.n]
    FROM unnest(e_job, e_outcome, e_reason) AS e(n, outcome, why);
  END IF;

  RETURN to_jsonb(results);
END
$fn$;
`;
