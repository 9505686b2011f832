/** Issue 12: `tollgate billing reconcile` sets the counters against what the outbox delivered and what the Stripe fake holds. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/cli/load-config.js';
import { serverDispatcher } from '../../src/cli/outbox-runtime.js';
import { openRuntime, type Runtime } from '../../src/cli/runtime.js';
import { silentLogger } from '../../src/core/ports.js';
import { tollgateCli } from '../support/cli.js';
import { startFakeStripe, type FakeStripe } from '../support/fake-stripe.js';

const dir = mkdtempSync(join(tmpdir(), 'tollgate-reconcile-'));
let stripe: FakeStripe;
let env: NodeJS.ProcessEnv;
beforeAll(async () => {
  stripe = await startFakeStripe();
  env = {
    ...process.env,
    TOLLGATE_DATA: join(dir, 'billing.db'),
    TOLLGATE_CONFIG: '',
    TOLLGATE_STRIPE_SECRET_KEY: stripe.secretKey,
    TOLLGATE_STRIPE_API_BASE: stripe.baseUrl,
    TOLLGATE_METER_AGGREGATION: 'per_call',
  };
});
afterAll(async () => {
  await stripe.close();
  rmSync(dir, { recursive: true, force: true });
});

async function withRuntime<T>(work: (runtime: Runtime) => Promise<T>): Promise<T> {
  const runtime = await openRuntime(loadConfig({ env }));
  try {
    return await work(runtime);
  } finally {
    await runtime.close();
  }
}

describe('tollgate billing reconcile', () => {
  it('lists usage never metered, usage not yet delivered, and agrees once everything is delivered: the meter-event sum equals the counters', async () => {
    const month = new Date().toISOString().slice(0, 7);
    const orgId = await withRuntime(async ({ tenancy, meter }) => {
      const org = await tenancy.createOrganization({ name: 'Initech', planTier: 'enterprise' });
      const ns = await tenancy.createNamespace(org.id, { name: 'production' });
      const issued = await tenancy.issueNamespaceKey(ns.id, { name: 'backend' });
      const before = await meter.authenticate(issued.key);
      if (!before.ok) throw before.error;
      // Charged before the organization had metered billing: counted, never metered.
      expect((await meter.charge(before.value, 'add_memory_v1')).allowed).toBe(true);
      await tenancy.updateOrganization(org.id, { subscription: { meteredBilling: true, billingCustomerId: 'cus_reconcile' } });
      return org.id;
    });
    // A new process sees the organization as metered.
    await withRuntime(async (runtime) => {
      const auth = await runtime.meter.authenticate((await runtime.tenancy.issueNamespaceKey((await runtime.tenancy.listNamespaces(orgId, { offset: 0, limit: 1 })).items[0]!.id, { name: 'k2' })).key);
      if (!auth.ok) throw auth.error;
      const charged = [];
      for (const op of ['add_memory_v1', 'add_memory_v1', 'search_v1', 'add_memory_v1']) charged.push(await runtime.meter.charge(auth.value, op));
      await runtime.meter.refund(charged[0]!);
      expect(await serverDispatcher(runtime, silentLogger)!.runOnce()).toMatchObject({ delivered: 5, failed: 0 });
      // One more, not dispatched.
      expect((await runtime.meter.charge(auth.value, 'search_v1')).allowed).toBe(true);
    });

    const tollgate = tollgateCli(env, dir);
    const first = await tollgate('billing', 'reconcile', '--org', orgId, '--month', month, '--json');
    expect(first.code, first.stderr).toBe(2);
    const report = JSON.parse(first.stdout);
    // Counted: 4 before metering + 4 + 4 + 1 + 4 − 4 (refund) + 1 = 14; delivered 4 + 4 + 1 + 4 − 4 = 9; 1 pending.
    expect(report.byType.mini).toEqual({ counted: 14, delivered: 9, pending: 1, failed: 0, provider: 9 });
    expect(report.differences).toEqual(['mini: 14 counted, 10 in the outbox (4 never metered: usage before metered billing or a billing customer was set)', 'mini: 1 not delivered yet (pending in the outbox)']);
    const text = await tollgate('billing', 'reconcile', '--org', orgId, '--month', month);
    expect(text.stdout).toContain('1 not delivered yet');

    await withRuntime(async (runtime) => expect(await serverDispatcher(runtime, silentLogger)!.runOnce()).toMatchObject({ delivered: 1 }));
    const second = JSON.parse((await tollgate('billing', 'reconcile', '--org', orgId, '--month', month, '--json')).stdout);
    expect(second.byType.mini).toEqual({ counted: 14, delivered: 10, pending: 0, failed: 0, provider: 10 });
    expect(second.differences).toEqual(['mini: 14 counted, 10 in the outbox (4 never metered: usage before metered billing or a billing customer was set)']);
    expect(stripe.sum('cus_reconcile', 'tollgate_mini')).toBe(10);
    expect((await tollgate('billing', 'reconcile', '--org', orgId, '--month', '2026-13')).code).not.toBe(0);
  });
});
