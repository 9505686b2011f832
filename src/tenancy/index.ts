export { apiKeyPrefix, generateApiKey, hashApiKey, verifyApiKey } from './api-key-secret.js';
export { newId, randomBase62 } from './random-id.js';
export { createAdminKeys } from './admin-key.js';
export type { AdminKeys } from './admin-key.js';
export { createTenancy } from './tenancy-service.js';
export type { ApiKeyInput, IssuedApiKey, NamespaceInput, OrganizationInput, OrganizationUpdate, SubscriptionInput, Tenancy } from './tenancy-service.js';
