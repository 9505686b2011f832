import type { Meter, TenantContext } from '../../src/metering/index.js';
import type { Tenancy } from '../../src/tenancy/index.js';

const OPERATIONS = ['add_memory_v1', 'search_v1', 'get_memory_v1', 'update_memory_v1'];

/**
 * The workload every charge benchmark runs: one enterprise organization with a minute window too
 * wide to refuse, `keys` namespace keys in as many namespaces, four operations; call i charges key
 * i mod keys. Enterprise has no monthly limits; with `limited`, the organization, every namespace
 * and every key get one (too high to refuse), so that each line's limit is checked too.
 */
export async function benchWorkload(tenancy: Tenancy, meter: Meter, keys = 4, limited = false): Promise<(i: number) => Promise<void>> {
  const monthly = limited ? { max_mini_interactions_per_month: 1e12 } : {};
  const org = await tenancy.createOrganization({ name: 'bench', planTier: 'enterprise', rateLimits: { rate_limit_per_minute: 1e9, ...monthly } });
  const contexts: TenantContext[] = [];
  for (let n = 0; n < keys; n++) {
    const ns = await tenancy.createNamespace(org.id, { name: `ns${n}`, rateLimits: monthly });
    const issued = await tenancy.issueNamespaceKey(ns.id, { name: `k${n}`, ...(limited ? { monthlyCap: 1e12 } : {}) });
    const auth = await meter.authenticate(issued.key);
    if (!auth.ok) throw auth.error;
    contexts.push(auth.value);
  }
  return async (i) => {
    const d = await meter.charge(contexts[i % keys]!, OPERATIONS[Math.floor(i / keys) % OPERATIONS.length]!);
    if (!d.allowed) throw new Error(`refused: ${d.status}`);
  };
}
