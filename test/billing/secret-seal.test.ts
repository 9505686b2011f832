import { describe, expect, it } from 'vitest';
import { createSecretSeal } from '../../src/billing/secret-seal.js';
import { webhookUrlProblem } from '../../src/billing/webhook-destinations.js';

const KEY = 'seal-test-secret-0123456789-abcdefghijkl';

describe('sealed secrets', () => {
  it('open with the same key and purpose only; an altered seal does not open; each seal differs', () => {
    const seal = createSecretSeal(KEY, 'webhook secrets');
    const sealed = seal.seal('whsec_abc');
    expect(seal.open(sealed)).toBe('whsec_abc');
    expect(seal.seal('whsec_abc')).not.toBe(sealed);
    expect(createSecretSeal(KEY, 'other purpose').open(sealed)).toBeNull();
    const [v, iv, tag, body] = sealed.split('.');
    const flipped = body!.slice(0, -1) + (body!.endsWith('A') ? 'B' : 'A');
    expect(seal.open([v, iv, tag, flipped].join('.'))).toBeNull();
    expect(seal.open('v2.a.b.c')).toBeNull();
    expect(seal.open('garbage')).toBeNull();
  });
});

describe('webhook destinations', () => {
  it('without allowed hosts: public http(s) hosts only', () => {
    expect(webhookUrlProblem('https://hooks.example.com/x', null)).toBeNull();
    expect(webhookUrlProblem('http://93.184.216.34/hook', null)).toBeNull();
    for (const url of ['http://172.16.0.1/', 'http://172.31.255.255/', 'http://192.168.0.1/', 'http://100.64.0.1/', 'http://0.0.0.0/', 'http://[fd00::1]/', 'http://[fe80::1]/', 'http://api.localhost/']) {
      expect(webhookUrlProblem(url, null), url).toMatch(/^url: /);
    }
    expect(webhookUrlProblem('http://172.32.0.1/', null)).toBeNull();
  });

  it('with allowed hosts: exactly those, and subdomains of a *. entry', () => {
    expect(webhookUrlProblem('https://a.b.example/x', ['*.b.example'])).toBeNull();
    expect(webhookUrlProblem('https://b.example/x', ['*.b.example'])).toMatch(/not among the allowed/);
    expect(webhookUrlProblem('https://evilb.example/x', ['*.b.example'])).toMatch(/not among the allowed/);
  });
});
