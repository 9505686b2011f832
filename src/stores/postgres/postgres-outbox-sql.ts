/**
 * The migration that has the PostgreSQL ledger write the outbox in the charge's own transaction
 * (issue 12): outbox_after_group takes apply_ledger_group's answer and what the group's charges may
 * write (encodeLedgerOutbox in postgres-ledger-outbox.ts), writes the events that hold through
 * outbox_write, and returns the answer unchanged. The ledger calls
 * `outbox_after_group(apply_ledger_group($1), $2, …)`: one statement, one round trip, one
 * transaction, and only for groups that may write something (the old statement otherwise).
 *
 * The rule is chargeOutboxEvents's (src/stores/shared/charge-outbox.ts): a granted charge writes each
 * threshold its line crossed (used − amount < point <= used), with the payload
 * `{ charge_id, ...template, used_before, used }` (thresholdEventTemplate gives the template), and
 * its meter event; a refund the ledger applied writes its meter event. A refund is applied when its
 * row of the refunds table was inserted by this transaction (apply_ledger_group's answer does not
 * tell refunds apart; the row's xmin does).
 *
 * The event templates of the thresholds are most of what a group would send, and a threshold is
 * crossed once per period per counter: so a group is first sent without them, and in the rare case
 * that one of its charges crossed a threshold the function raises TEMPLATES_NEEDED, which rolls the
 * whole group back, and the ledger sends it again with them.
 */
export const TEMPLATES_NEEDED = 'TG001';

/**
 * The arguments after the answer, in order (encodeLedgerOutbox gives their values). Per job: its
 * line set (0 for none) and the index of its first line in the answer's `used`. Line sets (what the
 * charges of one tenant, cost and thresholds share): where each ends among the set lines; per set
 * line its amount, the least and greatest of its points (a line that crosses none of its marks is
 * passed over with one comparison) and where its marks end among the marks; per mark its point.
 * Then per metered job (a charge or refund with a meter event): its job, whether it is a refund, its
 * charge's id, its signed amount and which of the group's distinct meter events it goes into; and
 * those events (outbox_write's JSON): one per minute's sum (OutboxEvent.accumulate: its amount is set
 * to what the group's qualifying jobs add up to), one per charge per call.
 * Only when asked for: each mark's template (a JSON array of {k, o, d}), the jobs' ids and times.
 * Typed arrays rather than one JSON document: PostgreSQL parses parameters before the statement
 * runs, so none of this is read while the group holds its row locks.
 */
export const OUTBOX_AFTER_GROUP_PARAMETERS = [
  'int[]', 'int[]', 'int[]', 'bigint[]', 'bigint[]', 'bigint[]', 'int[]', 'bigint[]', 'int[]', 'boolean[]', 'text[]', 'bigint[]', 'int[]', 'jsonb', 'jsonb', 'text[]', 'bigint[]',
] as const;

export const LEDGER_OUTBOX = (s: string) => `
CREATE TYPE ${s}.ledger_answer_lines AS (kind text[], used bigint[]);

CREATE FUNCTION ${s}.outbox_after_group(
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
    IF (NOT e_refund[i] AND kind[e_job[i]] = 'g')
       OR (e_refund[i] AND EXISTS (SELECT 1 FROM ${s}.refunds AS r
                                   WHERE r.organization_id = e_event->(e_of[i] - 1)->>'organization_id' AND r.charge_id = e_charge[i]
                                     AND r.xmin = pg_current_xact_id()::xid)) THEN
      meters := meters + 1;
      e_total[e_of[i]] := coalesce(e_total[e_of[i]], 0) + e_amount[i];
    END IF;
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
