/** The bundle. Part of the store contract (index.ts). */
import type { IdempotencyCache } from './idempotency-cache.js';
import type { InteractionLog } from './interaction-log.js';
import type { FeedbackRepository, MemoryRepository } from './memories.js';
import type { QuotaLedger } from './quota-ledger.js';
import type { RecordSink } from './record-sink.js';
import type { Settings } from './settings.js';
import type { TenantDirectory } from './tenant-directory.js';
import type { WebhookEndpoints } from './webhook-endpoints.js';
import type { Outbox } from './outbox.js';

export interface StoreCapabilities {
  /** Several processes may use this store at once and the ledger's rules hold across them. */
  readonly sharedAcrossProcesses: boolean;
  /** Servers on other machines may use this store at once (it is reached over the network): what a server keeps in a local file is not theirs. */
  readonly sharedAcrossMachines: boolean;
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
  readonly webhooks: WebhookEndpoints;
  readonly outbox: Outbox;
  /** Resolves when the store answers; throws STORE_UNAVAILABLE otherwise. */
  ping(): Promise<void>;
  /** Flushes what is buffered and releases connections. */
  close(): Promise<void>;
}

/** A store whose tables can also take the records of a ledger deciding elsewhere (the PostgreSQL store, under Redis). */
export interface RecordSinkStore extends Store {
  readonly recordSink: RecordSink;
}
