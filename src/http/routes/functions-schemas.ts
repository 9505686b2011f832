/** Request bodies of the Parse-style functions (/functions/…), every field bounded. */
import { Type } from 'typebox';
import { Id } from './common-schemas.js';

const Period = { month: Type.Integer({ minimum: 1, maximum: 12 }), year: Type.Integer({ minimum: 1970, maximum: 9999 }) };

export const OrganizationInteractionsBody = Type.Object({ organizationId: Id, ...Period });
export const NamespaceInteractionsBody = Type.Object({ namespaceId: Id, ...Period });
export const ApiKeyInteractionsBody = Type.Object({ apiKeyId: Id, ...Period });
