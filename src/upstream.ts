/**
 * For the upstream API behind Tollgate's gateway (package entry "tollgate/upstream"): checking the
 * signed identity headers of a forwarded call, with nothing else of Tollgate loaded (no store, no driver).
 */
export {
  verifyIdentity,
  IDENTITY_HEADER_PREFIX,
  ORGANIZATION_HEADER,
  NAMESPACE_HEADER,
  API_KEY_ID_HEADER,
  USER_HEADER,
  CHARGE_ID_HEADER,
  TIMESTAMP_HEADER,
  SIGNATURE_HEADER,
} from './gateway/identity-signature.js';
export type { IdentityHeaderSource, IdentityRefusal, UpstreamIdentity, VerifiedIdentity, VerifyIdentityOptions, VerifyIdentityRequest } from './gateway/identity-signature.js';
