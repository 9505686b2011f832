import { describe, expect, it } from 'vitest';
import { TollgateError } from '../../src/core/errors.js';
import { configInvalid, LIMIT_FIELDS, parseLimitOverrides, parsePlans } from '../../src/core/plans.js';
import type { Problems } from '../../src/core/validation.js';

// Mutation testing (issue 20): every problem of plans.yaml with its exact wording, the trial tier,
// tier names, unknown and fractional fields, and the default of max_api_keys for older files.

const full = Object.fromEntries(LIMIT_FIELDS.map((f) => [f, 10])) as Record<string, number | null>;

function problemsOf(input: unknown, source?: string): string[] {
  try {
    parsePlans(input, source);
    return [];
  } catch (error) {
    expect(error).toBeInstanceOf(TollgateError);
    expect((error as TollgateError).code).toBe('CONFIG_INVALID');
    return (error as TollgateError).details?.problems as string[];
  }
}

const NOT_WHOLE = 'must be a non-negative whole number or null';

describe('parsePlans', () => {
  it('takes every tier with its limits, null for unlimited, and free_trial as the trial tier by default', () => {
    const plans = parsePlans({ tiers: { free_trial: full, pro: { ...full, max_mini_interactions_per_month: null, max_storage_gb: 2.5 } } });
    expect(plans.trialTier).toBe('free_trial');
    expect([...plans.tiers.keys()]).toEqual(['free_trial', 'pro']);
    expect(plans.tiers.get('free_trial')).toEqual(full);
    expect(plans.tiers.get('pro')).toEqual({ ...full, max_mini_interactions_per_month: null, max_storage_gb: 2.5 });
    expect(Object.isFrozen(plans)).toBe(true);
    expect(Object.isFrozen(plans.tiers.get('pro'))).toBe(true);
  });

  it('a trial_tier names any existing tier', () => {
    expect(parsePlans({ trial_tier: 'pro', tiers: { pro: full } }).trialTier).toBe('pro');
  });

  it('a tier written before max_api_keys existed gets 1,000 keys; null still means unlimited', () => {
    const { max_api_keys: _, ...older } = full;
    expect(parsePlans({ tiers: { free_trial: older } }).tiers.get('free_trial')?.max_api_keys).toBe(1_000);
    expect(parsePlans({ tiers: { free_trial: { ...older, max_api_keys: null } } }).tiers.get('free_trial')?.max_api_keys).toBeNull();
    expect(parsePlans({ tiers: { free_trial: { ...older, max_api_keys: 0 } } }).tiers.get('free_trial')?.max_api_keys).toBe(0);
  });

  it.each([
    [undefined, 'plans: must be an object with a "tiers" map, got undefined'],
    [null, 'plans: must be an object with a "tiers" map, got null'],
    [[], 'plans: must be an object with a "tiers" map, got a list'],
    [{}, 'plans: must be an object with a "tiers" map, got undefined'],
    [{ tiers: [] }, 'plans: must be an object with a "tiers" map, got a list'],
    [{ tiers: 'pro' }, 'plans: must be an object with a "tiers" map, got "pro"'],
  ])('%j is refused at once: %s', (input, problem) => {
    expect(problemsOf(input)).toEqual([problem]);
    expect(() => parsePlans(input)).toThrow(`plans is invalid:\n  - ${problem}`);
  });

  it('names the source in every path', () => {
    expect(problemsOf(null, 'config/plans.yaml')).toEqual(['config/plans.yaml: must be an object with a "tiers" map, got null']);
    expect(problemsOf({ tiers: { free_trial: { ...full, rate_limit_per_minute: -1 } } }, 'file.yaml')).toEqual([
      `file.yaml.tiers.free_trial.rate_limit_per_minute: ${NOT_WHOLE}, got -1`,
    ]);
  });

  it.each([
    [{ tiers: {} }, ['plans.trial_tier: names the tier trialing subscriptions use and must be one of the tiers, got "free_trial"']],
    [{ trial_tier: 'gold', tiers: { free_trial: full } }, ['plans.trial_tier: names the tier trialing subscriptions use and must be one of the tiers, got "gold"']],
    [{ trial_tier: 3, tiers: { free_trial: full } }, ['plans.trial_tier: names the tier trialing subscriptions use and must be one of the tiers, got 3']],
    [{ trial_tier: null, tiers: { pro: full } }, ['plans.trial_tier: names the tier trialing subscriptions use and must be one of the tiers, got "free_trial"']],
    [{ tiers: { free_trial: full }, trial: 'x' }, ['plans.trial: unknown field']],
    [{ tiers: { free_trial: 5 } }, ['plans.tiers.free_trial: must be an object of limits, got 5', 'plans.trial_tier: names the tier trialing subscriptions use and must be one of the tiers, got "free_trial"']],
    [{ tiers: { free_trial: full, pro: null } }, ['plans.tiers.pro: must be an object of limits, got null']],
    [{ tiers: { free_trial: full, Pro: full } }, ['plans.tiers.Pro: a tier name is lower_snake_case']],
    [{ tiers: { free_trial: full, '2x': full } }, ['plans.tiers.2x: a tier name is lower_snake_case']],
    [{ tiers: { free_trial: full, _pro: full } }, ['plans.tiers._pro: a tier name is lower_snake_case']],
    [{ tiers: { free_trial: full, 'pro-plus': full } }, ['plans.tiers.pro-plus: a tier name is lower_snake_case']],
    [{ tiers: { free_trial: full, 'pro plus': full } }, ['plans.tiers.pro plus: a tier name is lower_snake_case']],
    [{ tiers: { free_trial: full, 'pro!': full } }, ['plans.tiers.pro!: a tier name is lower_snake_case']],
    [{ tiers: { free_trial: full, '': full } }, ['plans.tiers.: a tier name is lower_snake_case']],
    [{ tiers: { free_trial: { ...full, bonus: 1 } } }, [`plans.tiers.free_trial.bonus: unknown field (known: ${LIMIT_FIELDS.join(', ')})`]],
    [{ tiers: { free_trial: { max_api_keys: 1 } } }, LIMIT_FIELDS.filter((f) => !['max_api_keys', 'max_billed_mini_interactions_per_month', 'max_billed_premium_interactions_per_month'].includes(f)).map((f) => `plans.tiers.free_trial.${f}: missing (write null for unlimited)`)],
    [{ tiers: { free_trial: { ...full, max_active_memories: 1.5 } } }, [`plans.tiers.free_trial.max_active_memories: ${NOT_WHOLE}, got 1.5`]],
    [{ tiers: { free_trial: { ...full, max_api_keys: 0.5 } } }, [`plans.tiers.free_trial.max_api_keys: ${NOT_WHOLE}, got 0.5`]],
    [{ tiers: { free_trial: { ...full, max_storage_gb: -0.5 } } }, ['plans.tiers.free_trial.max_storage_gb: must be a non-negative number or null, got -0.5']],
    [{ tiers: { free_trial: { ...full, max_storage_gb: '1' } } }, ['plans.tiers.free_trial.max_storage_gb: must be a non-negative number or null, got "1"']],
  ])('%j is refused with %j', (input, expected) => {
    expect(problemsOf(input)).toEqual(expected);
  });

  it('accepts lower_snake_case tier names with digits and underscores after the first letter', () => {
    expect([...parsePlans({ tiers: { free_trial: full, pro2: full, b: full, business_plus_2: full } }).tiers.keys()]).toEqual(['free_trial', 'pro2', 'b', 'business_plus_2']);
  });
});

describe('parseLimitOverrides', () => {
  const parse = (input: unknown): [unknown, Problems] => {
    const problems: Problems = [];
    return [parseLimitOverrides(input, 'rate_limits', problems), problems];
  };

  it('absent or null inherits everything', () => {
    expect(parse(undefined)).toEqual([{}, []]);
    expect(parse(null)).toEqual([{}, []]);
  });

  it('takes known fields, null for unlimited, fractions only for max_storage_gb, and freezes the result', () => {
    const [result, problems] = parse({ max_api_keys: 5, rate_limit_per_minute: null, max_storage_gb: 0.25 });
    expect(problems).toEqual([]);
    expect(result).toEqual({ max_api_keys: 5, rate_limit_per_minute: null, max_storage_gb: 0.25 });
    expect(Object.isFrozen(result)).toBe(true);
  });

  it.each([
    [5, ['rate_limits: must be an object, got 5']],
    [[1], ['rate_limits: must be an object, got a list']],
    [{ speed: 1 }, [`rate_limits.speed: unknown limit (known: ${LIMIT_FIELDS.join(', ')})`]],
    [{ max_api_keys: 1.5 }, [`rate_limits.max_api_keys: ${NOT_WHOLE}, got 1.5`]],
    [{ max_storage_gb: -1 }, ['rate_limits.max_storage_gb: must be a non-negative number or null, got -1']],
  ])('%j is refused with %j and leaves the bad field out', (input, expected) => {
    const [result, problems] = parse(input);
    expect(problems).toEqual(expected);
    expect(result).toStrictEqual({});
  });

  it('keeps the good fields next to a bad one', () => {
    expect(parse({ max_api_keys: 2, speed: 1, rate_limit_per_minute: -1 })[0]).toStrictEqual({ max_api_keys: 2 });
  });
});

describe('configInvalid', () => {
  it('is a CONFIG_INVALID error listing each problem on its own line, the list in its details', () => {
    const error = configInvalid('plans.yaml', ['a: bad', 'b: worse']);
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toBe('plans.yaml is invalid:\n  - a: bad\n  - b: worse');
    expect(error.details).toEqual({ problems: ['a: bad', 'b: worse'] });
  });
});
