import type { TenantChange } from '../contract/index.js';
import type { ParseClient, ParseObject } from './parse-client.js';
import { pointer, pointerId } from './parse-mapper.js';
import { TENANT_CLASSES as C } from './parse-tenant-mapper.js';

const WATCHED = [C.organization, C.subscription, C.namespace, C.apiKey] as const;

/**
 * Tenant changes from every writer of the Parse classes (other Tollgate processes, Parse
 * Dashboard, the team's own code), found by polling updatedAt while someone watches: LiveQuery
 * would need a server option most deployments leave off. Changes this process makes are emitted
 * at once.
 */
export function createParseChangeWatcher(client: ParseClient, pollMs: number) {
  const listeners = new Set<(change: TenantChange) => void>();
  // Per class: the newest updatedAt seen and the objects seen at exactly that instant ($gte, so
  // that a change in the same millisecond as the last one seen is not missed).
  const marks = new Map<string, { iso: string; ids: Set<string> } | null>();
  let timer: NodeJS.Timeout | null = null;
  let polling = false;

  const emit = (change: TenantChange) => {
    for (const listener of listeners) listener(change);
  };

  const changesOf = async (className: string, objects: ParseObject[]): Promise<TenantChange[]> => {
    switch (className) {
      case C.organization:
        return objects.map((o) => ({ kind: 'organization', id: o.objectId }));
      case C.namespace:
        return objects.map((o) => ({ kind: 'namespace', id: o.objectId, organizationId: pointerId(o.organization) ?? '' }));
      case C.apiKey:
        return objects.map((o) => ({ kind: 'api_key', id: o.objectId, prefix: String(o.key_prefix ?? '') }));
      default: {
        const owners = await client.find(C.organization, { subscription: { $in: objects.map((o) => pointer(C.subscription, o.objectId)) } }, { keys: ['objectId'] });
        return owners.map((o) => ({ kind: 'organization', id: o.objectId }));
      }
    }
  };

  const pollClass = async (className: string) => {
    const mark = marks.get(className);
    if (mark === undefined) {
      // First round: start from the newest change, without replaying history.
      const [newest] = await client.find(className, {}, { order: '-updatedAt', limit: 1, keys: ['updatedAt'] });
      marks.set(className, newest ? { iso: String(newest.updatedAt), ids: new Set([newest.objectId]) } : null);
      return;
    }
    const where = mark ? { updatedAt: { $gte: { __type: 'Date', iso: mark.iso } } } : {};
    const found = (await client.find(className, where, { order: 'updatedAt', limit: 1000, keys: ['updatedAt', 'organization', 'key_prefix'] })).filter(
      (o) => !(mark && o.updatedAt === mark.iso && mark.ids.has(o.objectId)),
    );
    if (found.length === 0) return;
    const last = String(found[found.length - 1]!.updatedAt);
    const ids = new Set(found.filter((o) => o.updatedAt === last).map((o) => o.objectId));
    if (mark && mark.iso === last) for (const id of mark.ids) ids.add(id);
    marks.set(className, { iso: last, ids });
    for (const change of await changesOf(className, found)) emit(change);
  };

  const poll = async () => {
    if (polling) return;
    polling = true;
    try {
      for (const className of WATCHED) await pollClass(className);
    } catch {
      // Parse unreachable: the next round looks again from the same marks.
    } finally {
      polling = false;
    }
  };

  return {
    emit,
    watch(listener: (change: TenantChange) => void): () => void {
      listeners.add(listener);
      if (!timer) {
        void poll();
        timer = setInterval(() => void poll(), pollMs);
        timer.unref();
      }
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0 && timer) {
          clearInterval(timer);
          timer = null;
          marks.clear();
        }
      };
    },
    stop() {
      listeners.clear();
      if (timer) clearInterval(timer);
      timer = null;
    },
  };
}
