import { describe, expect, it } from 'vitest';
import type { WebhookEndpoint } from '../../../src/stores/contract/index.js';
import type { StoreHarness } from '../harnesses.js';
import { useWorld } from './context.js';

let n = 0;
const endpoint = (organizationId: string, patch: Partial<WebhookEndpoint> = {}): WebhookEndpoint => ({
  id: `wh_conformance_${Date.now()}_${n++}`,
  organizationId,
  url: 'https://hooks.example.com/tollgate?x=1',
  eventTypes: ['usage.threshold', 'key.revoked'],
  sealedSecret: 'v1.iv.tag.sealed',
  createdAt: 1_000 + n,
  ...patch,
});

export function webhooksSuite(h: StoreHarness): void {
  describe(`${h.name}: webhook endpoints`, () => {
    const world = useWorld(h);

    it('keeps an endpoint as given, lists an organization\'s oldest first, and shows another organization nothing', async () => {
      const { store } = world();
      const org = `org_wh_${n++}_${Math.random()}`;
      const first = endpoint(org, { createdAt: 10 });
      const second = endpoint(org, { createdAt: 20, eventTypes: ['plan.changed'] });
      await store.webhooks.create(second);
      await store.webhooks.create(first);
      expect(await store.webhooks.list(org)).toEqual([first, second]);
      expect(await store.webhooks.get(org, first.id)).toEqual(first);
      expect(await store.webhooks.get('org_other', first.id)).toBeNull();
      expect(await store.webhooks.list('org_other')).toEqual([]);
      expect(await store.webhooks.delete('org_other', first.id)).toBe(false);
      expect(await store.webhooks.delete(org, first.id)).toBe(true);
      expect(await store.webhooks.delete(org, first.id)).toBe(false);
      expect(await store.webhooks.list(org)).toEqual([second]);
    });

    it('names the organizations with an endpoint that asked for an event type, each once', async () => {
      const { store } = world();
      const [a, b] = [`org_want_a_${n++}_${Math.random()}`, `org_want_b_${n++}_${Math.random()}`];
      await store.webhooks.create(endpoint(a, { eventTypes: ['usage.refused', 'key.revoked'] }));
      await store.webhooks.create(endpoint(a, { eventTypes: ['usage.refused'] }));
      await store.webhooks.create(endpoint(b, { eventTypes: ['usage.threshold'] }));
      const wanting = await store.webhooks.organizationsWanting('usage.refused');
      expect(wanting.filter((o) => o === a || o === b)).toEqual([a]);
      expect((await store.webhooks.organizationsWanting('usage.threshold')).filter((o) => o === a || o === b)).toEqual([b]);
      expect((await store.webhooks.organizationsWanting('usage')).filter((o) => o === a || o === b)).toEqual([]);
    });
  });
}
