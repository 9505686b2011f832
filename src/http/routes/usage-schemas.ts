/** Query of GET /v1/usage, every field bounded. */
import { Type } from 'typebox';
import { ID_MAX, Offset, PageSize } from './common-schemas.js';

const OptionalId = Type.Optional(Type.String({ maxLength: ID_MAX }));

/** The query of a usage report, the same for GET /v1/usage and the admin's. */
export const ReportQuery = {
  month: Type.Optional(Type.String({ pattern: '^\\d{4}-\\d{2}$', description: 'YYYY-MM: the period starting in this month' })),
  namespace_id: OptionalId,
  api_key_id: OptionalId,
  limit: Type.Optional({ ...PageSize, description: 'Entries of each per-namespace and per-key list (namespaces, api_keys, by_namespace, by_api_key); 100 by default.' }),
  offset: Type.Optional({ ...Offset, description: 'Entries of each of those lists to skip.' }),
};

export const UsageQuery = Type.Object({ organization_id: OptionalId, ...ReportQuery });
