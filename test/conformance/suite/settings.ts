import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { StoreHarness } from '../harnesses.js';
import { useWorld } from './context.js';

/** Settings: named values the server keeps (the admin key's hash, the key secret's verifier); the first writer wins. */
export function settingsSuite(h: StoreHarness): void {
  describe(`${h.name}: settings`, () => {
    const world = useWorld(h);
    // Stores may be shared between tests: every test uses names of its own.
    const fresh = () => `conformance_${randomBytes(6).toString('hex')}`;

    it('an unknown name reads as null; the first value put stays, a second put changes nothing', async () => {
      const { settings } = world().store;
      const name = fresh();
      expect(await settings.get(name)).toBeNull();
      expect(await settings.putIfAbsent(name, 'first')).toBe(true);
      expect(await settings.putIfAbsent(name, 'second')).toBe(false);
      expect(await settings.get(name)).toBe('first');
      expect(await settings.get(fresh())).toBeNull();
    });

    it('of racing first puts, exactly one is stored and every caller reads it', async () => {
      const { settings } = world().store;
      const name = fresh();
      const values = Array.from({ length: 8 }, (_, i) => `value-${i}`);
      const stored = await Promise.all(values.map((v) => settings.putIfAbsent(name, v)));
      expect(stored.filter(Boolean)).toHaveLength(1);
      expect(await settings.get(name)).toBe(values[stored.indexOf(true)]);
    });
  });
}
