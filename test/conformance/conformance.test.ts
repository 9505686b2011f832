import { afterAll, describe, expect, it } from 'vitest';
import { selectedHarnesses } from './harnesses.js';
import { SUITES } from './suite/index.js';

const harnesses = selectedHarnesses();
const covered: string[] = [];

for (const h of harnesses) {
  const reason = await h.unavailable();
  if (reason !== null) {
    if (process.env.CI === 'true') {
      describe(`${h.name}`, () => {
        it('is reachable (required under CI=true)', () => {
          throw new Error(`${h.name} store unavailable under CI: ${reason}`);
        });
      });
    } else {
      console.warn(`conformance: ${h.name} skipped: ${reason}`);
      describe.skip(`${h.name}: skipped (${reason})`, () => {
        it('conformance', () => {});
      });
    }
    continue;
  }
  covered.push(h.name);
  for (const suite of SUITES) suite(h);
  afterAll(() => h.cleanup());
}

describe('conformance coverage', () => {
  it('ran the suite against at least one store, and against every store under CI', () => {
    expect(covered.length).toBeGreaterThan(0);
    if (process.env.CI === 'true') expect(covered).toEqual(harnesses.map((h) => h.name));
    console.log(`conformance: stores covered: ${covered.join(', ')}`);
  });
});
