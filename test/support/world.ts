import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { parsePlans, type Plans } from '../../src/core/plans.js';
import type { Clock } from '../../src/core/ports.js';
import { createMeter, type Meter, type TenantContext } from '../../src/metering/index.js';
import type { Store } from '../../src/stores/contract/index.js';
import { createTenancy, type ApiKeyInput, type NamespaceInput, type OrganizationInput, type Tenancy } from '../../src/tenancy/index.js';
import { manualClock, type ManualClock } from './clock.js';

export const TEST_KEY_SECRET = 'test-secret-0123456789-abcdefghijklmnop';

export function loadDefaultPlans(): Plans {
  return parsePlans(parseYaml(readFileSync(new URL('../../config/plans.yaml', import.meta.url), 'utf8')));
}

export interface World {
  readonly store: Store;
  readonly meter: Meter;
  readonly tenancy: Tenancy;
  readonly clock: ManualClock;
  /** An organization with one namespace and one namespace key; returns the authenticated context. */
  tenant(options?: {
    organization?: Partial<OrganizationInput>;
    namespace?: Partial<NamespaceInput>;
    key?: Partial<ApiKeyInput>;
  }): Promise<{ context: TenantContext; key: string }>;
  /** Another key (and optionally a new namespace) in an existing organization. */
  key(organizationId: string, namespaceId: string, input?: Partial<ApiKeyInput>): Promise<{ context: TenantContext; key: string }>;
  authenticate(key: string): Promise<TenantContext>;
  close(): Promise<void>;
}

export async function createWorld(store: Store, options: { clock?: ManualClock; meter?: Partial<Parameters<typeof createMeter>[0]> } = {}): Promise<World> {
  const clock = options.clock ?? manualClock();
  const plans = loadDefaultPlans();
  const meter = createMeter({ store, plans, keySecret: TEST_KEY_SECRET, clock: clock as Clock, ...options.meter });
  const tenancy = createTenancy({ directory: store.directory, plans, keySecret: TEST_KEY_SECRET, clock });
  const authenticate = async (key: string) => {
    const result = await meter.authenticate(key);
    if (!result.ok) throw result.error;
    return result.value;
  };
  const world: World = {
    store,
    meter,
    tenancy,
    clock,
    authenticate,
    async tenant(o = {}) {
      const org = await tenancy.createOrganization({ name: 'Acme', planTier: 'enterprise', ...o.organization });
      const ns = await tenancy.createNamespace(org.id, { name: 'production', ...o.namespace });
      return world.key(org.id, ns.id, o.key);
    },
    async key(_organizationId, namespaceId, input = {}) {
      const issued = await tenancy.issueNamespaceKey(namespaceId, { name: 'test key', ...input });
      return { key: issued.key, context: await authenticate(issued.key) };
    },
    async close() {
      await meter.close();
      await store.close();
    },
  };
  return world;
}
