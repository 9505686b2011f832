/**
 * The migration that has the PostgreSQL ledger write the outbox in the charge's own transaction
 * (issue 12): outbox_after_group takes apply_ledger_group's answer and what the group's charges may
 * write (encodeLedgerOutbox in postgres-ledger-outbox.ts), writes the events that hold through
 * outbox_write, and returns the answer unchanged. The ledger calls
 * `outbox_after_group(apply_ledger_group($1), $2)`: one statement, one round trip, one transaction,
 * and only for groups that may write something (the old statement otherwise).
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

export const LEDGER_OUTBOX = (s: string) => `
CREATE TYPE ${s}.ledger_outbox AS (
  j_id text[], j_at bigint[],
  l_job int[], l_line int[], l_amount bigint[], l_set int[],
  s_end int[], m_point bigint[], m_tpl int[],
  t jsonb[],
  e_job int[], e_refund boolean[], e_event jsonb[]
);

CREATE FUNCTION ${s}.outbox_after_group(answer jsonb, candidates jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $fn$
DECLARE
  c ${s}.ledger_outbox := jsonb_populate_record(NULL::${s}.ledger_outbox, candidates);
  -- Local copies of what the loop indexes: a local array variable indexes in constant time.
  l_job int[] := c.l_job; l_line int[] := c.l_line; l_amount bigint[] := c.l_amount; l_set int[] := c.l_set;
  s_end int[] := c.s_end; m_point bigint[] := c.m_point;
  kind text[] := ARRAY(SELECT jsonb_array_elements_text(answer->'kind'));
  used bigint[];
  events jsonb[] := '{}';
  i int;
  m int;
  first_mark int;
  job int;
  tpl jsonb;
  before bigint;
  after bigint;
BEGIN
  IF cardinality(l_job) > 0 THEN
    used := ARRAY(SELECT jsonb_array_elements_text(answer->'used')::bigint);
    FOR i IN 1..cardinality(l_job) LOOP
      job := l_job[i];
      CONTINUE WHEN kind[job] <> 'g';
      after := used[l_line[i]];
      before := after - l_amount[i];
      first_mark := CASE WHEN l_set[i] = 1 THEN 1 ELSE s_end[l_set[i] - 1] + 1 END;
      FOR m IN first_mark..s_end[l_set[i]] LOOP
        CONTINUE WHEN NOT (before < m_point[m] AND m_point[m] <= after);
        IF c.t IS NULL THEN
          -- Sent without templates (the usual case: crossings are rare): the caller runs the group
          -- again with them. Raising rolls back everything the group did.
          RAISE EXCEPTION 'outbox_after_group: a threshold was crossed; run the group again with the event templates' USING ERRCODE = '${TEMPLATES_NEEDED}';
        END IF;
        tpl := c.t[c.m_tpl[m]];
        events := events || jsonb_build_object(
          'dedup_key', tpl->'k', 'organization_id', tpl->'o', 'topic', 'webhook', 'type', 'usage.threshold',
          'payload', jsonb_build_object('charge_id', c.j_id[job]) || (tpl->'d') || jsonb_build_object('used_before', before, 'used', after),
          'at', c.j_at[job], 'available_at', c.j_at[job]);
      END LOOP;
    END LOOP;
  END IF;
  FOR i IN 1..coalesce(cardinality(c.e_job), 0) LOOP
    IF (NOT c.e_refund[i] AND kind[c.e_job[i]] = 'g')
       OR (c.e_refund[i] AND EXISTS (SELECT 1 FROM ${s}.refunds AS r
                                     WHERE r.organization_id = c.e_event[i]->>'organization_id' AND r.charge_id = c.e_event[i]->'payload'->>'charge_id'
                                       AND r.xmin = pg_current_xact_id()::xid)) THEN
      events := events || c.e_event[i];
    END IF;
  END LOOP;
  IF cardinality(events) > 0 THEN
    PERFORM ${s}.outbox_write(to_jsonb(events));
  END IF;
  RETURN answer;
END
$fn$;
`;
