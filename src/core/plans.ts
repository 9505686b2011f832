import { TollgateError } from './errors.js';
import { describe, isRecord, readLimit, type Problems } from './validation.js';

/** The limit fields of a tier (DESIGN §3); null means unlimited. */
export const LIMIT_FIELDS = [
  'max_mini_interactions_per_month',
  'max_premium_interactions_per_month',
  'max_memory_operations_per_month',
  'max_storage_gb',
  'max_active_memories',
  'rate_limit_per_minute',
  'max_api_keys',
  // Under metered billing, the most an organization is billed for in a month (included + overage):
  // a spending ceiling. Null: none. Only organizations (and tiers) set it, never a namespace.
  'max_billed_mini_interactions_per_month',
  'max_billed_premium_interactions_per_month',
] as const;

/** The spending ceiling's field of each interaction type. */
export const BILLED_CEILING_FIELDS = { mini: 'max_billed_mini_interactions_per_month', premium: 'max_billed_premium_interactions_per_month' } as const;

export type LimitField = (typeof LIMIT_FIELDS)[number];
export type PlanLimits = Readonly<Record<LimitField, number | null>>;

/** Overrides an organization or namespace may carry; absent or null means "inherit". */
export type LimitOverrides = Readonly<Partial<Record<LimitField, number | null>>>;

export interface Plans {
  /** The tier a trialing subscription uses. */
  readonly trialTier: string;
  readonly tiers: ReadonlyMap<string, PlanLimits>;
}

const FRACTIONAL_FIELDS: ReadonlySet<LimitField> = new Set(['max_storage_gb']);
/**
 * Fields added after plans.yaml files were written: a tier without one gets this value, so that an
 * operator's existing file still loads and is bounded (write null for unlimited).
 */
const LATER_FIELDS: Readonly<Partial<Record<LimitField, number | null>>> = {
  max_api_keys: 1_000,
  max_billed_mini_interactions_per_month: null,
  max_billed_premium_interactions_per_month: null,
};

/**
 * Validates the parsed content of plans.yaml: `{ trial_tier?, tiers: { <tier>: { <field>: number | null } } }`.
 * Every problem is reported with the tier and field it concerns, in one CONFIG_INVALID error.
 */
export function parsePlans(input: unknown, source = 'plans'): Plans {
  const problems: Problems = [];
  const tiers = new Map<string, PlanLimits>();
  if (!isRecord(input) || !isRecord(input.tiers)) {
    throw configInvalid(source, [`${source}: must be an object with a "tiers" map, got ${describe(isRecord(input) ? input.tiers : input)}`]);
  }
  for (const [tier, body] of Object.entries(input.tiers)) {
    const path = `${source}.tiers.${tier}`;
    if (!/^[a-z][a-z0-9_]*$/.test(tier)) problems.push(`${path}: a tier name is lower_snake_case`);
    if (!isRecord(body)) {
      problems.push(`${path}: must be an object of limits, got ${describe(body)}`);
      continue;
    }
    for (const field of Object.keys(body)) {
      if (!(LIMIT_FIELDS as readonly string[]).includes(field)) problems.push(`${path}.${field}: unknown field (known: ${LIMIT_FIELDS.join(', ')})`);
    }
    const limits = {} as Record<LimitField, number | null>;
    for (const field of LIMIT_FIELDS) {
      if (!(field in body)) {
        const later = LATER_FIELDS[field];
        if (field in LATER_FIELDS) limits[field] = later ?? null;
        else problems.push(`${path}.${field}: missing (write null for unlimited)`);
        continue;
      }
      // undefined only with a problem reported, and then no tier is returned.
      limits[field] = readLimit(body[field], `${path}.${field}`, problems, FRACTIONAL_FIELDS.has(field)) as number | null;
    }
    tiers.set(tier, Object.freeze(limits));
  }
  const trialTier = input.trial_tier ?? 'free_trial';
  // Tier names are strings: a trial_tier of any other type is in no map.
  if (!(tiers as ReadonlyMap<unknown, PlanLimits>).has(trialTier)) {
    problems.push(`${source}.trial_tier: names the tier trialing subscriptions use and must be one of the tiers, got ${describe(trialTier)}`);
  }
  for (const key of Object.keys(input)) {
    if (key !== 'tiers' && key !== 'trial_tier') problems.push(`${source}.${key}: unknown field`);
  }
  if (problems.length > 0) throw configInvalid(source, problems);
  return Object.freeze({ trialTier: trialTier as string, tiers });
}

/** Validates overrides (organization or namespace `rate_limits`). */
export function parseLimitOverrides(input: unknown, path: string, problems: Problems): LimitOverrides {
  if (input === null || input === undefined) return {};
  if (!isRecord(input)) {
    problems.push(`${path}: must be an object, got ${describe(input)}`);
    return {};
  }
  const result: Partial<Record<LimitField, number | null>> = {};
  for (const [field, value] of Object.entries(input)) {
    if (!(LIMIT_FIELDS as readonly string[]).includes(field)) {
      problems.push(`${path}.${field}: unknown limit (known: ${LIMIT_FIELDS.join(', ')})`);
      continue;
    }
    const limit = readLimit(value, `${path}.${field}`, problems, FRACTIONAL_FIELDS.has(field as LimitField));
    if (limit !== undefined) result[field as LimitField] = limit;
  }
  return Object.freeze(result);
}

export function configInvalid(source: string, problems: Problems): TollgateError {
  return new TollgateError('CONFIG_INVALID', {
    message: `${source} is invalid:\n  - ${problems.join('\n  - ')}`,
    details: { problems },
  });
}
