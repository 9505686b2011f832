import { TollgateError } from '../core/errors.js';
import type { KeyLimits } from '../core/key-limits.js';
import { limitsRaisedAbove, organizationCeilings, spendingCeilingProblems } from '../core/limit-narrowing.js';
import { nameProblem } from '../core/names.js';
import { BILLED_CEILING_FIELDS, parseLimitOverrides, type LimitOverrides, type Plans } from '../core/plans.js';
import { INTERACTION_TYPES, type InteractionType } from '../core/catalogue.js';
import type { Clock } from '../core/ports.js';
import {
  ENFORCEMENT_MODES,
  ENVIRONMENT_TYPES,
  NO_CAP,
  PERMISSIONS,
  SUBSCRIPTION_STATUSES,
  type ApiKey,
  type ApiKeyCap,
  type Enforcement,
  type EnvironmentType,
  type Namespace,
  type Organization,
  type Permission,
  type Subscription,
  type SubscriptionStatus,
} from '../core/tenants.js';
import type { TenantDirectory } from '../stores/contract/index.js';
import { generateApiKey, hashApiKey } from './api-key-secret.js';
import { newId } from './random-id.js';

export interface SubscriptionInput {
  readonly status?: SubscriptionStatus;
  readonly meteredBilling?: boolean;
  readonly trialEndsAt?: number | null;
  readonly billingCustomerId?: string | null;
  readonly billingAnchorDay?: number | null;
  readonly enforcement?: Enforcement | null;
}

export interface OrganizationInput {
  readonly name: string;
  readonly planTier?: string;
  readonly subscription?: SubscriptionInput;
  readonly rateLimits?: unknown;
  readonly companyId?: string | null;
  readonly ownerName?: string;
  readonly ownerEmail?: string | null;
}

export interface OrganizationUpdate {
  readonly name?: string;
  readonly planTier?: string;
  readonly subscription?: SubscriptionInput;
  readonly rateLimits?: unknown;
}

export interface NamespaceInput {
  readonly name: string;
  readonly environmentType?: string;
  readonly isActive?: boolean;
  readonly rateLimits?: unknown;
}

export interface ApiKeyInput {
  readonly name: string;
  readonly permissions?: readonly string[];
  /** A number caps mini interactions; an object caps each type. */
  readonly monthlyCap?: number | { mini?: number | null; premium?: number | null } | null;
  readonly expiresAt?: number | null;
  /** The user the key belongs to; defaults to the organization's owner. */
  readonly userId?: string | null;
}

export interface IssuedApiKey {
  readonly apiKey: ApiKey;
  /** The whole key, to be shown once. */
  readonly key: string;
}

export type Tenancy = ReturnType<typeof createTenancy>;

/** Organizations, namespaces and keys: validation of the domain rules around the directory. */
export function createTenancy(deps: { directory: TenantDirectory; plans: Plans; keySecret: string; clock: Clock }) {
  const { directory, plans, clock } = deps;

  const invalid = (problems: string[]) =>
    new TollgateError('VALIDATION_FAILED', { message: problems.join('; '), details: { problems } });

  const checkName = (name: string, problems: string[]) => {
    const problem = nameProblem(name);
    if (problem) problems.push(`name: ${problem}`);
  };

  const checkTier = (tier: string, problems: string[]) => {
    if (!plans.tiers.has(tier)) problems.push(`plan_tier: unknown tier "${tier}" (known: ${[...plans.tiers.keys()].join(', ')})`);
  };

  const checkSubscription = (input: SubscriptionInput | undefined, problems: string[]) => {
    if (!input) return;
    if (input.status !== undefined && !SUBSCRIPTION_STATUSES.includes(input.status)) {
      problems.push(`subscription.status: must be one of ${SUBSCRIPTION_STATUSES.join(', ')}`);
    }
    if (input.enforcement !== undefined && input.enforcement !== null && !ENFORCEMENT_MODES.includes(input.enforcement)) {
      problems.push(`subscription.enforcement: must be one of ${ENFORCEMENT_MODES.join(', ')}, or null for the deployment's`);
    }
    const day = input.billingAnchorDay;
    if (day !== undefined && day !== null && (!Number.isInteger(day) || day < 1 || day > 31)) {
      problems.push('subscription.billing_anchor_day: must be a day of the month, 1 to 31');
    }
  };

  const overrides = (input: unknown, path: string, problems: string[]): LimitOverrides | undefined =>
    input === undefined ? undefined : parseLimitOverrides(input, path, problems);

  /** A namespace's overrides may only narrow what its organization's plan and overrides allow. */
  const checkNarrowing = (org: Organization, namespaceOverrides: LimitOverrides | undefined) => {
    if (!namespaceOverrides) return;
    const problems = [
      ...limitsRaisedAbove(organizationCeilings(plans, org.subscription, org.rateLimits), namespaceOverrides, 'rate_limits'),
      ...spendingCeilingProblems(plans, org.subscription, namespaceOverrides, 'rate_limits', true),
    ];
    if (problems.length) throw invalid(problems);
  };

  const getOrganization = async (id: string): Promise<Organization> => {
    const org = await directory.getOrganization(id);
    if (!org) throw new TollgateError('NOT_FOUND', { message: `No organization with id "${id}".`, details: { organization_id: id } });
    return org;
  };

  const getNamespace = async (id: string): Promise<Namespace> => {
    const ns = await directory.getNamespace(id);
    if (!ns) throw new TollgateError('NOT_FOUND', { message: `No namespace with id "${id}".`, details: { namespace_id: id } });
    return ns;
  };

  const issue = async (org: Organization, namespace: Namespace | null, input: ApiKeyInput, parent: ApiKey | null = null): Promise<IssuedApiKey> => {
    const problems: string[] = [];
    checkName(input.name, problems);
    const permissions = (input.permissions ?? parent?.permissions ?? PERMISSIONS) as readonly string[];
    for (const p of permissions) if (!(PERMISSIONS as readonly string[]).includes(p)) problems.push(`permissions: unknown permission "${p}" (known: ${PERMISSIONS.join(', ')})`);
    if (permissions.length === 0) problems.push('permissions: a key needs at least one permission');
    const cap = input.monthlyCap === undefined && parent ? parent.monthlyCap : toCap(input.monthlyCap, problems);
    const expiresAt = input.expiresAt === undefined && parent ? parent.expiresAt : (input.expiresAt ?? null);
    if (expiresAt !== null && expiresAt <= clock.now()) problems.push('expires_at: must be in the future');
    if (parent) problems.push(...strongerThanParent(parent, { permissions, monthlyCap: cap, expiresAt }));
    if (problems.length) throw invalid(problems);
    const generated = generateApiKey();
    // max_api_keys: the organization's (override, else its tier's), and the namespace's own override.
    const limits: KeyLimits = {
      organization: organizationCeilings(plans, org.subscription, org.rateLimits).max_api_keys,
      namespace: namespace?.rateLimits.max_api_keys ?? null,
    };
    const apiKey = await directory.createApiKey({
      id: newId('key'),
      kind: namespace ? 'namespace' : 'organization',
      organizationId: org.id,
      namespaceId: namespace?.id ?? null,
      userId: input.userId ?? org.ownerUserId,
      name: input.name,
      prefix: generated.prefix,
      hash: hashApiKey(deps.keySecret, generated.key),
      permissions: [...new Set(permissions)] as Permission[],
      monthlyCap: cap,
      parentKeyId: parent?.id ?? null,
      createdAt: clock.now(),
      expiresAt,
    }, limits);
    return { apiKey, key: generated.key };
  };

  return {
    async createOrganization(input: OrganizationInput): Promise<Organization> {
      const problems: string[] = [];
      checkName(input.name, problems);
      const tier = input.planTier ?? 'developer';
      checkTier(tier, problems);
      checkSubscription(input.subscription, problems);
      const rateLimits = overrides(input.rateLimits, 'rate_limits', problems) ?? {};
      if (problems.length) throw invalid(problems);
      const now = clock.now();
      const s = input.subscription ?? {};
      const subscription: Subscription = {
        id: newId('sub'),
        tier,
        status: s.status ?? 'active',
        trialEndsAt: s.trialEndsAt ?? null,
        meteredBilling: s.meteredBilling ?? false,
        billingCustomerId: s.billingCustomerId ?? null,
        billingAnchorDay: s.billingAnchorDay ?? null,
        enforcement: s.enforcement ?? null,
      };
      const ceilingProblems = spendingCeilingProblems(plans, subscription, rateLimits, 'rate_limits');
      if (ceilingProblems.length) throw invalid(ceilingProblems);
      return directory.createOrganization({
        id: newId('org'),
        name: input.name,
        subscription,
        rateLimits,
        companyId: input.companyId ?? null,
        createdAt: now,
        workspace: { id: newId('ws'), name: input.name },
        owner: { id: newId('usr'), name: input.ownerName ?? `${input.name} owner`, email: input.ownerEmail ?? null },
      });
    },

    getOrganization,
    listOrganizations: (page: { offset: number; limit: number }) => directory.listOrganizations(page),

    async updateOrganization(id: string, update: OrganizationUpdate): Promise<Organization> {
      const problems: string[] = [];
      if (update.name !== undefined) checkName(update.name, problems);
      if (update.planTier !== undefined) checkTier(update.planTier, problems);
      checkSubscription(update.subscription, problems);
      const rateLimits = overrides(update.rateLimits, 'rate_limits', problems);
      if (problems.length) throw invalid(problems);
      const current = await getOrganization(id);
      const subscription: Partial<Omit<Subscription, 'id'>> = {
        ...(update.planTier !== undefined ? { tier: update.planTier } : {}),
        ...definedOnly(update.subscription ?? {}),
      };
      const ceilingProblems = spendingCeilingProblems(plans, { ...current.subscription, ...subscription }, rateLimits ?? current.rateLimits, 'rate_limits');
      if (ceilingProblems.length) throw invalid(ceilingProblems);
      return directory.updateOrganization(id, {
        ...(update.name !== undefined ? { name: update.name } : {}),
        ...(Object.keys(subscription).length ? { subscription } : {}),
        ...(rateLimits !== undefined ? { rateLimits } : {}),
      });
    },

    /**
     * The organization's own spending ceiling under metered billing (null removes it): at or above
     * what its plan includes, and never above a ceiling its tier sets: a customer only narrows.
     */
    async setSpendingCeiling(id: string, ceiling: Partial<Record<InteractionType, number | null>>): Promise<Organization> {
      const org = await getOrganization(id);
      if (!org.subscription.meteredBilling) {
        throw invalid(['the organization is not on metered billing: its monthly limits are already hard limits, with nothing billed above them']);
      }
      const tier = plans.tiers.get(org.subscription.status === 'trialing' ? plans.trialTier : org.subscription.tier);
      const next: Record<string, number | null> = { ...org.rateLimits };
      const problems: string[] = [];
      for (const type of INTERACTION_TYPES) {
        const value = ceiling[type];
        if (value === undefined) continue;
        const field = BILLED_CEILING_FIELDS[type];
        const planCeiling = tier?.[field] ?? null;
        if (value === null) delete next[field];
        else if (planCeiling !== null && value > planCeiling) problems.push(`${type}: ${value} is above the plan's spending ceiling of ${planCeiling}; a customer may only lower it`);
        else next[field] = value;
      }
      problems.push(...spendingCeilingProblems(plans, org.subscription, next, 'ceiling'));
      if (problems.length) throw invalid(problems);
      return directory.updateOrganization(id, { rateLimits: Object.freeze(next) });
    },

    async createNamespace(organizationId: string, input: NamespaceInput): Promise<Namespace> {
      const problems: string[] = [];
      checkName(input.name, problems);
      const environmentType = checkEnvironment(input.environmentType, problems);
      const rateLimits = overrides(input.rateLimits, 'rate_limits', problems) ?? {};
      if (problems.length) throw invalid(problems);
      checkNarrowing(await getOrganization(organizationId), rateLimits);
      return directory.createNamespace({
        id: newId('ns'),
        organizationId,
        name: input.name,
        environmentType: environmentType ?? 'production',
        isActive: input.isActive ?? true,
        rateLimits,
        createdAt: clock.now(),
      });
    },

    getNamespace,
    listNamespaces: (organizationId: string, page: { offset: number; limit: number }) => directory.listNamespaces(organizationId, page),

    async updateNamespace(id: string, input: Partial<NamespaceInput>): Promise<Namespace> {
      const problems: string[] = [];
      if (input.name !== undefined) checkName(input.name, problems);
      const environmentType = checkEnvironment(input.environmentType, problems);
      const rateLimits = overrides(input.rateLimits, 'rate_limits', problems);
      if (problems.length) throw invalid(problems);
      const namespace = await getNamespace(id);
      checkNarrowing(await getOrganization(namespace.organizationId), rateLimits);
      return directory.updateNamespace(id, {
        ...(input.name !== undefined ? { name: input.name } : {}),
        ...(environmentType !== undefined ? { environmentType } : {}),
        ...(input.isActive !== undefined ? { isActive: input.isActive } : {}),
        ...(rateLimits !== undefined ? { rateLimits } : {}),
      });
    },

    async deleteNamespace(id: string): Promise<void> {
      await getNamespace(id);
      await directory.deleteNamespace(id, clock.now());
    },

    /** With `parent`, the key that mints it: the new key is never stronger than that one. */
    async issueNamespaceKey(namespaceId: string, input: ApiKeyInput, parent: ApiKey | null = null): Promise<IssuedApiKey> {
      const namespace = await getNamespace(namespaceId);
      return issue(await getOrganization(namespace.organizationId), namespace, input, parent);
    },

    async issueOrganizationKey(organizationId: string, input: ApiKeyInput): Promise<IssuedApiKey> {
      return issue(await getOrganization(organizationId), null, input);
    },

    async revokeApiKey(id: string): Promise<ApiKey> {
      const key = await directory.revokeApiKey(id, clock.now());
      if (!key) throw new TollgateError('NOT_FOUND', { message: `No API key with id "${id}".`, details: { api_key_id: id } });
      return key;
    },

    getApiKey: (id: string) => directory.getApiKey(id),
    listApiKeys: (filter: { organizationId: string; namespaceId?: string }) => directory.listApiKeys(filter),
  };
}

/**
 * A key minted by another key is never stronger than it: its permissions a subset, its monthly cap
 * no larger (per type, where the parent has one), its expiry no later (where the parent has one).
 */
function strongerThanParent(parent: ApiKey, child: { permissions: readonly string[]; monthlyCap: ApiKeyCap; expiresAt: number | null }): string[] {
  const problems: string[] = [];
  const extra = child.permissions.filter((p) => !(parent.permissions as readonly string[]).includes(p));
  if (extra.length) problems.push(`permissions: ${extra.join(', ')} not held by the key making it (it has ${parent.permissions.join(', ')})`);
  for (const type of ['mini', 'premium'] as const) {
    const limit = parent.monthlyCap[type];
    const asked = child.monthlyCap[type];
    if (limit !== null && (asked === null || asked > limit)) problems.push(`monthly_cap.${type}: at most ${limit}, the cap of the key making it`);
  }
  if (parent.expiresAt !== null && (child.expiresAt === null || child.expiresAt > parent.expiresAt)) {
    problems.push(`expires_at: no later than ${new Date(parent.expiresAt).toISOString()}, when the key making it expires`);
  }
  return problems;
}

function checkEnvironment(value: string | undefined, problems: string[]): EnvironmentType | undefined {
  if (value === undefined) return undefined;
  if ((ENVIRONMENT_TYPES as readonly string[]).includes(value)) return value as EnvironmentType;
  problems.push(`environment_type: must be one of ${ENVIRONMENT_TYPES.join(', ')}`);
  return undefined;
}

function toCap(input: ApiKeyInput['monthlyCap'], problems: string[]): ApiKeyCap {
  if (input === undefined || input === null) return NO_CAP;
  const check = (value: unknown, path: string): number | null => {
    if (value === undefined || value === null) return null;
    if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
    problems.push(`${path}: must be a non-negative whole number or null`);
    return null;
  };
  if (typeof input === 'number') return { mini: check(input, 'monthly_cap'), premium: null };
  return { mini: check(input.mini, 'monthly_cap.mini'), premium: check(input.premium, 'monthly_cap.premium') };
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
