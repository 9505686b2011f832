/** Request schemas of the operator's API (/admin), every field bounded. */
import { Type } from 'typebox';
import { ReportQuery } from './usage-schemas.js';
import { ENFORCEMENT_MODES, SUBSCRIPTION_STATUSES } from '../../core/tenants.js';
import { COUNT_MAX, Environment, Id, Name, Offset, PageSize, Permissions, RateLimits } from './common-schemas.js';
import { NullableInteger, NullableString } from './nullable.js';

export const IdParams = Type.Object({ id: Id });
const Text = Type.String({ minLength: 1, maxLength: 200 });
const NullableText = NullableString({ maxLength: 200 });
const DateTime = NullableString({ format: 'date-time', maxLength: 64 });
const Cap = NullableInteger({ minimum: 0, maximum: COUNT_MAX });

const Subscription = Type.Object(
  {
    status: Type.Optional(Type.Union(SUBSCRIPTION_STATUSES.map((s) => Type.Literal(s)))),
    metered_billing: Type.Optional(Type.Boolean()),
    trial_ends_at: Type.Optional(DateTime),
    billing_customer_id: Type.Optional(NullableText),
    billing_anchor_day: Type.Optional(NullableInteger({ minimum: 1, maximum: 31 })),
    enforcement: Type.Optional(Type.Union([...ENFORCEMENT_MODES.map((m) => Type.Literal(m)), Type.Null()], { description: "enforce or observe monthly limits; null: the deployment's setting" })),
  },
  { additionalProperties: false },
);

export const KeyBody = Type.Object(
  {
    name: Name,
    permissions: Type.Optional(Permissions),
    monthly_cap: Type.Optional(Type.Union([Type.Object({ mini: Type.Optional(Cap), premium: Type.Optional(Cap) }, { additionalProperties: false }), Cap])),
    expires_at: Type.Optional(DateTime),
  },
  { additionalProperties: false },
);

export const PageQuery = Type.Object({ limit: Type.Optional(PageSize), offset: Type.Optional(Offset) });

export const CreateOrganizationBody = Type.Object(
  { name: Name, plan_tier: Type.Optional(Text), subscription: Type.Optional(Subscription), rate_limits: Type.Optional(RateLimits), company_id: Type.Optional(NullableText) },
  { additionalProperties: false },
);

export const UpdateOrganizationBody = Type.Object(
  { name: Type.Optional(Name), plan_tier: Type.Optional(Text), subscription: Type.Optional(Subscription), rate_limits: Type.Optional(RateLimits) },
  { additionalProperties: false },
);

export const CreateNamespaceBody = Type.Object(
  { name: Name, environment_type: Type.Optional(Environment), rate_limits: Type.Optional(RateLimits), is_active: Type.Optional(Type.Boolean()) },
  { additionalProperties: false },
);

export const UpdateNamespaceBody = Type.Object(
  { name: Type.Optional(Name), environment_type: Type.Optional(Environment), rate_limits: Type.Optional(RateLimits), is_active: Type.Optional(Type.Boolean()) },
  { additionalProperties: false },
);

export const UsageQuery = Type.Object(ReportQuery);
