import { describe, expect, it } from 'vitest';
import { METER_RETRY, WEBHOOK_RETRY, nextAttemptAt } from '../../src/billing/outbox-backoff.js';
import { webhookBody } from '../../src/billing/webhook-body.js';

describe('outbox backoff', () => {
  const policy = { baseMs: 1_000, capMs: 8_000, maxAgeMs: 60_000 };

  it('waits a uniform share of a step that doubles per attempt up to the cap (full jitter)', () => {
    expect(nextAttemptAt(policy, 1, 0, 100, 0.5)).toBe(600);
    expect(nextAttemptAt(policy, 2, 0, 100, 0.5)).toBe(1_100);
    expect(nextAttemptAt(policy, 3, 0, 100, 0.999)).toBe(100 + 3_996);
    expect(nextAttemptAt(policy, 30, 0, 100, 0.999)).toBe(100 + 7_992);
    expect(nextAttemptAt(policy, 1, 0, 100, 0)).toBe(100);
  });

  it('honours a Retry-After up to the cap, and gives up past the maximum age', () => {
    expect(nextAttemptAt(policy, 1, 0, 100, 0, 5_000)).toBe(5_100);
    expect(nextAttemptAt(policy, 1, 0, 100, 0, 50_000)).toBe(8_100);
    expect(nextAttemptAt(policy, 1, 0, 60_000, 0)).toBe(60_000);
    expect(nextAttemptAt(policy, 1, 0, 60_000, 0.5)).toBeNull();
  });

  it('keeps webhooks for three days and meter events for 30 (Stripe refuses timestamps past 35)', () => {
    expect(WEBHOOK_RETRY.maxAgeMs).toBe(3 * 86_400_000);
    expect(METER_RETRY.maxAgeMs).toBe(30 * 86_400_000);
  });
});

describe('webhook body', () => {
  it('is { type, timestamp, data }, a threshold adding its percentage used', () => {
    const body = JSON.parse(webhookBody({ type: 'usage.threshold', createdAtMs: Date.parse('2026-12-01T00:00:00Z'), payload: { used: 95, limit: 100, used_before: 94 } }));
    expect(body).toEqual({ type: 'usage.threshold', timestamp: '2026-12-01T00:00:00.000Z', data: { used: 95, limit: 100, used_before: 94, percent_used: 95 } });
    expect(JSON.parse(webhookBody({ type: 'key.revoked', createdAtMs: 0, payload: { api_key_id: 'k' } })).data).toEqual({ api_key_id: 'k' });
  });
});
