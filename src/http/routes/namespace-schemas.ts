/** Request schemas of /v1/namespace (Papr v1), every field bounded. */
import { Type } from 'typebox';
import { Environment, Id, Name, Offset, OpenObject, PageSize, Permissions, RateLimits } from './common-schemas.js';

const NullableRateLimits = Type.Union([RateLimits, Type.Null()]);

export const NamespaceParams = Type.Object({ namespace_id: Id });

export const CreateNamespaceBody = OpenObject({
  name: Name,
  environment_type: Type.Optional(Environment),
  is_active: Type.Optional(Type.Boolean()),
  rate_limits: Type.Optional(NullableRateLimits),
});

export const ListNamespacesQuery = Type.Object({ limit: Type.Optional(PageSize), skip: Type.Optional(Offset) });

export const UpdateNamespaceBody = OpenObject({
  name: Type.Optional(Type.Union([Name, Type.Null()])),
  environment_type: Type.Optional(Type.Union([Environment, Type.Null()])),
  is_active: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
  rate_limits: Type.Optional(NullableRateLimits),
});

/** Papr's delete flags (delete_memories, …) are accepted and ignored. */
export const DeleteNamespaceQuery = OpenObject({});

export const CreateKeyBody = OpenObject({
  name: Name,
  environment: Type.Optional(Environment),
  permissions: Type.Optional(Permissions),
});
