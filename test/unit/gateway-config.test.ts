import { describe, expect, it } from 'vitest';
import { gatewayEnabled, parseGateway } from '../../src/core/gateway-config.js';
import { loadConfig } from '../../src/cli/load-config.js';

const SECRET = 's'.repeat(32);
const parse = (input: unknown) => {
  const problems: string[] = [];
  return { config: parseGateway(input, problems), problems };
};

describe('gateway config (issue 14)', () => {
  it('is off without an upstream, and then needs nothing', () => {
    const { config, problems } = parse(undefined);
    expect(problems).toEqual([]);
    expect(gatewayEnabled(config)).toBe(false);
  });

  it('with an upstream, requires a signing secret of 32 characters or more', () => {
    expect(parse({ upstream: 'http://memory.internal:5001' }).problems).toEqual([
      'gateway.signingSecrets: required with an upstream (TOLLGATE_GATEWAY_SECRET, at least 32 characters); give the same secret to the upstream so that it can verify X-Tollgate-Signature',
    ]);
    expect(parse({ upstream: 'http://memory.internal:5001', signingSecrets: ['short'] }).problems).toEqual(['gateway.signingSecrets: each secret needs at least 32 characters, one has 5']);
    const ok = parse({ upstream: 'https://memory.internal', signingSecret: SECRET });
    expect(ok.problems).toEqual([]);
    expect(ok.config.signingSecrets).toEqual([SECRET]);
  });

  it('refuses an upstream that is not a plain http(s) URL, and a hosted prefix outside /v1/', () => {
    for (const upstream of ['ftp://x', 'http://user:pw@x', 'http://x/?q=1', 'not a url']) {
      expect(parse({ upstream, signingSecrets: [SECRET] }).problems).toEqual([`gateway.upstream: an http(s) URL without credentials, query or fragment, got ${JSON.stringify(upstream)}`]);
    }
    expect(parse({ hosted: ['/admin'] }).problems).toEqual(['gateway.hosted: a path prefix under /v1/, got "/admin"']);
    expect(parse({ unknownRoutes: 'free' }).problems).toEqual(['gateway.unknownRoutes: must be one of refuse, pass, got "free"']);
  });

  it('orders per-prefix upstreams longest prefix first, and reads lists from comma-separated text', () => {
    const { config, problems } = parse({
      upstreams: [
        { prefix: '/v1', url: 'http://a' },
        { prefix: '/v1/ai', url: 'http://b' },
      ],
      hosted: '/v1/memory, /v1/feedback',
      signingSecrets: `${SECRET},${'t'.repeat(40)}`,
    });
    expect(problems).toEqual([]);
    expect(config.upstreams.map((u) => u.prefix)).toEqual(['/v1/ai', '/v1']);
    expect(config.hosted).toEqual(['/v1/memory', '/v1/feedback']);
    expect(config.signingSecrets).toHaveLength(2);
    expect(parse({ upstreams: [{ prefix: 'v1', url: 'http://a' }] }).problems).toEqual(['gateway.upstreams[0]: { prefix: "/v1/…", url: "http(s)://…" }, got {"prefix":"v1","url":"http://a"}']);
  });

  it('is set from the environment: TOLLGATE_UPSTREAM, TOLLGATE_GATEWAY_SECRET, _HOSTED, _UNKNOWN_ROUTES, _TIMEOUT_MS', () => {
    const config = loadConfig({
      env: {
        TOLLGATE_KEY_SECRET: 'k'.repeat(32),
        TOLLGATE_UPSTREAM: 'http://127.0.0.1:5001',
        TOLLGATE_GATEWAY_SECRET: SECRET,
        TOLLGATE_GATEWAY_HOSTED: '/v1/memory',
        TOLLGATE_GATEWAY_UNKNOWN_ROUTES: 'pass',
        TOLLGATE_GATEWAY_TIMEOUT_MS: '1500',
      },
    });
    expect(config.gateway).toMatchObject({ upstream: 'http://127.0.0.1:5001', signingSecrets: [SECRET], hosted: ['/v1/memory'], unknownRoutes: 'pass', headersTimeoutMs: 1500 });
  });
});
