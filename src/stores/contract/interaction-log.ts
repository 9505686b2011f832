/** Interaction log: the records charges produce, read for usage and dashboards. Part of the store contract (index.ts). */
import type { InteractionType } from '../../core/catalogue.js';

/** One Interaction record: a distinct (period, workspace, user, type, organization, namespace, api key, operation). */
export interface InteractionRecord {
  readonly month: number;
  readonly year: number;
  readonly workspaceId: string | null;
  readonly userId: string | null;
  readonly type: InteractionType;
  readonly organizationId: string;
  readonly namespaceId: string | null;
  readonly apiKeyId: string;
  readonly operation: string;
  readonly subscriptionId: string | null;
  readonly companyId: string | null;
  readonly count: number;
  readonly calls: number;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface RollupRow {
  readonly day: string;
  readonly organizationId: string;
  readonly namespaceId: string | null;
  readonly apiKeyId: string;
  readonly operation: string;
  readonly type: InteractionType;
  readonly count: number;
  readonly calls: number;
  readonly refused: number;
  readonly refunded: number;
}

/** Refused calls of one day and tuple, by reason ("quota:organization", "rate", "subscription:past_due", …). */
export interface RefusalRow {
  readonly day: string;
  readonly organizationId: string;
  readonly namespaceId: string | null;
  readonly apiKeyId: string;
  readonly operation: string;
  readonly reason: string;
  readonly count: number;
}

/** One entry of the append-only audit log: a granted, refused or refunded charge. */
export interface UsageEvent {
  readonly chargeId: string;
  readonly atMs: number;
  readonly organizationId: string;
  readonly namespaceId: string | null;
  readonly apiKeyId: string;
  readonly operation: string;
  readonly type: InteractionType;
  readonly cost: number;
  readonly outcome: 'granted' | 'refused' | 'refunded';
  /** For refused calls, the reason (as in RefusalRow). */
  readonly reason: string | null;
  readonly idempotencyKey: string | null;
}

export interface InteractionQuery {
  readonly organizationId?: string;
  readonly namespaceId?: string;
  readonly apiKeyId?: string;
  readonly month?: number;
  readonly year?: number;
}

export interface RollupQuery {
  readonly organizationId: string;
  /** Inclusive UTC days "YYYY-MM-DD". */
  readonly fromDay: string;
  readonly toDay: string;
  readonly namespaceId?: string;
  readonly apiKeyId?: string;
}

export interface InteractionLog {
  /** Interaction records matching every given field. */
  interactions(query: InteractionQuery): Promise<InteractionRecord[]>;
  /** Daily rollup rows of an organization in a day range. */
  rollups(query: RollupQuery): Promise<RollupRow[]>;
  /** Refused calls by reason, per day and tuple, of an organization in a day range. */
  refusals(query: RollupQuery): Promise<RefusalRow[]>;
  /** Usage events of an organization in [fromMs, toMs), oldest first (empty where events are off). */
  events(query: { readonly organizationId: string; readonly fromMs: number; readonly toMs: number; readonly limit: number }): Promise<UsageEvent[]>;
}
