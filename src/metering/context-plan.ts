import type { InteractionType } from '../core/catalogue.js';
import type { Result } from '../core/errors.js';
import { resolveLimits, type ResolvedLimits } from '../core/limit-resolution.js';
import { periodOf, type Period } from '../core/periods.js';
import type { Plans } from '../core/plans.js';
import type { Enforcement } from '../core/tenants.js';
import { thresholdPoint } from '../core/thresholds.js';
import type { Attribution, ChargeOutbox } from '../stores/contract/index.js';
import { monthlyLines, type PlannedLine } from './charge-lines.js';
import type { TenantContext } from './tenant-context.js';

/**
 * What the engine derives from a tenant context, kept as long as the context lives: its resolved
 * limits, its current period, the counters each interaction type moves, and the attribution of
 * each operation. Contexts are immutable (a change to the tenant makes a new one), so this is
 * recomputed only when the period rolls over or a trial ends — not on every call.
 */
export interface ContextPlan {
  readonly limits: Result<ResolvedLimits>;
  readonly period: Period;
  lines(type: InteractionType): readonly PlannedLine[];
  /** What a granted charge of this type writes to the outbox: its thresholds, and its meter event under metered billing. */
  outbox(type: InteractionType): ChargeOutbox | null;
  attribution(operation: string, type: InteractionType): Attribution;
}

/** The deployment's outbox settings (MeteringConfig). */
export interface OutboxSettings {
  /** The deployment's enforcement of monthly limits; an organization's own setting wins. */
  readonly enforcement: Enforcement;
  readonly alertThresholds: readonly number[];
  readonly meterAggregation: 'per_call' | 'per_minute';
}

export function createPlanCache(plans: Plans, settings: OutboxSettings) {
  const plans_ = new WeakMap<TenantContext, { plan: ContextPlan; validFromMs: number; validUntilMs: number }>();

  const build = (context: TenantContext, nowMs: number) => {
    const { organization: org, namespace, apiKey } = context;
    const limits = resolveLimits(
      plans,
      { subscription: org.subscription, organizationOverrides: org.rateLimits, namespaceOverrides: namespace?.rateLimits ?? null, apiKeyCap: apiKey.monthlyCap },
      nowMs,
    );
    const period = periodOf(nowMs, limits.ok ? limits.value.billingAnchorDay : null);
    const observe = (org.subscription.enforcement ?? settings.enforcement) === 'observe';
    const lines = new Map<InteractionType, readonly PlannedLine[]>();
    const outboxes = new Map<InteractionType, ChargeOutbox | null>();
    const attributions = new Map<string, Attribution>();
    const plan: ContextPlan = {
      limits,
      period,
      lines(type) {
        let found = lines.get(type);
        if (!found && limits.ok) lines.set(type, (found = monthlyLines(context, limits.value, type, period, observe)));
        return found ?? [];
      },
      outbox(type) {
        let found = outboxes.get(type);
        if (found === undefined) outboxes.set(type, (found = limits.ok ? chargeOutboxOf(plan.lines(type), limits.value, org.subscription.billingCustomerId, settings) : null));
        return found;
      },
      attribution(operation, type) {
        let found = attributions.get(operation);
        // A new catalogue version may move an operation to the other type.
        if (!found || found.type !== type) {
          found = Object.freeze({
            organizationId: org.id,
            namespaceId: namespace?.id ?? null,
            apiKeyId: apiKey.id,
            userId: apiKey.userId,
            workspaceId: org.workspaceId,
            subscriptionId: org.subscription.id,
            companyId: org.companyId,
            operation,
            type,
          });
          attributions.set(operation, found);
        }
        return found;
      },
    };
    const trialEnd = org.subscription.status === 'trialing' ? (org.subscription.trialEndsAt ?? Infinity) : Infinity;
    return { plan, validFromMs: period.startMs, validUntilMs: Math.min(period.endMs, trialEnd <= nowMs ? Infinity : trialEnd) };
  };

  return {
    get(context: TenantContext, nowMs: number): ContextPlan {
      let entry = plans_.get(context);
      if (!entry || nowMs < entry.validFromMs || nowMs >= entry.validUntilMs) {
        entry = build(context, nowMs);
        plans_.set(context, entry);
      }
      return entry.plan;
    },
  };
}

/** Null when a charge can write nothing (no limit to cross, no billing customer): stores then skip the outbox entirely. */
function chargeOutboxOf(lines: readonly PlannedLine[], limits: ResolvedLimits, billingCustomerId: string | null, settings: OutboxSettings): ChargeOutbox | null {
  const marks = lines.map((line) => {
    // Under metered billing a threshold is a share of the included amount (past 100 %: overage), not of a spending ceiling.
    const limit = line.included ?? line.limit ?? line.observedLimit;
    if (limit === null || limit <= 0) return [];
    return settings.alertThresholds.map((percent) => Object.freeze({ percent, point: thresholdPoint(limit, percent), limit }));
  });
  const meter = limits.meteredBilling && billingCustomerId ? Object.freeze({ customerId: billingCustomerId, aggregation: settings.meterAggregation }) : null;
  if (meter === null && marks.every((m) => m.length === 0)) return null;
  return Object.freeze({ marks, meter });
}
