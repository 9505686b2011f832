/** Idempotent responses. Part of the store contract (index.ts). */

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
