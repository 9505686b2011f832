/**
 * Request schemas of the memory routes, as the Papr v1 API and its client @papr/memory 2.8.0 send
 * them. Fields Tollgate does not act on are declared where the client types them and otherwise
 * let through (additional properties are kept, never a 400 or a 500).
 */
import { Type } from 'typebox';

const Nullable = <T extends ReturnType<typeof Type.String>>(schema: T) => Type.Union([schema, Type.Null()]);
const Json = Type.Unknown();
const JsonObject = Type.Record(Type.String(), Type.Unknown());

export const MEMORY_TYPES = ['text', 'code_snippet', 'document'] as const;

export const ContextItem = Type.Object({ content: Type.String(), role: Type.Union([Type.Literal('user'), Type.Literal('assistant')]) });

/** Fields of AddMemory beyond content/type/metadata/external_user_id: stored, not acted on. */
const AddMemoryPassThrough = {
  context: Type.Optional(Type.Union([Type.Array(ContextItem), Type.Null()])),
  graph_generation: Type.Optional(Json),
  link_to: Type.Optional(Json),
  memory_policy: Type.Optional(Json),
  policy: Type.Optional(Json),
  relationships_json: Type.Optional(Json),
  namespace_id: Type.Optional(Nullable(Type.String())),
  organization_id: Type.Optional(Nullable(Type.String())),
  user_id: Type.Optional(Nullable(Type.String())),
};

export const AddMemoryBody = Type.Object(
  {
    content: Type.String({ minLength: 1 }),
    type: Type.Optional(Type.Union(MEMORY_TYPES.map((t) => Type.Literal(t)))),
    metadata: Type.Optional(Type.Union([JsonObject, Type.Null()])),
    external_user_id: Type.Optional(Nullable(Type.String())),
    ...AddMemoryPassThrough,
  },
  { additionalProperties: true },
);

export const AddMemoryQuery = Type.Object(
  {
    format: Type.Optional(Nullable(Type.String())),
    skip_background_processing: Type.Optional(Type.Boolean()),
    webhook_url: Type.Optional(Nullable(Type.String())),
    webhook_secret: Type.Optional(Nullable(Type.String())),
  },
  { additionalProperties: true },
);

export const AddBatchBody = Type.Object(
  {
    // The bounds are the catalogue's (configurable), checked by the meter with a clear error.
    memories: Type.Array(AddMemoryBody),
    external_user_id: Type.Optional(Nullable(Type.String())),
    batch_size: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.Null()])),
    ...AddMemoryPassThrough,
  },
  { additionalProperties: true },
);

export const UpdateMemoryBody = Type.Object(
  {
    content: Type.Optional(Type.Union([Type.String({ minLength: 1 }), Type.Null()])),
    type: Type.Optional(Type.Union([...MEMORY_TYPES.map((t) => Type.Literal(t)), Type.Null()])),
    metadata: Type.Optional(Type.Union([JsonObject, Type.Null()])),
    ...AddMemoryPassThrough,
  },
  { additionalProperties: true },
);

export const SearchBody = Type.Object(
  {
    query: Type.String({ minLength: 1 }),
    rank_results: Type.Optional(Type.Boolean()),
    enable_agentic_graph: Type.Optional(Type.Boolean()),
    external_user_id: Type.Optional(Nullable(Type.String())),
    metadata: Type.Optional(Type.Union([JsonObject, Type.Null()])),
    namespace_id: Type.Optional(Nullable(Type.String())),
    organization_id: Type.Optional(Nullable(Type.String())),
    user_id: Type.Optional(Nullable(Type.String())),
  },
  { additionalProperties: true },
);

export const SearchQuery = Type.Object(
  {
    max_memories: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    max_nodes: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })),
    response_format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('toon')])),
  },
  { additionalProperties: true },
);

export const DeleteAllQuery = Type.Object(
  {
    external_user_id: Type.Optional(Type.String()),
    namespace_id: Type.Optional(Type.String()),
    user_id: Type.Optional(Type.String()),
    skip_parse: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: true },
);

export const MemoryIdParams = Type.Object({ memory_id: Type.String({ minLength: 1, maxLength: 200 }) });
