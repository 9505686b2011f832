import type { ResolvedLimits } from './limit-resolution.js';

/**
 * Holdings: what an organization and each of its namespaces keep stored (memories, and the bytes
 * they take), limited by the plan's max_active_memories and max_storage_gb. Unlike interactions,
 * holdings are not charged by the meter: the memory store moves them in the same transaction as
 * the write that changes them, with these rules.
 */

export type HoldingScope = 'organization' | 'namespace';
export type HoldingMetric = 'memories' | 'bytes';
export const HOLDING_SCOPES: readonly HoldingScope[] = ['organization', 'namespace'];

export interface Holdings {
  readonly memories: number;
  readonly bytes: number;
}

export const NO_HOLDINGS: Holdings = Object.freeze({ memories: 0, bytes: 0 });

/** Hard limits of one scope; null = unlimited. */
export interface HoldingLimit {
  readonly memories: number | null;
  readonly bytes: number | null;
}

/** The limits a write into one namespace is held to, with what a refusal reports about the plan. */
export interface HoldingLimits {
  readonly organization: HoldingLimit;
  readonly namespace: HoldingLimit;
  readonly tier: string;
  readonly isTrial: boolean;
}

export const UNLIMITED_HOLDINGS: HoldingLimits = Object.freeze({
  organization: { memories: null, bytes: null },
  namespace: { memories: null, bytes: null },
  tier: 'unlimited',
  isTrial: false,
});

/** The holding limits of resolved plan limits (an API key has none of its own). */
export function holdingLimitsOf(limits: ResolvedLimits): HoldingLimits {
  return {
    organization: { memories: limits.activeMemories.organization, bytes: limits.storageBytes.organization },
    namespace: { memories: limits.activeMemories.namespace, bytes: limits.storageBytes.namespace },
    tier: limits.tier,
    isTrial: limits.isTrial,
  };
}

/** The limit a write would have passed; the write changed nothing. */
export interface HoldingRefusal {
  readonly scope: HoldingScope;
  readonly metric: HoldingMetric;
  /** What the scope holds without the write. */
  readonly used: number;
  readonly limit: number;
  /** What the write would add. */
  readonly requested: number;
}

/**
 * The first limit a write adding `delta` would pass, or null when it fits. Only growth is checked:
 * a write that shrinks a holding (or leaves it) passes even when the scope is over a limit that was
 * lowered after it filled, so a customer can always delete and edit down. Landing exactly on the
 * limit is allowed, as for interactions.
 */
export function findHoldingRefusal(
  held: { readonly organization: Holdings; readonly namespace: Holdings },
  delta: Holdings,
  limits: HoldingLimits,
): HoldingRefusal | null {
  for (const metric of ['memories', 'bytes'] as const) {
    const requested = delta[metric];
    if (requested <= 0) continue;
    for (const scope of HOLDING_SCOPES) {
      const limit = limits[scope][metric];
      const used = held[scope][metric];
      if (limit !== null && used + requested > limit) return { scope, metric, used, limit, requested };
    }
  }
  return null;
}

/** Holdings after a change. */
export function addHoldings(a: Holdings, b: Holdings): Holdings {
  return { memories: a.memories + b.memories, bytes: a.bytes + b.bytes };
}

export function negateHoldings(h: Holdings): Holdings {
  return { memories: -h.memories, bytes: -h.bytes };
}

/** UTF-8, Buffer.byteLength's default. */
const utf8Bytes = (text: string): number => Buffer.byteLength(text);

/**
 * What a memory takes of storage: every byte kept for it that the caller chose, its content and
 * the JSON of its metadata and of the fields stored as sent (an empty object costs nothing).
 */
export function storedBytes(memory: { readonly content: string; readonly metadata: unknown; readonly extra: Readonly<Record<string, unknown>> }): number {
  let bytes = utf8Bytes(memory.content);
  if (memory.metadata !== null && memory.metadata !== undefined) bytes += utf8Bytes(JSON.stringify(memory.metadata));
  if (Object.keys(memory.extra).length > 0) bytes += utf8Bytes(JSON.stringify(memory.extra));
  return bytes;
}

/** What a feedback record takes of storage: the JSON of its body. */
export function feedbackBytes(data: Readonly<Record<string, unknown>>): number {
  return utf8Bytes(JSON.stringify(data));
}

/** Why a holding refused a call, as analytics group refusals (see limitRefusalReason). */
export function holdingRefusalReason(refusal: Pick<HoldingRefusal, 'scope' | 'metric'>): string {
  return `${refusal.metric === 'memories' ? 'active_memories' : 'storage'}:${refusal.scope}`;
}
