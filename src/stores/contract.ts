/**
 * The one contract every store implements (sqlite, postgres, redis, parse, ram), as a bundle of
 * narrow parts. Engine code takes the part it uses, never the whole Store. Every implementation
 * passes the shared conformance suite in test/conformance.
 */
import type { InteractionType } from '../core/catalogue.js';
import type { LimitOverrides } from '../core/plans.js';
import type {
  ApiKey,
  EnvironmentType,
  Namespace,
  Organization,
  Subscription,
  User,
  Workspace,
} from '../core/tenants.js';

// ---------------------------------------------------------------------------------------------
// Quota ledger: counters, the charge decision, refunds
// ---------------------------------------------------------------------------------------------

export type ScopeKind = 'organization' | 'namespace' | 'api_key';
/** What a counter counts: interactions of one type in a period, or a standing resource. */
export type Metric = InteractionType | 'active_memories' | 'storage_bytes';
/** The period key of counters that never reset (active memories, storage). */
export const LIFETIME = 'lifetime';

export interface CounterRef {
  readonly scope: ScopeKind;
  readonly scopeId: string;
  readonly metric: Metric;
  /** A Period key ("2026-11", "2026-11-15") or LIFETIME. */
  readonly period: string;
  /**
   * The organization the scope belongs to. The engine always gives it; a store that keeps counters
   * by organization (Redis, one hash slot per organization) needs it for adjust() and
   * readCounters(), and looks it up in its directory when a caller leaves it out. It never changes
   * which counter is meant: scopeId alone names the scope.
   */
  readonly organizationId?: string;
}

export interface ChargeLine {
  readonly counter: CounterRef;
  /** What the call adds to the counter; may be 0. */
  readonly amount: number;
  /** Hard limit: the call is refused when used + amount > limit. Null counts without limiting. */
  readonly limit: number | null;
}

/** Every pointer an Interaction record carries, plus the operation. */
export interface Attribution {
  readonly organizationId: string;
  readonly namespaceId: string | null;
  readonly apiKeyId: string;
  readonly userId: string | null;
  readonly workspaceId: string | null;
  readonly subscriptionId: string | null;
  readonly companyId: string | null;
  readonly operation: string;
  readonly type: InteractionType;
}

export interface RateRule {
  /** The window's counter key, e.g. the API key id. */
  readonly key: string;
  readonly limit: number;
  readonly windowMs: number;
}

export interface ChargeRequest {
  /** Unique id of this charge (events, refunds). */
  readonly id: string;
  readonly atMs: number;
  /** The Interaction record's period. */
  readonly period: { readonly key: string; readonly month: number; readonly year: number };
  /** UTC day "YYYY-MM-DD" of the daily rollup. */
  readonly day: string;
  readonly attribution: Attribution;
  /** Interactions the call costs; recorded on the Interaction record. */
  readonly cost: number;
  /** Counters to check and move together. */
  readonly lines: readonly ChargeLine[];
  readonly rate: RateRule | null;
  readonly idempotency: { readonly key: string; readonly fingerprint: string; readonly expiresAtMs: number } | null;
}

export interface RefusalRecord {
  readonly id: string;
  readonly atMs: number;
  readonly day: string;
  readonly attribution: Attribution;
  readonly cost: number;
  /** See limitRefusalReason in src/core/charge-rules.ts. */
  readonly reason: string;
}

export interface RateState {
  readonly limit: number;
  readonly remaining: number;
  readonly resetAtMs: number;
  readonly retryAfterMs: number;
}

export type ChargeResult =
  | {
      readonly outcome: 'granted';
      /** The charge this result belongs to: the request's id, or the original's on a replay. */
      readonly chargeId: string;
      /** True when an earlier charge with the same idempotency key answered. */
      readonly replayed: boolean;
      /** Counter values after the charge, one per line. */
      readonly used: readonly number[];
      readonly rate: RateState | null;
    }
  | {
      readonly outcome: 'refused';
      /** The line that refused (index into lines), or 'rate' for the minute window. */
      readonly refusedBy: number | 'rate';
      /** Counter values, unchanged, one per line. */
      readonly used: readonly number[];
      readonly rate: RateState | null;
    }
  /** The idempotency key was used before with another fingerprint. Nothing changed. */
  | { readonly outcome: 'conflict' };

export interface QuotaLedger {
  /**
   * Decides and applies one call, atomically for every line and the minute window:
   * - if the idempotency key was granted before (same fingerprint, not expired), returns that
   *   result with `replayed: true` and changes nothing;
   * - if the minute window or any line with a limit would be exceeded, changes no counter, adds
   *   one refused call to the daily rollup and to the refusals of its reason, and returns `refused`;
   * - otherwise adds every line's amount, counts the call in the minute window, adds cost and one
   *   call to the Interaction record and the daily rollup, stores the idempotency key, and
   *   returns `granted` with the counters' new values.
   * Concurrent charges, from any number of processes where `capabilities.sharedAcrossProcesses`,
   * never lose an increment and never take a limited counter past its limit.
   * A granted result is durable when the promise resolves (`capabilities.durable`).
   * Throws TollgateError STORE_UNAVAILABLE when the store cannot be reached.
   */
  charge(request: ChargeRequest): Promise<ChargeResult>;

  /**
   * Gives back a granted charge (its handler failed): subtracts every line's amount, the cost and
   * the call from the Interaction record and rollup (counting a refund there), and forgets the
   * idempotency key so a retry runs again. Refunding the same charge id twice changes nothing.
   */
  refund(request: ChargeRequest): Promise<void>;

  /**
   * Records a call refused before it reached the counters (an inactive subscription): one refused
   * call in the daily rollup and its reason, and a 'refused' usage event. Changes no counter.
   */
  recordRefusal(refusal: RefusalRecord): Promise<void>;

  /** Moves counters without a limit check (releasing active memories and storage on delete). */
  adjust(lines: readonly AdjustLine[]): Promise<void>;

  /** Current values of counters (0 for one never written). */
  readCounters(counters: readonly CounterRef[]): Promise<number[]>;
}

// ---------------------------------------------------------------------------------------------
// Interaction log: the records charges produce, read for usage and dashboards
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// Record sink: the durable side of a ledger that decides elsewhere (Redis)
// ---------------------------------------------------------------------------------------------

/** A granted charge's result, as a replay of its idempotency key answers it (with `replayed` set then). */
export type GrantedCharge = Extract<ChargeResult, { readonly outcome: 'granted' }>;

export interface AdjustLine {
  readonly counter: CounterRef;
  readonly amount: number;
}

/**
 * What a ledger did, as the records of the InteractionLog and the counters must show it. Applying a
 * record does what the QuotaLedger method that made it would have done to the durable tables:
 * - granted: counters, minute window, Interaction record, rollup, idempotency key (answering
 *   `result`), event; a replayed charge makes no record;
 * - refused: one refused call in the rollup and the refusals of its reason, an event;
 * - refund: every line, the cost and the call given back, a refund counted, the idempotency key
 *   forgotten, the charge id remembered as refunded, an event (a second refund makes no record);
 * - refusal: as recordRefusal; adjust: the counters moved.
 */
export type LedgerRecord =
  | {
      readonly kind: 'granted';
      readonly request: ChargeRequest;
      /** What a replay of the charge's idempotency key answers; null when it has no key. */
      readonly result: GrantedCharge | null;
    }
  | { readonly kind: 'refused'; readonly request: ChargeRequest; readonly refusedBy: number | 'rate' }
  | { readonly kind: 'refund'; readonly request: ChargeRequest }
  | { readonly kind: 'refusal'; readonly refusal: RefusalRecord }
  | { readonly kind: 'adjust'; readonly organizationId: string; readonly lines: readonly AdjustLine[] };

/**
 * Records of one organization written together at one position of an ordered source: an entry of
 * a Redis stream. A source is one incarnation of such a stream (it starts again, under a new name,
 * when the stream is lost); within it, positions are "<ms>-<seq>", ordered by ms and then seq.
 */
export interface RecordEntry {
  readonly organizationId: string;
  readonly source: string;
  readonly position: string;
  readonly records: readonly LedgerRecord[];
}

/** Per source, the last position applied: every entry at or before it is in the tables. */
export type RecordMarks = ReadonlyMap<string, string>;

/** What a store that lost its counters rebuilds them from. */
export interface LedgerSnapshot {
  /** Idempotency keys granted and neither expired at `nowMs` nor refunded, with their results. */
  readonly idempotency: readonly { readonly apiKeyId: string; readonly key: string; readonly fingerprint: string; readonly expiresAtMs: number; readonly result: GrantedCharge }[];
  /** Minute-window counts of windows starting at or after `sinceMs`. */
  readonly rateWindows: readonly { readonly key: string; readonly windowStartMs: number; readonly count: number }[];
  /** Charges refunded, charged at or after `sinceMs` (a refund marker outlives its charge's retries by then). */
  readonly refunds: readonly { readonly chargeId: string; readonly atMs: number }[];
}

/**
 * The durable tables a ledger deciding elsewhere (in Redis) writes its records to, exactly once,
 * and reads its state back from after losing it. Every method keeps one organization's records
 * apart from another's; all of them may run in many processes at once.
 */
export interface RecordSink {
  /**
   * Applies what ordered sources hold, in one transaction: takes the lock of each organization (or,
   * with `wait: false`, of those no other process holds, skipping the rest), asks `read` for the
   * entries of the organizations it locked, applies each record of each entry past its source's
   * mark, in order, and moves the marks, then commits. While an organization's lock is held no
   * other drain or replay of it runs, so an entry is applied once even when many processes drain
   * the same source and one dies between the commit and trimming its source. Resolves, after the
   * commit, with the marks of every organization it locked (empty for one with none).
   */
  drain(
    organizationIds: readonly string[],
    read: (locked: readonly string[]) => Promise<readonly RecordEntry[]>,
    options: { readonly wait: boolean },
  ): Promise<ReadonlyMap<string, RecordMarks>>;

  /**
   * Applies entries whose source is gone (kept by the process that wrote them), waiting for their
   * organizations' locks: an entry at or before its source's mark was applied by a drain and is
   * skipped, and so is one replayed before, so replaying twice applies once. Marks do not move.
   */
  replay(entries: readonly RecordEntry[]): Promise<void>;

  /** Whether any entry of the organization was ever applied (its counters may have been lost). */
  knows(organizationId: string): Promise<boolean>;

  /** The organization's counters of the given periods, as the applied records left them (absent ones are 0). */
  counters(organizationId: string, periods: readonly string[]): Promise<{ readonly counter: CounterRef; readonly used: number }[]>;

  /** The rest of the organization's ledger state, as the applied records left it. */
  snapshot(organizationId: string, at: { readonly nowMs: number; readonly sinceMs: number }): Promise<LedgerSnapshot>;
}

// ---------------------------------------------------------------------------------------------
// Tenant directory
// ---------------------------------------------------------------------------------------------

export interface NewOrganization {
  readonly id: string;
  readonly name: string;
  readonly subscription: Subscription;
  readonly rateLimits: LimitOverrides;
  readonly companyId: string | null;
  readonly createdAt: number;
  /** Created with the organization: its workspace and owner user. */
  readonly workspace: { readonly id: string; readonly name: string };
  readonly owner: { readonly id: string; readonly name: string; readonly email: string | null };
}

export interface OrganizationPatch {
  readonly name?: string;
  readonly subscription?: Partial<Omit<Subscription, 'id'>>;
  readonly rateLimits?: LimitOverrides;
  readonly defaultNamespaceId?: string | null;
}

export type NewNamespace = Omit<Namespace, 'updatedAt'>;

export interface NamespacePatch {
  readonly name?: string;
  readonly environmentType?: EnvironmentType;
  readonly isActive?: boolean;
  readonly rateLimits?: LimitOverrides;
}

/** A key as created: everything but what only its use and revocation set. */
export type NewApiKey = Omit<ApiKey, 'lastUsedAt' | 'revokedAt'>;

export interface Page<T> {
  readonly items: T[];
  readonly total: number;
}

/** What changed, so caches in every process can drop it. */
export type TenantChange =
  | { readonly kind: 'organization'; readonly id: string }
  | { readonly kind: 'namespace'; readonly id: string; readonly organizationId: string }
  | { readonly kind: 'api_key'; readonly id: string; readonly prefix: string };

export interface TenantDirectory {
  createOrganization(input: NewOrganization): Promise<Organization>;
  getOrganization(id: string): Promise<Organization | null>;
  listOrganizations(page: { readonly offset: number; readonly limit: number }): Promise<Page<Organization>>;
  /** Throws NOT_FOUND when there is no such organization. */
  updateOrganization(id: string, patch: OrganizationPatch): Promise<Organization>;

  createNamespace(input: NewNamespace): Promise<Namespace>;
  getNamespace(id: string): Promise<Namespace | null>;
  listNamespaces(organizationId: string, page: { readonly offset: number; readonly limit: number }): Promise<Page<Namespace>>;
  updateNamespace(id: string, patch: NamespacePatch): Promise<Namespace>;
  /** Deletes a namespace and revokes its keys. */
  deleteNamespace(id: string, atMs: number): Promise<void>;

  getUser(id: string): Promise<User | null>;
  getWorkspace(id: string): Promise<Workspace | null>;

  createApiKey(input: NewApiKey): Promise<ApiKey>;
  getApiKey(id: string): Promise<ApiKey | null>;
  /** The key whose visible prefix this is (prefixes are unique). */
  findApiKeyByPrefix(prefix: string): Promise<ApiKey | null>;
  listApiKeys(filter: { readonly organizationId: string; readonly namespaceId?: string }): Promise<ApiKey[]>;
  /** Sets revoked_at once; revoking again keeps the first time. Returns the key, or null if unknown. */
  revokeApiKey(id: string, atMs: number): Promise<ApiKey | null>;
  /** Records last use of keys (written in batches by the engine, at most once a minute per key). */
  touchApiKeys(touches: readonly { readonly id: string; readonly atMs: number }[]): Promise<void>;

  /**
   * Calls `listener` for every change made by any process sharing this store, within about a
   * second. Returns a function that stops watching.
   */
  watch(listener: (change: TenantChange) => void): () => void;
}

// ---------------------------------------------------------------------------------------------
// Idempotent responses
// ---------------------------------------------------------------------------------------------

export interface StoredResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** The answer of a completed idempotent request, replayed to its retries. */
export interface IdempotencyCache {
  getResponse(scope: string, key: string): Promise<StoredResponse | null>;
  putResponse(scope: string, key: string, response: StoredResponse, expiresAtMs: number): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Memories and feedback: what the hosted memory API keeps
// ---------------------------------------------------------------------------------------------

export interface MemoryRecord {
  /** memoryId and objectId of the wire format. */
  readonly id: string;
  readonly organizationId: string;
  readonly namespaceId: string;
  readonly content: string;
  /** text, code_snippet or document. */
  readonly type: string;
  /** The memory's metadata object as the client sent it (JSON). */
  readonly metadata: Readonly<Record<string, unknown>> | null;
  readonly externalUserId: string | null;
  /** The user of the API key that added it. */
  readonly userId: string | null;
  /** Fields of the wire format Tollgate stores but does not act on (context, graph_generation, …). */
  readonly extra: Readonly<Record<string, unknown>>;
  /** UTF-8 size of the content, counted against storage. */
  readonly bytes: number;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface MemoryPatch {
  readonly content?: string;
  readonly type?: string;
  readonly metadata?: Readonly<Record<string, unknown>> | null;
  readonly extra?: Readonly<Record<string, unknown>>;
  readonly bytes?: number;
  readonly updatedAt: number;
}

export interface MemoryMatch {
  readonly memory: MemoryRecord;
  /** Higher is more relevant (a full-text rank, e.g. negated bm25). */
  readonly score: number;
}

/**
 * Memories, always addressed inside one namespace: a memory of another namespace is "not found"
 * for every method, never visible.
 */
export interface MemoryRepository {
  insert(memories: readonly MemoryRecord[]): Promise<void>;
  get(namespaceId: string, id: string): Promise<MemoryRecord | null>;
  /** Returns the memory before and after the change, or null when there is none in this namespace. */
  update(namespaceId: string, id: string, patch: MemoryPatch): Promise<{ before: MemoryRecord; after: MemoryRecord } | null>;
  /** Returns the deleted memory, or null. */
  delete(namespaceId: string, id: string): Promise<MemoryRecord | null>;
  /** Deletes every memory of the namespace (of one external user, if given); returns what went. */
  deleteAll(namespaceId: string, filter: { readonly externalUserId?: string }): Promise<{ count: number; bytes: number }>;
  /** Full-text search inside one namespace, best first. */
  search(namespaceId: string, query: { readonly text: string; readonly limit: number; readonly externalUserId?: string }): Promise<MemoryMatch[]>;
}

export interface FeedbackRecord {
  readonly id: string;
  readonly organizationId: string;
  readonly namespaceId: string | null;
  readonly searchId: string;
  readonly userId: string | null;
  readonly externalUserId: string | null;
  /** The feedback body as the client sent it (feedbackData). */
  readonly data: Readonly<Record<string, unknown>>;
  readonly createdAt: number;
}

export interface FeedbackRepository {
  insert(records: readonly FeedbackRecord[]): Promise<void>;
  /** Feedback of one organization (another organization's is "not found"). */
  get(organizationId: string, id: string): Promise<FeedbackRecord | null>;
}

// ---------------------------------------------------------------------------------------------
// Settings: a few named values the server keeps (the admin key's hash)
// ---------------------------------------------------------------------------------------------

export interface Settings {
  get(name: string): Promise<string | null>;
  /** Stores the value unless the name has one; returns whether it was stored (first writer wins). */
  putIfAbsent(name: string, value: string): Promise<boolean>;
}

// ---------------------------------------------------------------------------------------------
// The bundle
// ---------------------------------------------------------------------------------------------

export interface StoreCapabilities {
  /** Several processes may use this store at once and the ledger's rules hold across them. */
  readonly sharedAcrossProcesses: boolean;
  /** A granted charge survives a crash of this process once charge() resolves. */
  readonly durable: boolean;
  /** Usage events are kept (InteractionLog.events returns them). */
  readonly events: boolean;
}

export interface Store {
  readonly name: string;
  readonly capabilities: StoreCapabilities;
  readonly ledger: QuotaLedger;
  readonly log: InteractionLog;
  readonly directory: TenantDirectory;
  readonly idempotency: IdempotencyCache;
  readonly memories: MemoryRepository;
  readonly feedback: FeedbackRepository;
  readonly settings: Settings;
  /** Resolves when the store answers; throws STORE_UNAVAILABLE otherwise. */
  ping(): Promise<void>;
  /** Flushes what is buffered and releases connections. */
  close(): Promise<void>;
}

/** A store whose tables can also take the records of a ledger deciding elsewhere (the PostgreSQL store, under Redis). */
export interface RecordSinkStore extends Store {
  readonly recordSink: RecordSink;
}
