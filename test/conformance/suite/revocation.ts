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
