export { apiKeyPrefix, generateApiKey, hashApiKey, verifyApiKey } from './api-key-secret.js';
export { newId, randomBase62 } from './random-id.js';
export { ADMIN_KEY_MIN_LENGTH, createAdminKeys } from './admin-key.js';
export type { AdminKeys } from './admin-key.js';
export { sharedStoreSecretWarning, verifyKeySecret } from './key-secret-verifier.js';
export type { KeySecretSource } from './key-secret-verifier.js';
export { createTenancy } from './tenancy-service.js';
export type { ApiKeyInput, IssuedApiKey, NamespaceInput, OrganizationInput, OrganizationUpdate, SubscriptionInput, Tenancy } from './tenancy-service.js';
