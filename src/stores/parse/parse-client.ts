import { PARSE_DEFAULTS, type ParseConnection, type ParseFetch, type ParseResponse } from './parse-config.js';
import { ParseRequestError, translateParseError } from './parse-errors.js';

/** An object as Parse's REST API returns it. */
export type ParseObject = Record<string, unknown> & { readonly objectId: string };

export interface BatchRequest {
  readonly method: 'POST' | 'PUT' | 'DELETE';
  /** Relative to the mount path: "classes/Interaction/abc". */
  readonly path: string;
  readonly body?: Record<string, unknown>;
}

export type BatchResult = { readonly success: Record<string, unknown> } | { readonly error: { readonly code: number; readonly error: string } };

export interface FindOptions {
  readonly keys?: readonly string[];
  readonly order?: string;
  readonly limit?: number;
  readonly skip?: number;
  /** Pointer fields to return as whole objects. */
  readonly include?: readonly string[];
}

/** The REST calls the parse store makes, always with the master key. */
export interface ParseClient {
  readonly serverUrl: string;
  /** Throws ParseRequestError for a Parse error answer, or the fetch failure as it came. */
  raw<T>(method: string, path: string, body?: unknown): Promise<T>;
  /** As raw, with failures translated to TollgateError (STORE_UNAVAILABLE, NOT_FOUND, CONFLICT). */
  request<T>(method: string, path: string, body?: unknown): Promise<T>;
  find(className: string, where: Record<string, unknown>, options?: FindOptions): Promise<ParseObject[]>;
  /** Every match, paged by objectId (stable while rows are added). */
  findAll(className: string, where: Record<string, unknown>, keys?: readonly string[]): Promise<ParseObject[]>;
  /** POST /batch; with `transaction`, Parse applies all sub-requests or none (throws when it did none). */
  batch(requests: readonly BatchRequest[], options: { readonly transaction: boolean }): Promise<BatchResult[]>;
}

const PAGE = 1000;

export function createParseClient(connection: ParseConnection): ParseClient {
  const base = connection.serverUrl.replace(/\/+$/, '');
  const mountPath = new URL(base).pathname.replace(/\/+$/, '');
  const doFetch: ParseFetch = connection.fetch ?? ((url, init) => fetch(url, init));
  const timeoutMs = connection.requestTimeoutMs ?? PARSE_DEFAULTS.requestTimeoutMs;
  const headers = {
    'X-Parse-Application-Id': connection.appId,
    'X-Parse-Master-Key': connection.masterKey,
    'Content-Type': 'application/json',
  };

  const send = (method: string, path: string, body?: unknown) =>
    doFetch(`${base}/${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(timeoutMs),
    });

  const raw = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    let response: ParseResponse;
    for (let attempt = 1; ; attempt++) {
      try {
        response = await send(method, path, body);
        break;
      } catch (error) {
        // A kept-alive connection the server closed as it was reused (ECONNRESET, "other side
        // closed") fails before Parse sees anything; a read is safe to send again. Writes are not
        // retried here: the shipping protocol reads back what happened instead.
        const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
        if (method !== 'GET' || timedOut || attempt >= 3) throw error;
      }
    }
    const text = await response.text();
    let parsed: unknown = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // A proxy's HTML error page: reported below with the status.
    }
    if (response.status >= 200 && response.status < 300) return parsed as T;
    const failure = (parsed ?? {}) as { code?: unknown; error?: unknown; message?: unknown };
    const code = typeof failure.code === 'number' ? failure.code : 0;
    const message = String(failure.error ?? failure.message ?? text.slice(0, 200));
    throw new ParseRequestError(response.status, code, message, `${method} ${path.split('?')[0]}`);
  };

  const request = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    try {
      return await raw<T>(method, path, body);
    } catch (error) {
      throw translateParseError(error, `${method} ${path.split('?')[0]}`);
    }
  };

  const find = async (className: string, where: Record<string, unknown>, options: FindOptions = {}) => {
    const query = new URLSearchParams({ where: JSON.stringify(where), limit: String(options.limit ?? PAGE) });
    if (options.keys) query.set('keys', options.keys.join(','));
    if (options.order) query.set('order', options.order);
    if (options.skip) query.set('skip', String(options.skip));
    if (options.include) query.set('include', options.include.join(','));
    const answer = await request<{ results: ParseObject[] }>('GET', `classes/${className}?${query}`);
    return answer.results;
  };

  return {
    serverUrl: base,
    raw,
    request,
    find,
    async findAll(className, where, keys) {
      const all: ParseObject[] = [];
      let after: string | null = null;
      for (;;) {
        const own = (where.objectId ?? {}) as Record<string, unknown>;
        const page = await find(className, after === null ? where : { ...where, objectId: { ...own, $gt: after } }, {
          order: 'objectId',
          limit: PAGE,
          ...(keys ? { keys } : {}),
        });
        all.push(...page);
        if (page.length < PAGE) return all;
        after = page[page.length - 1]!.objectId;
      }
    },
    async batch(requests, { transaction }) {
      if (requests.length === 0) return [];
      const body = {
        ...(transaction ? { transaction: true } : {}),
        requests: requests.map((r) => ({ method: r.method, path: `${mountPath}/${r.path}`, ...(r.body ? { body: r.body } : {}) })),
      };
      return request<BatchResult[]>('POST', 'batch', body);
    },
  };
}
