import { TEMPLATES_NEEDED } from './postgres-outbox-sql.js';

/**
 * outbox_after_group again, as released in the migration 'outbox of the ledger' (postgres-outbox-sql.ts,
 * whose comment says how it works), with one change: whether a metered job counts is decided by
 * simple expressions, and the refund's lookup runs only for a refund. The released test
 * `(not a refund and granted) or (a refund and exists(…))` held a subquery, so PL/pgSQL could not
 * evaluate it on its fast path for simple expressions and ran the executor for every metered job of
 * the group, under the group's row locks: 0.92 ms a group of about 100 charges on this machine,
 * 0.22 ms now (bench/README.md, "outbox").
 *
 * Written out whole, as the ledger's own replacement is (postgres-ledger-windows-sql.ts): a piece
 * shared with the released function would change a released migration when edited.
 */
export const LEDGER_OUTBOX_SIMPLE_EXPRESSIONS = (s: string) => `
CREATE OR REPLACE FUNCTION ${s}.outbox_after_group(
  answer jsonb, j_set int[], j_first int[], ls_end int[], ls_amount bigint[], ls_lo bigint[], ls_hi bigint[], ls_marks int[], m_point bigint[],
  e_job int[], e_refund boolean[], e_charge text[], e_amount bigint[], e_of int[], e_event jsonb, t jsonb, j_id text[], j_at bigint[]
) RETURNS jsonb
LANGUAGE plpgsql AS $fn$
DECLARE
  -- What the answer says of each job (kind) and line (used after), read without a query.
  a ${s}.ledger_answer_lines := jsonb_populate_record(NULL::${s}.ledger_answer_lines, answer);
  kind text[] := a.kind;
  used bigint[] := a.used;
  events jsonb[] := '{}';
  -- What the qualifying jobs add to each distinct meter event (null: none qualified).
  e_total bigint[] := '{}';
  meters int := 0;
  i int;
  job int;
  k int;
  m int;
  first int;
  line int;
  tpl jsonb;
  before bigint;
  after bigint;
BEGIN
  FOR job IN 1..coalesce(cardinality(j_set), 0) LOOP
    CONTINUE WHEN j_set[job] = 0 OR kind[job] <> 'g';
    first := CASE WHEN j_set[job] = 1 THEN 1 ELSE ls_end[j_set[job] - 1] + 1 END;
    -- Set line k is the job's line j_first + k - first + 1: two statements per line that crosses nothing.
    line := j_first[job] - first + 1;
    FOR k IN first .. ls_end[j_set[job]] LOOP
      after := used[line + k];
      CONTINUE WHEN after < ls_lo[k] OR after - ls_amount[k] >= ls_hi[k];
      before := after - ls_amount[k];
      FOR m IN CASE WHEN k = 1 THEN 1 ELSE ls_marks[k - 1] + 1 END .. ls_marks[k] LOOP
        CONTINUE WHEN NOT (before < m_point[m] AND m_point[m] <= after);
        IF t IS NULL THEN
          -- Sent without templates (the usual case: crossings are rare): the caller runs the group
          -- again with them. Raising rolls back everything the group did.
          RAISE EXCEPTION 'outbox_after_group: a threshold was crossed; run the group again with the event templates' USING ERRCODE = '${TEMPLATES_NEEDED}';
        END IF;
        tpl := t->(m - 1);
        events := events || jsonb_build_object(
          'dedup_key', tpl->'k', 'organization_id', tpl->'o', 'topic', 'webhook', 'type', 'usage.threshold',
          'payload', jsonb_build_object('charge_id', j_id[job]) || (tpl->'d') || jsonb_build_object('used_before', before, 'used', after),
          'at', j_at[job], 'available_at', j_at[job]);
      END LOOP;
    END LOOP;
  END LOOP;
  FOR i IN 1..coalesce(cardinality(e_job), 0) LOOP
    IF NOT e_refund[i] THEN
      CONTINUE WHEN kind[e_job[i]] <> 'g';
    ELSIF NOT EXISTS (SELECT 1 FROM ${s}.refunds AS r
                      WHERE r.organization_id = e_event->(e_of[i] - 1)->>'organization_id' AND r.charge_id = e_charge[i]
                        AND r.xmin = pg_current_xact_id()::xid) THEN
      CONTINUE;
    END IF;
    meters := meters + 1;
    e_total[e_of[i]] := coalesce(e_total[e_of[i]], 0) + e_amount[i];
  END LOOP;
  IF meters > 0 THEN
    FOR i IN 1..jsonb_array_length(e_event) LOOP
      CONTINUE WHEN e_total[i] IS NULL;
      tpl := e_event->(i - 1);
      IF (tpl->>'accumulate')::boolean THEN
        -- The usual case, inline: the minute's entry exists and was never attempted.
        UPDATE ${s}.outbox SET amount = amount + e_total[i] WHERE dedup_key = tpl->>'dedup_key' AND state = 'pending' AND attempts = 0;
        CONTINUE WHEN FOUND;
        events := events || jsonb_set(tpl, '{payload,amount}', to_jsonb(e_total[i]));
      ELSE
        events := events || tpl;
      END IF;
    END LOOP;
  END IF;
  IF cardinality(events) > 0 THEN
    PERFORM ${s}.outbox_write(to_jsonb(events));
  END IF;
  RETURN answer;
END
$fn$;
`;
