import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/core/config.js';
import { ERRORS, TollgateError } from '../../src/core/errors.js';
import { LIMIT_FIELDS } from '../../src/core/plans.js';

const plans = { tiers: { free_trial: Object.fromEntries(LIMIT_FIELDS.map((f) => [f, 1])) } };
const valid = { keySecret: 'x'.repeat(32), plans };

describe('configuration', () => {
  it('fills defaults and freezes the result', () => {
    const config = parseConfig(valid);
    expect(config).toMatchObject({ port: 8080, store: { kind: 'sqlite', sqlitePath: './data/tollgate.db' }, metering: { failOpen: false, idempotencyTtlMs: 86_400_000 } });
    expect(Object.isFrozen(config.metering)).toBe(true);
  });

  it('reports every problem with its path in one CONFIG_INVALID error', () => {
    try {
      parseConfig({
        keySecret: 'short',
        port: 70000,
        store: { kind: 'postgres' },
        metering: { failOpen: 'yes' },
        operations: { add_memory_v1: { cost: -1 }, brand_new_v1: {} },
        plans: { tiers: {} },
      });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(TollgateError);
      const e = error as TollgateError;
      expect(e.code).toBe('CONFIG_INVALID');
      for (const path of ['keySecret', 'port', 'store.databaseUrl', 'metering.failOpen', 'operations.add_memory_v1.cost', 'operations.brand_new_v1.cost', 'plans.trial_tier']) {
        expect(e.message).toContain(path);
      }
    }
  });
});

describe('error table', () => {
  it('every code has a 4xx or 5xx status and a message', () => {
    for (const [code, entry] of Object.entries(ERRORS)) {
      expect(entry.status, code).toBeGreaterThanOrEqual(400);
      expect(entry.status, code).toBeLessThan(600);
      expect(entry.message.length, code).toBeGreaterThan(5);
    }
  });
  it('an error carries its code, status, details and cause', () => {
    const cause = new Error('socket closed');
    const error = new TollgateError('STORE_UNAVAILABLE', { details: { store: 'redis' }, cause });
    expect(error).toMatchObject({ code: 'STORE_UNAVAILABLE', status: 503, retryable: true, details: { store: 'redis' }, cause });
  });
});
