/**
 * Functions the ledger uses besides apply_ledger_group: the organization of a counter named
 * without one, and the retryAfter of src/core/charge-rules.ts for a call the minute window refused.
 */
export const LEDGER_HELPER_FUNCTIONS = (s: string) => `
-- A CounterRef has no organization: an existing counter's, else the directory's.
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

-- When a refused call would pass again (charge-rules.ts: retryAfter).
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
`;
