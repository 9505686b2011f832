import { describe, expect, it } from 'vitest';
import type { StoreHarness } from '../harnesses.js';
import { useWorld } from './context.js';

export function revocationSuite(h: StoreHarness): void {
  describe(`${h.name}: keys`, () => {
    const world = useWorld(h);

    it('a revoked key is refused at once, even while its record is cached', async () => {
      const w = world();
      const { key, context } = await w.tenant();
      expect((await w.meter.authenticate(key)).ok).toBe(true);
      await w.tenancy.revokeApiKey(context.apiKey.id);
      await expect.poll(async () => (await w.meter.authenticate(key)).ok, { timeout: 1000, interval: 20 }).toBe(false);
      expect(await w.meter.authenticate(key)).toMatchObject({ ok: false, error: { code: 'INVALID_API_KEY', status: 401, details: { reason: 'revoked' } } });
    });

    it('revoking a key revokes every key it minted, and theirs, at once; its parent and siblings keep working', async () => {
      const w = world();
      const { context } = await w.tenant();
      const orgId = context.organization.id;
      const nsId = context.namespace!.id;
      const root = await w.tenancy.issueOrganizationKey(orgId, { name: 'root' });
      const parent = await w.tenancy.issueNamespaceKey(nsId, { name: 'parent' }, root.apiKey);
      const child = await w.tenancy.issueNamespaceKey(nsId, { name: 'child' }, parent.apiKey);
      const grandchild = await w.tenancy.issueNamespaceKey(nsId, { name: 'grandchild' }, child.apiKey);
      const sibling = await w.tenancy.issueNamespaceKey(nsId, { name: 'sibling' }, root.apiKey);
      expect(child.apiKey.parentKeyId).toBe(parent.apiKey.id);
      expect((await w.store.directory.getApiKey(grandchild.apiKey.id))!.parentKeyId).toBe(child.apiKey.id);
      for (const k of [root, parent, child, grandchild, sibling]) expect((await w.meter.authenticate(k.key)).ok).toBe(true);

      await w.tenancy.revokeApiKey(parent.apiKey.id);
      for (const k of [parent, child, grandchild]) {
        await expect.poll(async () => (await w.meter.authenticate(k.key)).ok, { timeout: 1000, interval: 20 }).toBe(false);
        expect((await w.store.directory.getApiKey(k.apiKey.id))!.revokedAt).not.toBeNull();
      }
      for (const k of [root, sibling]) expect((await w.meter.authenticate(k.key)).ok).toBe(true);
    });

    it('max_api_keys: a key past the active keys an organization or a namespace may have is refused; revoked and expired keys make room; concurrent creations stop at the limit', async () => {
      const w = world();
      const { context } = await w.tenant({ organization: { rateLimits: { max_api_keys: 4 } }, namespace: { rateLimits: { max_api_keys: 2 } } });
      const orgId = context.organization.id;
      const nsId = context.namespace!.id;
      // The tenant's own key is the first of the namespace's two.
      const second = await w.tenancy.issueNamespaceKey(nsId, { name: 'second' });
      const refusedInNamespace = await w.tenancy.issueNamespaceKey(nsId, { name: 'third' }).catch((e: unknown) => e);
      expect(refusedInNamespace).toMatchObject({ code: 'RESOURCE_LIMIT_EXCEEDED', status: 429, details: { limit_name: 'max_api_keys', scope: 'namespace', current_count: 2, limit: 2 } });
      await w.tenancy.revokeApiKey(second.apiKey.id);
      const expiring = await w.tenancy.issueNamespaceKey(nsId, { name: 'expiring', expiresAt: w.clock.now() + 1_000 });
      w.clock.advance(1_000);
      expect((await w.tenancy.issueNamespaceKey(nsId, { name: 'after expiry' })).apiKey.name).toBe('after expiry');
      expect(expiring.apiKey.id).toBeTruthy();
      // Organization keys count against the organization's 4: 2 active in the namespace, 2 more here.
      const outcomes = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => w.tenancy.issueOrganizationKey(orgId, { name: `org ${i}` })));
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(2);
      for (const o of outcomes) if (o.status === 'rejected') expect(o.reason).toMatchObject({ code: 'RESOURCE_LIMIT_EXCEEDED', details: { scope: 'organization', limit: 4 } });
      const active = (await w.store.directory.listApiKeys({ organizationId: orgId })).filter((k) => k.revokedAt === null && (k.expiresAt === null || k.expiresAt > w.clock.now()));
      expect(active).toHaveLength(4);
    });

    it('unknown, malformed, expired keys and keys of inactive namespaces are refused', async () => {
      const w = world();
      const { key, context } = await w.tenant();
      const wrongSecret = key.slice(0, -4) + (key.endsWith('AAAA') ? 'BBBB' : 'AAAA');
      expect(await w.meter.authenticate(wrongSecret)).toMatchObject({ ok: false, error: { details: { reason: 'unknown' } } });
      expect(await w.meter.authenticate('sk-not-a-key')).toMatchObject({ ok: false, error: { details: { reason: 'malformed' } } });
      expect(await w.meter.authenticate(undefined)).toMatchObject({ ok: false, error: { details: { reason: 'missing' } } });
      const expiring = await w.key(context.organization.id, context.namespace!.id, { expiresAt: w.clock.now() + 1000 });
      w.clock.advance(1000);
      expect(await w.meter.authenticate(expiring.key)).toMatchObject({ ok: false, error: { details: { reason: 'expired' } } });
      await w.tenancy.updateNamespace(context.namespace!.id, { isActive: false });
      await expect.poll(async () => (await w.meter.authenticate(key)).ok, { timeout: 1000, interval: 20 }).toBe(false);
      expect(await w.meter.authenticate(key)).toMatchObject({ ok: false, error: { code: 'NAMESPACE_INACTIVE', status: 403 } });
    });
  });
}
