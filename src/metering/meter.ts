import { createHash, randomUUID } from 'node:crypto';
import type { Catalogue } from '../core/catalogue.js';
import type { CatalogueSchedule } from '../core/catalogue-versions.js';
import { DEFAULT_METERING, type MeteringConfig } from '../core/config.js';
import { priceOperation, type PriceParameters } from '../core/cost.js';
import { TollgateError, ok, type Result } from '../core/errors.js';
import { holdingLimitsOf, type HoldingLimits } from '../core/holdings.js';
import { dayOf } from '../core/periods.js';
import { configInvalid, parsePlans, type Plans } from '../core/plans.js';
import { silentLogger, type Clock, type Logger } from '../core/ports.js';
import type { Attribution, ChargeRequest, QuotaLedger, Store, TenantDirectory } from '../stores/contract/index.js';
import { createAuthenticator } from './authenticator.js';
import { catalogueInForce, createOutboxVersioner, toCatalogueSchedule, type CatalogueOption } from './catalogue-pricing.js';
import type { PlannedLine } from './charge-lines.js';
import { createPlanCache } from './context-plan.js';
import { granted, refused, type CallFacts, type Decision, type Refused, type ScopeUsage } from './decision.js';
import { createKeyToucher } from './key-touch.js';
import { rateWindows } from './rate-windows.js';
import { limitRefusal, rateRefusal } from './refusals.js';
import { limitRefusalReason, OBSERVED_PREFIX } from '../core/charge-rules.js';
import { systemClock } from './system-clock.js';
import type { TenantContext } from './tenant-context.js';

// Stryker disable next-line ArithmeticOperator: DAY_MS only sizes the day cache below; a size that divides a day (86.4 ms, 24 ms, 0.4 ms) rebuilds it more often, and the key always comes from dayOf(now)
const DAY_MS = 24 * 60 * 60 * 1000;

export interface MeterOptions {
  readonly store: Pick<Store, 'ledger' | 'directory'>;
  /** Parsed plans, or the content of plans.yaml to validate. */
  readonly plans: Plans | unknown;
  /** The catalogue's versions, or one catalogue, or operation overrides to apply to the defaults. */
  readonly catalogue?: CatalogueOption;
  readonly keySecret: string;
  readonly clock?: Clock;
  readonly logger?: Logger;
  readonly metering?: Partial<MeteringConfig>;
  /** Called with every decision (metrics). */
  readonly onDecision?: (decision: Decision, latencyMs: number) => void;
}

export interface ChargeOptions {
  /** What the price depends on (batch size, feature flags). */
  readonly parameters?: PriceParameters;
  /** The same key from the same API key within the TTL is charged once and answers as the first did. */
  readonly idempotencyKey?: string | null;
  /** What identifies the request behind an idempotency key; a different request with the same key is a conflict. */
  readonly fingerprint?: string;
}

export interface Meter {
  readonly plans: Plans;
  /** The catalogue in force now (an operation's parameters and its rule on a 4xx). */
  readonly catalogue: Catalogue;
  /** Every version; a charge is priced with the one in force at its instant. */
  readonly catalogues: CatalogueSchedule;
  authenticate(rawKey: string | null | undefined): Promise<Result<TenantContext>>;
  /** Prices, checks every limit that applies, and charges atomically; never throws for expected outcomes. */
  charge(context: TenantContext, operation: string, options?: ChargeOptions): Promise<Decision>;
  /**
   * Gives a granted charge back (its handler failed). Refunding twice does nothing. With a
   * `refusedFor` reason the call is also counted as refused for that reason: a limit the handler
   * itself enforces (holdings, which the memory store checks with its write) refused it.
   */
  refund(decision: Decision, refusedFor?: string): Promise<void>;
  /** What the tenant's organization and namespace may hold (memories, bytes), from its plan. */
  holdingLimits(context: TenantContext): Result<HoldingLimits>;
  close(): Promise<void>;
}

export function createMeter(options: MeterOptions): Meter {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  const metering: MeteringConfig = { ...DEFAULT_METERING, ...options.metering };
  const plans = isPlans(options.plans) ? options.plans : parsePlans(options.plans);
  const catalogues = toCatalogueSchedule(options.catalogue);
  const catalogue = catalogueInForce(catalogues, clock);
  const versionedOutbox = createOutboxVersioner();
  if (!options.keySecret || options.keySecret.length < 32) throw configInvalid('meter', ['keySecret: must be at least 32 characters']);
  const ledger: QuotaLedger = options.store.ledger;
  const directory: TenantDirectory = options.store.directory;
  const authenticator = createAuthenticator({ directory, keySecret: options.keySecret, clock, ttlMs: metering.tenantCacheTtlMs });
  const toucher = createKeyToucher({ directory, clock, intervalMs: metering.keyTouchIntervalMs, logger });
  const refunded = new WeakSet<ChargeRequest>();

  const plansCache = createPlanCache(plans, metering);
  // Stryker disable next-line StringLiteral: the first key is never returned, its window [0, 0) is empty
  let today = { key: '', startMs: 0, endMs: 0 };
  const dayKey = (now: number) => {
    if (now < today.startMs || now >= today.endMs) {
      const startMs = now - (now % DAY_MS);
      // Stryker disable next-line ArithmeticOperator: an end before the start only empties the cache (rebuilt on every call, same key)
      today = { key: dayOf(now), startMs, endMs: startMs + DAY_MS };
    }
    return today.key;
  };

  /** A call the subscription refuses still counts as a refused call, with its reason, for analytics. */
  const recordEarlyRefusal = async (attribution: Attribution, cost: number, error: TollgateError, now: number) => {
    const status = error.details.subscription_status;
    const reason = error.code === 'SUBSCRIPTION_INACTIVE' ? `subscription:${String(status)}` : error.code.toLowerCase();
    try {
      await ledger.recordRefusal({ id: randomUUID(), atMs: now, day: dayKey(now), attribution, cost, reason });
    } catch (err) {
      logger.warn({ err, reason }, 'could not record a refused call');
    }
  };

  /**
   * Observe mode: the call was granted and counted; that a monthly limit would have refused it is
   * recorded as a refusal whose reason says so ("observed:quota:organization"), so that reports and
   * usage.refused summaries show it.
   */
  const recordObservedRefusal = async (request: ChargeRequest, reason: string) => {
    try {
      await ledger.recordRefusal({ id: randomUUID(), atMs: request.atMs, day: request.day, attribution: request.attribution, cost: request.cost, reason });
    } catch (err) {
      logger.warn({ err, reason }, 'could not record an observed refusal');
    }
  };

  const decide = async (context: TenantContext, operation: string, charge: ChargeOptions): Promise<Decision> => {
    const now = clock.now();
    const priced = catalogues.at(now);
    const price = priceOperation(priced.catalogue, operation, charge.parameters);
    if (!price.ok) return refusedEarly(operation, price.error);
    const plan = plansCache.get(context, now);
    const limits = plan.limits;
    if (!limits.ok) {
      await recordEarlyRefusal(plan.attribution(operation, price.value.type), price.value.cost, limits.error, now);
      return refusedEarly(operation, limits.error, price.value.cost);
    }
    const { cost, type } = price.value;
    const { period } = plan;
    const lines: PlannedLine[] = plan.lines(type).map((line) => ({
      counter: line.counter,
      amount: cost,
      limit: line.limit,
      included: line.included,
      observedLimit: line.observedLimit,
      resetsAtMs: line.resetsAtMs,
    }));
    const rates = rateWindows(context, limits.value.ratePerMinute, metering.rateWindowMs);
    const request: ChargeRequest = {
      id: randomUUID(),
      atMs: now,
      period,
      day: dayKey(now),
      attribution: plan.attribution(operation, type),
      cost,
      lines,
      rates,
      idempotency: charge.idempotencyKey
        ? {
            key: charge.idempotencyKey,
            fingerprint: charge.fingerprint === undefined ? fingerprintOf(operation, charge.parameters) : hashed(charge.fingerprint),
            expiresAtMs: now + metering.idempotencyTtlMs,
          }
        : null,
      outbox: versionedOutbox(plan.outbox(type), priced.version),
      catalogueVersion: priced.version,
    };
    const facts: CallFacts = { operation, type, cost, tier: limits.value.tier, isTrial: limits.value.isTrial, period };
    const org = context.organization;

    let result;
    try {
      result = await ledger.charge(request);
    } catch (error) {
      const unavailable = error instanceof TollgateError && error.code === 'STORE_UNAVAILABLE';
      if (!unavailable) throw error;
      logger.error({ err: error, operation, organization_id: org.id }, 'usage store unavailable');
      if (metering.failOpen) return granted(facts, [], null, { replayed: false, overage: 0, failOpen: true, receipt: null });
      const unavailableError = new TollgateError('STORE_UNAVAILABLE', {
        message: 'The usage store cannot be reached, so this call cannot be metered; retry shortly.',
        details: { error: 'usage_store_unavailable', retry_after_seconds: 1 },
        cause: error,
      });
      return refused(facts, unavailableError, 1);
    }

    if (result.outcome === 'conflict') {
      const error = new TollgateError('IDEMPOTENCY_CONFLICT', {
        message: `The Idempotency-Key "${charge.idempotencyKey}" was already used for a different request; use a new key.`,
        details: { idempotency_key: charge.idempotencyKey },
      });
      return refused(facts, error, null);
    }
    const scopes = lines.map((line, i) => scopeUsage(line, result.used[i]!));
    if (result.outcome === 'refused') {
      const refusal =
        result.refusedBy === 'rate'
          ? rateRefusal(rates[result.rateIndex]!.scope, result.rate, operation)
          : limitRefusal(lines[result.refusedBy]!, result.used[result.refusedBy]!, { ...facts, tier: limits.value.tier, period, nowMs: now });
      return refused(facts, refusal.error, refusal.retryAfterSeconds, scopes, result.rate);
    }
    const observedRefusal = result.replayed ? null : observedRefusalOf(lines, result.used);
    if (observedRefusal) await recordObservedRefusal(request, observedRefusal);
    return granted(facts, scopes, result.rate, {
      replayed: result.replayed,
      overage: result.replayed ? 0 : overageOf(lines, result.used),
      failOpen: false,
      receipt: result.replayed ? null : request,
      observedRefusal,
    });
  };

  return {
    plans,
    catalogue,
    catalogues,
    async authenticate(rawKey) {
      const result = await authenticator.authenticate(rawKey);
      if (result.ok) toucher.touch(result.value.apiKey.id);
      return result;
    },
    async charge(context, operation, charge = {}) {
      if (!options.onDecision) return decide(context, operation, charge);
      const started = performance.now();
      const decision = await decide(context, operation, charge);
      options.onDecision(decision, performance.now() - started);
      return decision;
    },
    async refund(decision, refusedFor) {
      if (!decision.allowed || !decision.receipt || refunded.has(decision.receipt)) return;
      const { receipt } = decision;
      refunded.add(receipt);
      await ledger.refund(receipt);
      if (!refusedFor) return;
      const now = clock.now();
      await ledger.recordRefusal({ id: randomUUID(), atMs: now, day: dayKey(now), attribution: receipt.attribution, cost: receipt.cost, reason: refusedFor });
    },
    holdingLimits(context) {
      const { limits } = plansCache.get(context, clock.now());
      return limits.ok ? ok(holdingLimitsOf(limits.value)) : limits;
    },
    async close() {
      authenticator.close();
      await toucher.close();
    },
  };
}

function refusedEarly(operation: string, error: TollgateError, cost = 0): Refused {
  const tier = typeof error.details.tier === 'string' ? error.details.tier : null;
  return refused({ operation, type: null, cost, tier, isTrial: false, period: null }, error, null);
}

function scopeUsage(line: PlannedLine, used: number): ScopeUsage {
  const limit = line.limit ?? line.included ?? line.observedLimit;
  return {
    scope: line.counter.scope,
    scopeId: line.counter.scopeId,
    metric: line.counter.metric,
    used,
    limit,
    remaining: limit === null ? null : Math.max(0, limit - used),
    resetsAtMs: line.resetsAtMs,
  };
}

/** The first line (in refusal order) whose observed limit the charge went past: what enforcement would have refused it for. */
function observedRefusalOf(lines: readonly PlannedLine[], used: readonly number[]): string | null {
  for (let i = 0; i < lines.length; i++) {
    const { observedLimit, counter } = lines[i]!;
    if (observedLimit !== null && used[i]! > observedLimit) return `${OBSERVED_PREFIX}${limitRefusalReason(counter.scope, counter.metric)}`;
  }
  return null;
}

function overageOf(lines: readonly PlannedLine[], used: readonly number[]): number {
  let overage = 0;
  lines.forEach((line, i) => {
    if (line.included === null) return;
    const after = used[i]!;
    const before = after - line.amount;
    overage += Math.max(0, after - line.included) - Math.max(0, before - line.included);
  });
  return overage;
}

function fingerprintOf(operation: string, parameters: PriceParameters | undefined): string {
  return createHash('sha256').update(operation).update(JSON.stringify(parameters ?? {})).digest('base64url');
}

/**
 * Stores only compare fingerprints, so a caller's is kept as its hash: any string then fits every
 * store (PostgreSQL text cannot hold a NUL, Redis values are split at newlines) at a bounded size.
 */
function hashed(fingerprint: string): string {
  return createHash('sha256').update(fingerprint).digest('base64url');
}

function isPlans(value: unknown): value is Plans {
  return typeof value === 'object' && value !== null && (value as Plans).tiers instanceof Map;
}
