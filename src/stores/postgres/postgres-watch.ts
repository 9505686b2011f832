import type { TenantChange } from '../contract/index.js';
import type { PostgresPool, PostgresPoolClient } from './postgres-config.js';
import type { Row } from './postgres-mapper.js';

export interface ChangeWatcher {
  add(listener: (change: TenantChange) => void): () => void;
  /** Delivers the changes logged since the last poll to every listener. */
  poll(): Promise<void>;
  stop(): Promise<void>;
}

const RECONNECT_MS = 1000;

/**
 * Feeds `watch` listeners from tenant_changes. The log is the source of truth: a NOTIFY only says
 * "poll now", so a notification lost while the LISTEN connection was down costs nothing but time:
 * the timer polls every `pollMs` as well, and a reconnect polls at once. The LISTEN connection is
 * held only while someone watches.
 */
export function createChangeWatcher(pool: PostgresPool, options: { schema: string; channel: string; pollMs: number; lastSeq: number }): ChangeWatcher {
  const listeners = new Set<(change: TenantChange) => void>();
  let lastSeq = options.lastSeq;
  let polling: Promise<void> | null = null;
  let pollAgain = false;
  let timer: NodeJS.Timeout | null = null;
  let client: PostgresPoolClient | null = null;
  let reconnect: NodeJS.Timeout | null = null;
  let stopped = false;

  const readChanges = async () => {
    const { rows } = await pool.query(`SELECT seq, kind, id, extra FROM ${options.schema}.tenant_changes WHERE seq > $1 ORDER BY seq`, [lastSeq]);
    for (const row of rows) {
      lastSeq = Number(row.seq);
      const change = toChange(row);
      for (const listener of listeners) listener(change);
    }
  };

  const poll = (): Promise<void> => {
    if (listeners.size === 0) return Promise.resolve();
    // One poll at a time; a request during a poll runs one more afterwards, so nothing committed
    // before the request is missed.
    if (polling) {
      pollAgain = true;
      return polling;
    }
    polling = (async () => {
      do {
        pollAgain = false;
        try {
          await readChanges();
        } catch {
          // The server is away: the timer or the reconnect polls again.
        }
      } while (pollAgain);
    })().finally(() => {
      polling = null;
    });
    return polling;
  };

  const scheduleReconnect = () => {
    if (stopped || listeners.size === 0 || reconnect) return;
    reconnect = setTimeout(() => {
      reconnect = null;
      void listen();
    }, RECONNECT_MS);
    reconnect.unref();
  };

  const dropClient = () => {
    if (client) {
      const lost = client;
      client = null;
      lost.removeAllListeners('notification');
      // Its 'error' handler stays: a closing connection may still report one.
      lost.release(true);
    }
    scheduleReconnect();
  };

  const listen = async () => {
    if (stopped || client || listeners.size === 0) return;
    let next: PostgresPoolClient;
    try {
      next = await pool.connect();
    } catch {
      scheduleReconnect();
      return;
    }
    client = next;
    const lost = () => {
      if (client === next) dropClient();
    };
    next.on('error', lost);
    next.on('end', lost);
    next.on('notification', () => void poll());
    try {
      await next.query(`LISTEN "${options.channel}"`);
    } catch {
      lost();
      return;
    }
    if (stopped || listeners.size === 0) dropClient();
    // Changes committed before LISTEN took effect were not announced.
    else await poll();
  };

  return {
    add(listener) {
      listeners.add(listener);
      if (!timer) {
        timer = setInterval(() => void poll(), options.pollMs);
        timer.unref();
        void listen();
      }
      return () => {
        listeners.delete(listener);
        if (listeners.size > 0) return;
        if (timer) clearInterval(timer);
        timer = null;
        dropClient();
      };
    },
    poll,
    async stop() {
      stopped = true;
      listeners.clear();
      if (timer) clearInterval(timer);
      if (reconnect) clearTimeout(reconnect);
      timer = reconnect = null;
      dropClient();
      await polling;
    },
  };
}

function toChange(row: Row): TenantChange {
  if (row.kind === 'namespace') return { kind: 'namespace', id: String(row.id), organizationId: String(row.extra) };
  if (row.kind === 'api_key') return { kind: 'api_key', id: String(row.id), prefix: String(row.extra) };
  return { kind: 'organization', id: String(row.id) };
}
