/**
 * The Python check in docs/gateway.md, run as written with python3 (standard library only) on
 * headers signIdentity made: what an upstream in Python pastes must accept Tollgate's calls and
 * refuse the rest, and stay as short as the docs promise.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { signIdentity, type UpstreamIdentity } from '../../src/gateway/identity-signature.js';

const DOC = fileURLToPath(new URL('../../docs/gateway.md', import.meta.url));
const SECRET = 'python-upstream-secret-0123456789abcdef';
const NEW_SECRET = 'python-upstream-secret-rotated-ABCDEFGH';
const IDENTITY: UpstreamIdentity = { organizationId: 'org_acme', namespaceId: 'ns_prod', apiKeyId: 'key_42', userId: 'user 7', chargeId: 'chg_9001' };
const PYTHON_IDENTITY = { organization: 'org_acme', namespace: 'ns_prod', 'api-key-id': 'key_42', user: 'user 7', 'charge-id': 'chg_9001' };

function snippet(): string {
  const doc = readFileSync(DOC, 'utf8');
  const between = /<!-- python-verify:start -->\n```python\n([\s\S]*?)```\n<!-- python-verify:end -->/.exec(doc);
  if (!between) throw new Error('docs/gateway.md holds no ```python fence between the python-verify markers');
  return between[1]!;
}

const dir = mkdtempSync(join(tmpdir(), 'tollgate-python-verify-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Case {
  readonly secret: string;
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  /** Hand the headers over as http.server does (an email.message.Message, names in their casing) instead of a dict. */
  readonly message?: boolean;
}

/** Runs the docs' verify() on each case in one python3 process; its JSON answers. */
function runPython(cases: readonly Case[]): unknown[] {
  writeFileSync(join(dir, 'tollgate_verify.py'), snippet());
  writeFileSync(
    join(dir, 'driver.py'),
    [
      'import email.message, json, sys',
      'from tollgate_verify import verify',
      'def headers(case):',
      '    if not case.get("message"): return case["headers"]',
      '    message = email.message.Message()',
      '    for name, value in case["headers"].items(): message[name] = value',
      '    return message',
      'cases = json.load(sys.stdin)',
      'print(json.dumps([verify(c["secret"], c["method"], c["path"], headers(c)) for c in cases]))',
    ].join('\n'),
  );
  const output = execFileSync('python3', [join(dir, 'driver.py')], { cwd: dir, input: JSON.stringify(cases), encoding: 'utf8', timeout: 20_000 });
  return JSON.parse(output) as unknown[];
}

const now = () => Math.floor(Date.now() / 1000);
const call = (overrides: Partial<Parameters<typeof signIdentity>[1]> = {}) => ({ method: 'POST', path: '/v1/memory?kind=note&x=%20y', timestampSec: now(), identity: IDENTITY, ...overrides });

describe('the Python check in docs/gateway.md', () => {
  it('is ten lines of code or fewer, with a verify(secret, method, path, headers)', () => {
    const code = snippet()
      .split('\n')
      .filter((line) => line.trim() !== '' && !line.trim().startsWith('#'));
    expect(code.length).toBeLessThanOrEqual(10);
    expect(code.some((line) => line.startsWith('def verify(secret, method, path, headers):'))).toBe(true);
    // The standard library's hashlib, hmac and time, nothing to install.
    const modules = code.filter((line) => line.startsWith('import ')).flatMap((line) => line.slice('import '.length).split(',').map((name) => name.trim()));
    expect(modules.sort()).toEqual(['hashlib', 'hmac', 'time']);
    expect(code.filter((line) => line.startsWith('from '))).toEqual([]);
  });

  it('accepts what Tollgate signed and returns the identity; refuses what was changed', () => {
    const signed = call();
    const headers = signIdentity([SECRET], signed);
    const free = signIdentity([SECRET], call({ identity: { ...IDENTITY, userId: '', chargeId: '' } }));
    const rotated = signIdentity([NEW_SECRET, SECRET], signed);
    const base = { secret: SECRET, method: signed.method, path: signed.path, headers };
    const flipped = headers['x-tollgate-signature']!.slice(0, -1) + (headers['x-tollgate-signature']!.endsWith('0') ? '1' : '0');
    const withoutCharge = Object.fromEntries(Object.entries(headers).filter(([name]) => name !== 'x-tollgate-charge-id'));
    const cases: [string, Case, unknown][] = [
      ['as signed', base, PYTHON_IDENTITY],
      ['the method in lower case', { ...base, method: 'post' }, PYTHON_IDENTITY],
      ['headers as http.server hands them, in another casing', { ...base, headers: Object.fromEntries(Object.entries(headers).map(([n, v]) => [n.toUpperCase(), v])), message: true }, PYTHON_IDENTITY],
      ['a free call with no user', { ...base, headers: free }, { ...PYTHON_IDENTITY, user: '', 'charge-id': '' }],
      ['rotation, verified with the old secret', { ...base, headers: rotated }, PYTHON_IDENTITY],
      ['rotation, verified with the new secret', { ...base, secret: NEW_SECRET, headers: rotated }, PYTHON_IDENTITY],
      ['another user', { ...base, headers: { ...headers, 'x-tollgate-user': 'user 8' } }, null],
      ['another organization', { ...base, headers: { ...headers, 'x-tollgate-organization': 'org_other' } }, null],
      ['another charge', { ...base, headers: { ...headers, 'x-tollgate-charge-id': 'chg_1' } }, null],
      ['another timestamp', { ...base, headers: { ...headers, 'x-tollgate-timestamp': String(signed.timestampSec - 1) } }, null],
      ['another method', { ...base, method: 'PUT' }, null],
      ['another query', { ...base, path: '/v1/memory?kind=note&x=%20z' }, null],
      ['another secret', { ...base, secret: NEW_SECRET }, null],
      ['a signature changed by a digit', { ...base, headers: { ...headers, 'x-tollgate-signature': flipped } }, null],
      ['no signature', { ...base, headers: Object.fromEntries(Object.entries(headers).filter(([name]) => name !== 'x-tollgate-signature')) }, null],
      ['no charge header', { ...base, headers: withoutCharge }, null],
      ['a malformed timestamp', { ...base, headers: { ...headers, 'x-tollgate-timestamp': '-5' } }, null],
      // Well outside and inside the 300 s: Python reads its own clock, so the edges are pinned by the TypeScript tests.
      ['signed 330 s ago', { ...base, headers: signIdentity([SECRET], call({ timestampSec: now() - 330 })) }, null],
      ['signed 330 s ahead', { ...base, headers: signIdentity([SECRET], call({ timestampSec: now() + 330 })) }, null],
      ['signed 200 s ago', { ...base, headers: signIdentity([SECRET], call({ timestampSec: now() - 200 })) }, PYTHON_IDENTITY],
      ['signed 200 s ahead', { ...base, headers: signIdentity([SECRET], call({ timestampSec: now() + 200 })) }, PYTHON_IDENTITY],
    ];
    const answers = runPython(cases.map(([, input]) => input));
    expect(Object.fromEntries(cases.map(([what], index) => [what, answers[index]]))).toEqual(Object.fromEntries(cases.map(([what, , expected]) => [what, expected])));
  });
});
