/** Query of GET /v1/usage, every field bounded. */
import { Type } from 'typebox';
import { ID_MAX } from './common-schemas.js';

const OptionalId = Type.Optional(Type.String({ maxLength: ID_MAX }));

export const UsageQuery = Type.Object({
  month: Type.Optional(Type.String({ pattern: '^\\d{4}-\\d{2}$', description: 'YYYY-MM: the period starting in this month' })),
  organization_id: OptionalId,
  namespace_id: OptionalId,
  api_key_id: OptionalId,
});
