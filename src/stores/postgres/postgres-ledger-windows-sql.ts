/**
 * apply_ledger_group with every minute window of a charge (the organization's, a namespace's own):
 * the migration that replaces the function of postgres-ledger-sql.ts, whose comment says how the
 * function works. What changes: a charge names any number of windows (q_: the slots of their
 * current and previous fixed windows, their limits and lengths; j_rates ends each job's run of
 * them, as j_lines does its lines). The call is refused when any window is full, and then counts in
 * none; granted, it counts in every one. The answer tells, per job, which window its remaining,
 * reset and retry describe (isTighterWindow in src/core/charge-rules.ts).
 *
 * The function is written out whole rather than built from pieces shared with the released one:
 * a shared piece changed later would change a released migration with it.
 */
export const LEDGER_RATE_WINDOWS = (s: string) => `
ALTER TYPE ${s}.ledger_group
  DROP ATTRIBUTE j_rc, DROP ATTRIBUTE j_rp, DROP ATTRIBUTE j_rl, DROP ATTRIBUTE j_rw,
  ADD ATTRIBUTE j_rates int[], ADD ATTRIBUTE q_cur int[], ADD ATTRIBUTE q_prev int[], ADD ATTRIBUTE q_limit bigint[], ADD ATTRIBUTE q_window bigint[];

CREATE OR REPLACE FUNCTION ${s}.apply_ledger_group(input jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $fn$
DECLARE
  g ${s}.ledger_group := jsonb_populate_record(NULL::${s}.ledger_group, input);
  job_count int := coalesce(cardinality(g.j_kind), 0);
  line_count int := coalesce(cardinality(g.l_slot), 0);
  -- Local copies of what the loop indexes: a local array variable indexes in constant time.
  j_kind text[] := g.j_kind; j_id text[] := g.j_id; j_at bigint[] := g.j_at; j_cost bigint[] := g.j_cost;
  j_lines int[] := g.j_lines; j_rates int[] := g.j_rates;
  j_ik int[] := g.j_ik; j_fp text[] := g.j_fp; j_ix bigint[] := g.j_ix; j_ir int[] := g.j_ir; j_ro int[] := g.j_ro;
  l_slot int[] := g.l_slot; l_amount bigint[] := g.l_amount; l_limit bigint[] := g.l_limit;
  q_cur int[] := g.q_cur; q_prev int[] := g.q_prev; q_limit bigint[] := g.q_limit; q_window bigint[] := g.q_window;
  -- Slot values: after step 1 (which applied the guesses), and what the jobs really do.
  c_org text[]; c_after bigint[]; c_guess bigint[] := g.c_guess; c_delta bigint[];
  r_start bigint[] := g.r_start; r_after bigint[]; r_guess bigint[] := g.r_guess; r_delta bigint[];
  i_fp text[]; i_exp bigint[]; i_result jsonb[]; i_dirty boolean[];
  x_count bigint[]; x_calls bigint[]; x_at bigint[]; x_touched boolean[];
  y_count bigint[]; y_calls bigint[]; y_refused bigint[]; y_refunded bigint[]; y_touched boolean[];
  new_refunds text[] := '{}';
  done_refunds text[] := '{}';
  -- True once a job did not do what step 1 assumed (a charge granted, a refund applied).
  guessed_wrong boolean := false;
  e_job int[] := '{}'; e_outcome text[] := '{}'; e_reason text[] := '{}';
  -- Refused calls: their rollup slot and reason, counted into daily_refusals at the end.
  f_ro int[] := '{}'; f_reason text[] := '{}';
  -- The answer, one entry per job (per line for out_used): Node builds the ChargeResults from it.
  out_kind text[] := array_fill('n'::text, ARRAY[job_count]);
  out_by int[] := array_fill(NULL::int, ARRAY[job_count]);
  out_used bigint[] := array_fill(NULL::bigint, ARRAY[line_count]);
  -- The window remaining, reset and retry describe (0-based among the job's; see isTighterWindow).
  out_rate int[] := array_fill(NULL::int, ARRAY[job_count]);
  out_remaining bigint[] := array_fill(NULL::bigint, ARRAY[job_count]);
  out_reset bigint[] := array_fill(NULL::bigint, ARRAY[job_count]);
  out_retry bigint[] := array_fill(NULL::bigint, ARRAY[job_count]);
  out_replay jsonb[] := array_fill(NULL::jsonb, ARRAY[job_count]);
  job int;
  first_line int;
  last_line int;
  li int;
  first_rate int;
  qi int;
  told int;
  remaining bigint;
  retry bigint;
  slot int;
  ir int;
  ro int;
  ik int;
  refused_by int;
  reason text;
  cur bigint;
  prev bigint;
  estimate bigint;
BEGIN
  IF NOT g.sync THEN
    -- The caller waits for a WAL flush before acknowledging (postgres-ledger.ts), so the row locks
    -- are released at the commit record instead of after its flush.
    PERFORM set_config('synchronous_commit', 'off', true);
  END IF;

  -- 1. Lock every row the group may change, in the order given above, applying at once what the
  -- group does if every job does what it asks (the usual case): counters and windows move by the
  -- sums the client computed (*_guess), so the common path writes each row once. Slots arrive
  -- sorted; rows are inserted, locked and returned in slot order (checked below).
  IF 'r' = ANY (j_kind) THEN
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
  WITH counter_rows AS (
    INSERT INTO ${s}.counters AS c (organization_id, scope, scope_id, metric, period, used)
    -- An adjustment-only slot comes without its organization (a CounterRef has none): look it up.
    SELECT coalesce(w.o, ${s}.organization_of(w.s, w.i)), w.s, w.i, w.m, w.p, w.d
    FROM unnest(g.c_org, g.c_scope, g.c_id, g.c_metric, g.c_period, g.c_guess) WITH ORDINALITY AS w(o, s, i, m, p, d, n)
    ORDER BY w.n
    ON CONFLICT (organization_id, scope, scope_id, metric, period) DO UPDATE SET used = c.used + excluded.used
    RETURNING c.organization_id, c.scope, c.scope_id, c.metric, c.period, c.used),
  rate_rows AS (
    INSERT INTO ${s}.rate_windows AS r (organization_id, key, window_start, count)
    SELECT w.o, w.k, w.w, w.d FROM unnest(g.r_org, g.r_key, g.r_start, g.r_guess) WITH ORDINALITY AS w(o, k, w, d, n)
    ORDER BY w.n
    ON CONFLICT (organization_id, key, window_start) DO UPDATE SET count = r.count + excluded.count
    RETURNING r.key, r.window_start, r.count)
  SELECT
    (SELECT CASE WHEN array_agg(scope_id) = g.c_id AND array_agg(scope) = g.c_scope AND array_agg(metric) = g.c_metric AND array_agg(period) = g.c_period
                 THEN array_agg(used) END FROM counter_rows),
    (SELECT array_agg(organization_id) FROM counter_rows),
    (SELECT CASE WHEN array_agg(key) = g.r_key AND array_agg(window_start) = g.r_start THEN array_agg(count) END FROM rate_rows)
  INTO c_after, c_org, r_after;
  IF (c_after IS NULL AND cardinality(g.c_id) > 0) OR (r_after IS NULL AND cardinality(g.r_key) > 0) THEN
    RAISE EXCEPTION 'apply_ledger_group: rows came back out of slot order';
  END IF;

  IF cardinality(g.i_key) > 0 THEN
    -- A row with expires_at = 0 stands for "no key": the lock creates it for a first use.
    WITH idem_rows AS (
      INSERT INTO ${s}.idempotency_keys AS t (organization_id, api_key_id, key, fingerprint, expires_at, result)
      SELECT w.o, w.a, w.k, '', 0, NULL FROM unnest(g.i_org, g.i_api, g.i_key) WITH ORDINALITY AS w(o, a, k, n)
      ORDER BY w.n
      ON CONFLICT (organization_id, api_key_id, key) DO UPDATE SET expires_at = t.expires_at
      RETURNING t.api_key_id, t.key, t.fingerprint, t.expires_at, t.result)
    SELECT CASE WHEN array_agg(api_key_id) = g.i_api AND array_agg(key) = g.i_key THEN array_agg(fingerprint) END,
           array_agg(expires_at), array_agg(result)
    INTO i_fp, i_exp, i_result FROM idem_rows;
    IF i_fp IS NULL THEN RAISE EXCEPTION 'apply_ledger_group: rows came back out of slot order'; END IF;
    i_dirty := array_fill(false, ARRAY[cardinality(i_fp)]);
  END IF;

  c_delta := array_fill(0::bigint, ARRAY[coalesce(cardinality(c_after), 0)]);
  r_delta := array_fill(0::bigint, ARRAY[coalesce(cardinality(r_after), 0)]);
  x_count := array_fill(0::bigint, ARRAY[coalesce(cardinality(g.x_org), 0)]);
  x_calls := x_count; x_at := x_count;
  x_touched := array_fill(false, ARRAY[coalesce(cardinality(g.x_org), 0)]);
  y_count := array_fill(0::bigint, ARRAY[coalesce(cardinality(g.y_org), 0)]);
  y_calls := y_count; y_refused := y_count; y_refunded := y_count;
  y_touched := array_fill(false, ARRAY[coalesce(cardinality(g.y_org), 0)]);

  -- 2. Decide every job in order against the values before the group plus what earlier jobs did.
  FOR job IN 1..job_count LOOP
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
      CONTINUE;
    END IF;

    IF j_kind[job] = 'f' THEN
      -- A call refused before the ledger (an inactive subscription): counted and explained only.
      y_refused[ro] := y_refused[ro] + 1; y_touched[ro] := true;
      f_ro := array_append(f_ro, ro); f_reason := array_append(f_reason, g.j_why[job]);
      IF g.events THEN
        e_job := array_append(e_job, job); e_outcome := array_append(e_outcome, 'refused'); e_reason := array_append(e_reason, g.j_why[job]);
      END IF;
      CONTINUE;
    END IF;

    IF j_kind[job] = 'r' THEN
      IF j_id[job] = ANY (done_refunds) OR NOT j_id[job] = ANY (new_refunds) THEN
        guessed_wrong := true;
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
      CONTINUE;
    END IF;

    IF ik IS NOT NULL AND i_exp[ik] > j_at[job] THEN
      guessed_wrong := true;
      IF i_fp[ik] <> j_fp[job] THEN
        out_kind[job] := 'c';
      ELSE
        out_kind[job] := 'p';
        out_replay[job] := i_result[ik];
      END IF;
      CONTINUE;
    END IF;

    FOR li IN first_line..last_line LOOP
      slot := l_slot[li];
      out_used[li] := c_after[slot] - c_guess[slot] + c_delta[slot];
    END LOOP;
    refused_by := NULL;
    first_rate := CASE WHEN job = 1 THEN 1 ELSE j_rates[job - 1] + 1 END;
    told := NULL;
    FOR qi IN first_rate..j_rates[job] LOOP
      slot := q_cur[qi];
      cur := r_after[slot] - r_guess[slot] + r_delta[slot];
      prev := r_after[q_prev[qi]] - r_guess[q_prev[qi]] + r_delta[q_prev[qi]];
      estimate := floor(prev * (1 - (j_at[job] - r_start[slot])::float8 / q_window[qi]))::bigint + cur;
      IF estimate + 1 <= q_limit[qi] THEN
        remaining := q_limit[qi] - estimate - 1;
        retry := 0;
      ELSE
        remaining := 0;
        retry := ${s}.rate_retry_after(q_limit[qi], q_window[qi], cur, prev, r_start[slot], j_at[job]);
        refused_by := -1;
        reason := 'rate';
      END IF;
      IF told IS NULL OR retry > out_retry[job] OR (retry = out_retry[job] AND remaining < out_remaining[job]) THEN
        told := qi;
        out_remaining[job] := remaining;
        out_retry[job] := retry;
        out_reset[job] := r_start[slot] + q_window[qi];
        out_rate[job] := qi - first_rate;
      END IF;
    END LOOP;
    IF refused_by IS NULL THEN
      FOR li IN first_line..last_line LOOP
        IF l_limit[li] IS NOT NULL AND l_amount[li] > 0 AND out_used[li] + l_amount[li] > l_limit[li] THEN
          refused_by := li - first_line;
          -- As limitRefusalReason in src/core/charge-rules.ts.
          reason := CASE g.c_metric[l_slot[li]] WHEN 'active_memories' THEN 'active_memories:' WHEN 'storage_bytes' THEN 'storage:' ELSE 'quota:' END
                    || g.c_scope[l_slot[li]];
          EXIT;
        END IF;
      END LOOP;
    END IF;

    IF refused_by IS NOT NULL THEN
      guessed_wrong := true;
      out_kind[job] := 'r';
      out_by[job] := refused_by;
      y_refused[ro] := y_refused[ro] + 1; y_touched[ro] := true;
      f_ro := array_append(f_ro, ro); f_reason := array_append(f_reason, reason);
      IF g.events THEN
        e_job := array_append(e_job, job); e_outcome := array_append(e_outcome, 'refused'); e_reason := array_append(e_reason, reason);
      END IF;
      CONTINUE;
    END IF;

    out_kind[job] := 'g';
    FOR li IN first_line..last_line LOOP
      slot := l_slot[li];
      c_delta[slot] := c_delta[slot] + l_amount[li];
      out_used[li] := out_used[li] + l_amount[li];
    END LOOP;
    FOR qi IN first_rate..j_rates[job] LOOP
      r_delta[q_cur[qi]] := r_delta[q_cur[qi]] + 1;
    END LOOP;
    x_count[ir] := x_count[ir] + j_cost[job]; x_calls[ir] := x_calls[ir] + 1;
    x_at[ir] := greatest(x_at[ir], j_at[job]); x_touched[ir] := true;
    y_count[ro] := y_count[ro] + j_cost[job]; y_calls[ro] := y_calls[ro] + 1; y_touched[ro] := true;
    IF ik IS NOT NULL THEN
      -- What a replay of this key answers: the granted result, as the client will have built it.
      i_fp[ik] := j_fp[job]; i_exp[ik] := j_ix[job]; i_dirty[ik] := true;
      i_result[ik] := jsonb_build_object('outcome', 'granted', 'chargeId', j_id[job], 'replayed', false, 'used', to_jsonb(out_used[first_line:last_line]),
        'rate', CASE WHEN told IS NULL THEN NULL
                     ELSE jsonb_build_object('limit', q_limit[told], 'remaining', out_remaining[job], 'resetAtMs', out_reset[job], 'retryAfterMs', 0) END);
    END IF;
    IF g.events THEN
      e_job := array_append(e_job, job); e_outcome := array_append(e_outcome, 'granted'); e_reason := array_append(e_reason, NULL::text);
    END IF;
  END LOOP;

  -- 3. Take back what step 1 applied for jobs that were refused, replayed or already refunded.
  -- These rows are locked by this transaction already: nothing here waits.
  IF guessed_wrong THEN
    UPDATE ${s}.counters AS c SET used = c.used + d.actual - d.guessed
    FROM unnest(c_org, g.c_scope, g.c_id, g.c_metric, g.c_period, c_guess, c_delta) AS d(o, s, i, m, p, guessed, actual)
    WHERE d.actual <> d.guessed AND (c.organization_id, c.scope, c.scope_id, c.metric, c.period) = (d.o, d.s, d.i, d.m, d.p);
    UPDATE ${s}.rate_windows AS r SET count = r.count + d.actual - d.guessed
    FROM unnest(g.r_org, g.r_key, r_start, r_guess, r_delta) AS d(o, k, w, guessed, actual)
    WHERE d.actual <> d.guessed AND (r.organization_id, r.key, r.window_start) = (d.o, d.k, d.w);
  END IF;
  IF cardinality(g.i_key) > 0 THEN
    UPDATE ${s}.idempotency_keys AS t SET fingerprint = d.fp, expires_at = d.exp, result = d.result
    FROM unnest(g.i_org, g.i_api, g.i_key, i_fp, i_exp, i_result, i_dirty) AS d(o, a, k, fp, exp, result, dirty)
    WHERE d.dirty AND (t.organization_id, t.api_key_id, t.key) = (d.o, d.a, d.k);
  END IF;

  -- 4. The records: Interaction records and rollups (slots arrive in key order), usage events.
  WITH interactions_written AS (
    INSERT INTO ${s}.interactions AS t (organization_id, year, month, namespace_id, api_key_id, operation_type, type, workspace_id, user_id,
                                        subscription_id, company_id, count, calls, created_at, updated_at)
    SELECT d.o, d.y, d.mo, d.n, d.a, d.op, d.t, d.w, d.u, d.su, d.co, d.count, d.calls, d.at, d.at
    FROM unnest(g.x_org, g.x_year, g.x_month, g.x_ns, g.x_api, g.x_op, g.x_type, g.x_ws, g.x_user, g.x_sub, g.x_co, x_count, x_calls, x_at, x_touched)
      WITH ORDINALITY AS d(o, y, mo, n, a, op, t, w, u, su, co, count, calls, at, touched, k)
    WHERE d.touched
    ORDER BY d.k
    ON CONFLICT (organization_id, year, month, namespace_id, api_key_id, operation_type, type, workspace_id, user_id) DO UPDATE
      SET count = t.count + excluded.count, calls = t.calls + excluded.calls, updated_at = greatest(t.updated_at, excluded.updated_at)
    RETURNING 1),
  rollups_written AS (
    INSERT INTO ${s}.daily_rollups AS t (organization_id, day, namespace_id, api_key_id, operation_type, type, count, calls, refused, refunded)
    SELECT d.o, d.d, d.n, d.a, d.op, d.t, d.count, d.calls, d.refused, d.refunded
    FROM unnest(g.y_org, g.y_day, g.y_ns, g.y_api, g.y_op, g.y_type, y_count, y_calls, y_refused, y_refunded, y_touched)
      WITH ORDINALITY AS d(o, d, n, a, op, t, count, calls, refused, refunded, touched, k)
    WHERE d.touched
    ORDER BY d.k
    ON CONFLICT (organization_id, day, namespace_id, api_key_id, operation_type, type) DO UPDATE
      SET count = t.count + excluded.count, calls = t.calls + excluded.calls,
          refused = t.refused + excluded.refused, refunded = t.refunded + excluded.refunded
    RETURNING 1),
  refusals_written AS (
    INSERT INTO ${s}.daily_refusals AS t (organization_id, day, namespace_id, api_key_id, operation_type, reason, count)
    SELECT f.o, f.d, f.n, f.a, f.op, f.why, count(*)
    FROM (SELECT g.y_org[u.ro] AS o, g.y_day[u.ro] AS d, g.y_ns[u.ro] AS n, g.y_api[u.ro] AS a, g.y_op[u.ro] AS op, u.why
          FROM unnest(f_ro, f_reason) AS u(ro, why)) AS f
    -- The refusals' key has no interaction type, unlike the rollups': group by the key itself.
    GROUP BY f.o, f.d, f.n, f.a, f.op, f.why
    ORDER BY f.o, f.d, f.n, f.a, f.op, f.why
    -- By constraint name: the column "reason" would clash with the variable of the same name.
    ON CONFLICT ON CONSTRAINT daily_refusals_pkey DO UPDATE SET count = t.count + excluded.count
    RETURNING 1)
  INSERT INTO ${s}.usage_events (organization_id, at, charge_id, namespace_id, api_key_id, operation_type, type, cost, outcome, reason, idempotency_key)
  SELECT g.y_org[j_ro[e.n]], j_at[e.n], j_id[e.n], g.y_ns[j_ro[e.n]], g.y_api[j_ro[e.n]], g.y_op[j_ro[e.n]], g.y_type[j_ro[e.n]],
         j_cost[e.n], e.outcome, e.why, g.j_ikey[e.n]
  FROM unnest(e_job, e_outcome, e_reason) WITH ORDINALITY AS e(n, outcome, why, k)
  ORDER BY e.k;

  RETURN jsonb_build_object('kind', out_kind, 'by', out_by, 'rate', out_rate, 'used', out_used, 'remaining', out_remaining, 'reset', out_reset,
                            'retry', out_retry, 'replay', out_replay);
END
$fn$;
`;
