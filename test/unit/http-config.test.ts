import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/cli/load-config.js';
import { DEFAULT_HTTP, parseConfig } from '../../src/core/config.js';
import type { TollgateError } from '../../src/core/errors.js';
import { LIMIT_FIELDS } from '../../src/core/plans.js';

const plans = { tiers: { free_trial: Object.fromEntries(LIMIT_FIELDS.map((f) => [f, 1])) } };
const valid = { keySecret: 'x'.repeat(32), plans };

function problemsOf(input: Record<string, unknown>): string {
  try {
    parseConfig(input);
  } catch (error) {
    expect((error as TollgateError).code).toBe('CONFIG_INVALID');
    return (error as Error).message;
  }
  throw new Error('parseConfig accepted an invalid configuration');
}

describe('http timeouts in the configuration', () => {
  it('default to bounded values, frozen', () => {
    const config = parseConfig(valid);
    expect(config.http).toEqual({ requestTimeoutMs: 30_000, headersTimeoutMs: 10_000, keepAliveTimeoutMs: 72_000, connectionTimeoutMs: 60_000 });
    expect(config.http).toEqual(DEFAULT_HTTP);
    expect(Object.isFrozen(config.http)).toBe(true);
  });

  it('take what is given', () => {
    const http = { requestTimeoutMs: 120_000, headersTimeoutMs: 20_000, keepAliveTimeoutMs: 5_000, connectionTimeoutMs: 90_000 };
    expect(parseConfig({ ...valid, http }).http).toEqual(http);
  });

  it('report every field out of range, zero (no timeout) included, and headers longer than the request', () => {
    const message = problemsOf({ ...valid, http: { requestTimeoutMs: 0, keepAliveTimeoutMs: 10_000_000, connectionTimeoutMs: 1.5 } });
    for (const path of ['http.requestTimeoutMs', 'http.keepAliveTimeoutMs', 'http.connectionTimeoutMs']) expect(message).toContain(path);
    expect(problemsOf({ ...valid, http: { requestTimeoutMs: 5_000, headersTimeoutMs: 6_000 } })).toContain('http.headersTimeoutMs: must not exceed http.requestTimeoutMs (5000)');
    expect(problemsOf({ ...valid, http: 30 })).toContain('http: must be an object');
  });

  it('are read from TOLLGATE_*_TIMEOUT_MS', () => {
    const config = loadConfig({
      env: {
        TOLLGATE_KEY_SECRET: 'k'.repeat(32),
        TOLLGATE_REQUEST_TIMEOUT_MS: '45000',
        TOLLGATE_HEADERS_TIMEOUT_MS: '15000',
        TOLLGATE_KEEPALIVE_TIMEOUT_MS: '65000',
        TOLLGATE_CONNECTION_TIMEOUT_MS: '90000',
      },
    });
    expect(config.http).toEqual({ requestTimeoutMs: 45_000, headersTimeoutMs: 15_000, keepAliveTimeoutMs: 65_000, connectionTimeoutMs: 90_000 });
    expect(() => loadConfig({ env: { TOLLGATE_KEY_SECRET: 'k'.repeat(32), TOLLGATE_HEADERS_TIMEOUT_MS: 'soon' } })).toThrow(/http\.headersTimeoutMs/);
  });
});
