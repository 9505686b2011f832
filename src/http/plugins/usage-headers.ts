import type { FastifyReply } from 'fastify';
import type { Decision } from '../../metering/index.js';

/**
 * RateLimit-* (IETF draft) for the minute windows, told by the one with the fewest calls left (on a
 * refusal, the one that refused), and X-Usage-* for the monthly period: the scope of the call's
 * interaction type with the least room left decides the monthly figures.
 */
export function setUsageHeaders(reply: FastifyReply, decision: Decision, nowMs: number): void {
  if (decision.rate) {
    reply.header('ratelimit-limit', String(decision.rate.limit));
    reply.header('ratelimit-remaining', String(decision.rate.remaining));
    reply.header('ratelimit-reset', String(Math.max(0, Math.ceil((decision.rate.resetAtMs - nowMs) / 1000))));
  }
  let tightest: Decision['scopes'][number] | null = null;
  for (const scope of decision.scopes) {
    if (scope.metric !== decision.type || scope.remaining === null) continue;
    if (!tightest || scope.remaining < tightest.remaining!) tightest = scope;
  }
  if (tightest) {
    reply.header('x-usage-limit', String(tightest.limit));
    reply.header('x-usage-remaining', String(tightest.remaining));
    reply.header('x-usage-scope', tightest.scope);
  } else if (decision.period) {
    reply.header('x-usage-limit', 'unlimited');
  }
  if (decision.period) reply.header('x-usage-reset', new Date(decision.period.endMs).toISOString());
  if (decision.allowed) {
    reply.header('x-usage-cost', String(decision.replayed ? 0 : decision.cost));
    if (decision.failOpen) reply.header('x-usage-unmetered', 'store-unavailable');
    if (decision.observedRefusal) reply.header('x-usage-observed-refusal', decision.observedRefusal);
  }
}
