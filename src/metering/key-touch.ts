import type { Clock, Logger } from '../core/ports.js';
import type { TenantDirectory } from '../stores/contract/index.js';

/**
 * last_used_at without a write per call: a key's use is written at most once per interval, and
 * the writes of many keys go out together.
 */
export function createKeyToucher(deps: { directory: TenantDirectory; clock: Clock; intervalMs: number; logger: Logger }) {
  const lastWritten = new Map<string, number>();
  const pending = new Map<string, number>();
  let timer: NodeJS.Timeout | null = null;

  const flush = async () => {
    timer = null;
    if (pending.size === 0) return;
    const touches = [...pending].map(([id, atMs]) => ({ id, atMs }));
    pending.clear();
    try {
      await deps.directory.touchApiKeys(touches);
    } catch (error) {
      deps.logger.warn({ err: error, keys: touches.length }, 'could not record last_used_at');
    }
  };

  return {
    touch(keyId: string): void {
      const now = deps.clock.now();
      if (now - (lastWritten.get(keyId) ?? -Infinity) < deps.intervalMs) return;
      lastWritten.set(keyId, now);
      pending.set(keyId, now);
      // Stryker disable next-line ConditionalExpression: a timer per use flushes the same pending batch once, and the later ones find it empty
      if (!timer) {
        timer = setTimeout(flush, Math.min(1000, deps.intervalMs));
        // Stryker disable next-line CallExpression: unref only lets the process exit before the flush; close() flushes anyway
        timer.unref();
      }
    },
    async close(): Promise<void> {
      // Stryker disable next-line ConditionalExpression,CallExpression: a timer left running flushes an empty or later batch; every use is still written once
      if (timer) clearTimeout(timer);
      await flush();
    },
  };
}
