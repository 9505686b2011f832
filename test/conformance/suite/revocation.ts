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
