/** Gateway identity headers (issue 14): what Tollgate signs for the upstream, and what the upstream's check refuses. */
import { createHmac } from 'node:crypto';
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import {
  API_KEY_ID_HEADER,
  CHARGE_ID_HEADER,
  IDENTITY_HEADER_PREFIX,
  NAMESPACE_HEADER,
  ORGANIZATION_HEADER,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  USER_HEADER,
  signIdentity,
  verifyIdentity,
  type UpstreamIdentity,
} from '../../src/gateway/identity-signature.js';
import { startUpstream } from '../support/upstream.js';

const SECRET = 'upstream-secret-0123456789abcdefghij';
const NEW_SECRET = 'upstream-secret-rotated-ZYXWVUTSRQPO';
const NOW = 1_765_000_000;
const IDENTITY: UpstreamIdentity = { organizationId: 'org_acme', namespaceId: 'ns_prod', apiKeyId: 'key_42', userId: 'user_7', chargeId: 'chg_9001' };
const CALL = { method: 'POST', path: '/v1/memory?kind=note&x=%20y', timestampSec: NOW, identity: IDENTITY };
const IDENTITY_HEADERS = [ORGANIZATION_HEADER, NAMESPACE_HEADER, API_KEY_ID_HEADER, USER_HEADER, CHARGE_ID_HEADER];

function verify(headers: Record<string, string | string[] | undefined>, overrides: { method?: string; path?: string; secrets?: string[]; nowSec?: number; toleranceSec?: number } = {}) {
  return verifyIdentity(overrides.secrets ?? [SECRET], { method: overrides.method ?? CALL.method, path: overrides.path ?? CALL.path, headers }, {
    nowSec: overrides.nowSec ?? NOW,
    ...(overrides.toleranceSec === undefined ? {} : { toleranceSec: overrides.toleranceSec }),
  });
}

describe('identity signature', () => {
  it('signs the seven headers, all named with the prefix the gateway strips from callers', () => {
    const headers = signIdentity([SECRET], CALL);
    expect(Object.keys(headers).sort()).toEqual([...IDENTITY_HEADERS, TIMESTAMP_HEADER, SIGNATURE_HEADER].sort());
    expect(Object.keys(headers).every((name) => name.startsWith(IDENTITY_HEADER_PREFIX) && name === name.toLowerCase())).toBe(true);
    expect(headers).toMatchObject({
      'x-tollgate-organization': 'org_acme',
      'x-tollgate-namespace': 'ns_prod',
      'x-tollgate-api-key-id': 'key_42',
      'x-tollgate-user': 'user_7',
      'x-tollgate-charge-id': 'chg_9001',
      'x-tollgate-timestamp': String(NOW),
    });
  });

  it('the signature is v1= and the hex HMAC-SHA-256 of the documented string', () => {
    const signed = `v1\nPOST\n/v1/memory?kind=note&x=%20y\n${NOW}\norg_acme\nns_prod\nkey_42\nuser_7\nchg_9001`;
    const expected = `v1=${createHmac('sha256', SECRET).update(signed).digest('hex')}`;
    expect(signIdentity([SECRET], CALL)[SIGNATURE_HEADER]).toBe(expected);
    expect(signIdentity([SECRET], { ...CALL, method: 'post' })[SIGNATURE_HEADER]).toBe(expected);
  });

  it('round trip: the upstream reads back the identity and the timestamp', () => {
    expect(verify(signIdentity([SECRET], CALL))).toEqual({ ok: true, identity: IDENTITY, timestampSec: NOW });
  });

  it('a free call (no charge) and a key without a user sign empty values, and verify', () => {
    const identity = { ...IDENTITY, userId: '', chargeId: '' };
    const headers = signIdentity([SECRET], { ...CALL, identity });
    expect(headers[CHARGE_ID_HEADER]).toBe('');
    expect(verify(headers)).toEqual({ ok: true, identity, timestampSec: NOW });
  });

  it('header names are matched in any casing', () => {
    const headers = Object.fromEntries(Object.entries(signIdentity([SECRET], CALL)).map(([name, value]) => [name.toUpperCase(), value]));
    expect(verify(headers)).toMatchObject({ ok: true });
  });

  it.each([...IDENTITY_HEADERS, TIMESTAMP_HEADER])('%s tampered with: refused', (name) => {
    const headers = signIdentity([SECRET], CALL);
    const tampered = name === TIMESTAMP_HEADER ? String(NOW - 1) : `${headers[name]}x`;
    expect(verify({ ...headers, [name]: tampered })).toEqual({ ok: false, reason: 'signature does not match' });
  });

  it('an empty charge id filled in by someone else: refused', () => {
    const headers = signIdentity([SECRET], { ...CALL, identity: { ...IDENTITY, chargeId: '' } });
    expect(verify({ ...headers, [CHARGE_ID_HEADER]: 'chg_other' })).toMatchObject({ ok: false });
  });

  it('a signature changed by one hex digit: refused', () => {
    const headers = signIdentity([SECRET], CALL);
    const signature = headers[SIGNATURE_HEADER]!;
    const flipped = signature.slice(0, -1) + (signature.endsWith('0') ? '1' : '0');
    expect(verify({ ...headers, [SIGNATURE_HEADER]: flipped })).toEqual({ ok: false, reason: 'signature does not match' });
  });

  it.each([
    ['method', { method: 'PUT' }],
    ['path', { path: '/v1/memory/other?kind=note&x=%20y' }],
    ['query', { path: '/v1/memory?kind=note&x=%20z' }],
    ['query dropped', { path: '/v1/memory' }],
    ['query decoded', { path: '/v1/memory?kind=note&x= y' }],
    ['secret', { secrets: ['another-secret-of-at-least-32-chars!'] }],
  ])('another %s than signed: refused', (_what, overrides) => {
    expect(verify(signIdentity([SECRET], CALL), overrides)).toEqual({ ok: false, reason: 'signature does not match' });
  });

  it('the method compares without regard to case (frameworks differ)', () => {
    expect(verify(signIdentity([SECRET], CALL), { method: 'post' })).toMatchObject({ ok: true });
  });

  it('a timestamp outside the tolerance, past or future, is refused; at the edge it passes', () => {
    const headers = signIdentity([SECRET], CALL);
    expect(verify(headers, { nowSec: NOW + 300 })).toMatchObject({ ok: true });
    expect(verify(headers, { nowSec: NOW - 300 })).toMatchObject({ ok: true });
    expect(verify(headers, { nowSec: NOW + 301 })).toEqual({ ok: false, reason: 'timestamp older than 300 s' });
    expect(verify(headers, { nowSec: NOW - 301 })).toEqual({ ok: false, reason: 'timestamp more than 300 s in the future' });
    expect(verify(headers, { nowSec: NOW + 61, toleranceSec: 60 })).toEqual({ ok: false, reason: 'timestamp older than 60 s' });
  });

  it('without nowSec, the system clock', () => {
    const fresh = signIdentity([SECRET], { ...CALL, timestampSec: Math.floor(Date.now() / 1000) });
    expect(verifyIdentity([SECRET], { method: CALL.method, path: CALL.path, headers: fresh })).toMatchObject({ ok: true });
    expect(verifyIdentity([SECRET], { method: CALL.method, path: CALL.path, headers: signIdentity([SECRET], CALL) })).toMatchObject({ ok: false });
  });

  it('rotation: signed with [new, old], either secret verifies; the header carries both', () => {
    const headers = signIdentity([NEW_SECRET, SECRET], CALL);
    const values = headers[SIGNATURE_HEADER]!.split(' ');
    expect(values).toEqual([signIdentity([NEW_SECRET], CALL)[SIGNATURE_HEADER], signIdentity([SECRET], CALL)[SIGNATURE_HEADER]]);
    expect(verify(headers, { secrets: [SECRET] })).toMatchObject({ ok: true });
    expect(verify(headers, { secrets: [NEW_SECRET] })).toMatchObject({ ok: true });
    expect(verify(headers, { secrets: [NEW_SECRET, SECRET] })).toMatchObject({ ok: true });
    // An upstream that has rotated on: only what the old secret signed reaches it.
    expect(verify(signIdentity([SECRET], CALL), { secrets: [NEW_SECRET] })).toMatchObject({ ok: false });
    expect(verify(signIdentity([SECRET], CALL), { secrets: [NEW_SECRET, SECRET] })).toMatchObject({ ok: true });
  });

  it.each([...IDENTITY_HEADERS, TIMESTAMP_HEADER, SIGNATURE_HEADER])('%s given twice: refused', (name) => {
    const headers = signIdentity([SECRET], CALL);
    expect(verify({ ...headers, [name]: [headers[name]!, headers[name]!] })).toEqual({ ok: false, reason: `duplicated header ${name}` });
    expect(verify({ ...headers, [name.toUpperCase()]: headers[name]! })).toEqual({ ok: false, reason: `duplicated header ${name}` });
  });

  it('a header given once as a one-item array passes', () => {
    const headers = signIdentity([SECRET], CALL);
    expect(verify({ ...headers, [USER_HEADER]: [headers[USER_HEADER]!] })).toMatchObject({ ok: true });
  });

  it.each([...IDENTITY_HEADERS, TIMESTAMP_HEADER, SIGNATURE_HEADER])('%s missing: refused', (name) => {
    const headers: Record<string, string | undefined> = signIdentity([SECRET], CALL);
    expect(verify({ ...headers, [name]: undefined })).toEqual({ ok: false, reason: `missing header ${name}` });
    delete headers[name];
    expect(verify(headers)).toEqual({ ok: false, reason: `missing header ${name}` });
  });

  it.each([
    ['empty', ''],
    ['another version', 'v2=' + 'a'.repeat(64)],
    ['upper-case hex', 'v1=' + 'A'.repeat(64)],
    ['short', 'v1=' + 'a'.repeat(63)],
    ['two values joined by a comma (a proxy merging a repeated header)', `v1=${'a'.repeat(64)}, v1=${'b'.repeat(64)}`],
    ['a trailing space', `v1=${'a'.repeat(64)} `],
  ])('a malformed signature (%s): refused', (_what, signature) => {
    const headers = signIdentity([SECRET], CALL);
    expect(verify({ ...headers, [SIGNATURE_HEADER]: signature })).toEqual({ ok: false, reason: 'malformed x-tollgate-signature' });
  });

  it.each([['-1'], ['1.5'], [''], ['abc'], ['1765000000 '], ['9'.repeat(16)]])('a malformed timestamp (%j): refused', (timestamp) => {
    const headers = signIdentity([SECRET], CALL);
    expect(verify({ ...headers, [TIMESTAMP_HEADER]: timestamp })).toEqual({ ok: false, reason: 'malformed x-tollgate-timestamp' });
  });

  it('secrets: signing throws a TypeError on one shorter than 32 characters or none; verifying refuses', () => {
    const short = 'x'.repeat(31);
    expect(() => signIdentity([short], CALL)).toThrow(TypeError);
    expect(() => signIdentity([SECRET, short], CALL)).toThrow(TypeError);
    expect(() => signIdentity([], CALL)).toThrow(TypeError);
    expect(() => signIdentity(['x'.repeat(32)], CALL)).not.toThrow();
    const headers = signIdentity([SECRET], CALL);
    expect(verify(headers, { secrets: [short] })).toEqual({ ok: false, reason: 'a secret is shorter than 32 characters' });
    expect(verify(headers, { secrets: [SECRET, short] })).toMatchObject({ ok: false });
    expect(verify(headers, { secrets: [] })).toEqual({ ok: false, reason: 'no secret given' });
  });

  it.each([
    ['a line break in a value', { identity: { ...IDENTITY, userId: 'a\nb' } }],
    ['a space at the end of a value', { identity: { ...IDENTITY, organizationId: 'org ' } }],
    ['a non-ASCII value', { identity: { ...IDENTITY, userId: 'zoë' } }],
    ['a method with a space', { method: 'GET X' }],
    ['an empty path', { path: '' }],
    ['a path with a space', { path: '/a b' }],
    ['a fractional timestamp', { timestampSec: 1.5 }],
    ['a negative timestamp', { timestampSec: -1 }],
  ])('signing refuses what would not reach the upstream as signed: %s', (_what, overrides) => {
    expect(() => signIdentity([SECRET], { ...CALL, ...overrides })).toThrow(TypeError);
  });

  it('an inner space in a value is kept and verifies', () => {
    const identity = { ...IDENTITY, userId: 'Ada Lovelace' };
    expect(verify(signIdentity([SECRET], { ...CALL, identity }))).toMatchObject({ ok: true, identity });
  });

  it('the headers survive a real HTTP hop (undici to node:http), empty values and inner spaces included, and verify there', async () => {
    const upstream = await startUpstream();
    try {
      const identity = { ...IDENTITY, userId: 'Ada Lovelace', chargeId: '' };
      const path = '/v1/memory/search?q=caf%C3%A9&max=20';
      const timestampSec = Math.floor(Date.now() / 1000);
      const response = await request(`${upstream.url}${path}`, { method: 'POST', headers: signIdentity([NEW_SECRET, SECRET], { method: 'POST', path, timestampSec, identity }), body: '{}' });
      await response.body.dump();
      const [got] = await upstream.waitFor(1);
      expect(verifyIdentity([SECRET], { method: got!.method, path: got!.url, headers: got!.headers })).toEqual({ ok: true, identity, timestampSec });
    } finally {
      await upstream.close();
    }
  });
});
