/**
 * Request schemas of the memory routes, as the Papr v1 API and its client @papr/memory 2.8.0 send
 * them. Fields Tollgate does not act on are declared with the shape the client types them (bounded,
 * extra fields kept) and otherwise let through: additional properties are kept, never a 400 or a 500.
 */
import { Type } from 'typebox';
import { FreeObject, Id, List, LongText, OpenObject, OrNull, ShortText } from './common-schemas.js';
import { SEARCH_PAGE } from './search-page.js';

export const MEMORY_TYPES = ['text', 'code_snippet', 'document'] as const;

const NullableShort = OrNull(ShortText);
const Strings = OrNull(List(ShortText));

export const ContextItem = Type.Object({ content: LongText, role: Type.Union([Type.Literal('user'), Type.Literal('assistant')]) });

/** MemoryMetadata of @papr/memory: the fields it types, any others kept. */
const STRING_FIELDS = [
  'category', 'consent', 'conversationId', 'createdAt', 'external_user_id', 'location', 'namespace_id', 'organization_id', 'pageId',
  'risk', 'role', 'sessionId', 'sourceType', 'sourceUrl', 'upload_id', 'user_id', 'workspace_id',
] as const;
const TEXT_FIELDS = ['assistantMessage', 'userMessage', 'post'] as const;
const STRING_LIST_FIELDS = [
  'emoji tags', 'emotion tags', 'external_user_read_access', 'external_user_write_access', 'namespace_read_access', 'namespace_write_access',
  'organization_read_access', 'organization_write_access', 'relatedGoals', 'relatedSteps', 'relatedUseCases', 'role_read_access',
  'role_write_access', 'topics', 'user_read_access', 'user_write_access', 'workspace_read_access', 'workspace_write_access',
] as const;
const SCORE_FIELDS = ['goalClassificationScores', 'stepClassificationScores', 'useCaseClassificationScores'] as const;

export const MemoryMetadata = OpenObject({
  ...Object.fromEntries(STRING_FIELDS.map((f) => [f, Type.Optional(NullableShort)])),
  ...Object.fromEntries(TEXT_FIELDS.map((f) => [f, Type.Optional(OrNull(LongText))])),
  ...Object.fromEntries(STRING_LIST_FIELDS.map((f) => [f, Type.Optional(Strings)])),
  ...Object.fromEntries(SCORE_FIELDS.map((f) => [f, Type.Optional(OrNull(List(Type.Number())))])),
  acl: Type.Optional(OrNull(Type.Record(Type.String(), List(ShortText), { maxProperties: 1_000 }))),
  customMetadata: Type.Optional(OrNull(Type.Record(Type.String(), Type.Union([ShortText, Type.Number(), Type.Boolean(), List(ShortText)]), { maxProperties: 1_000 }))),
  hierarchical_structures: Type.Optional(Type.Union([ShortText, List(Type.Unknown()), Type.Null()])),
});

/** MemoryPolicy / MemoryAddPolicy of @papr/memory: the top-level fields, their insides kept as sent. */
const MemoryPolicy = OpenObject({
  mode: Type.Optional(NullableShort),
  consent: Type.Optional(NullableShort),
  risk: Type.Optional(NullableShort),
  schema_id: Type.Optional(NullableShort),
  acl: Type.Optional(OrNull(FreeObject)),
  graph: Type.Optional(OrNull(FreeObject)),
  transform_embedding: Type.Optional(OrNull(FreeObject)),
  node_constraints: Type.Optional(OrNull(List(FreeObject))),
  edge_constraints: Type.Optional(OrNull(List(FreeObject))),
  nodes: Type.Optional(OrNull(List(FreeObject))),
  relationships: Type.Optional(OrNull(List(FreeObject))),
});

/** GraphGeneration of @papr/memory (deprecated there, still sent). */
const GraphGeneration = OpenObject({
  mode: Type.Optional(NullableShort),
  auto: Type.Optional(OrNull(OpenObject({ schema_id: Type.Optional(NullableShort), property_overrides: Type.Optional(OrNull(List(FreeObject))) }))),
  manual: Type.Optional(OrNull(OpenObject({ nodes: Type.Optional(List(FreeObject)), relationships: Type.Optional(List(FreeObject)) }))),
});

/** RelationshipItem of @papr/memory. */
const RelationshipItem = OpenObject({
  relation_type: ShortText,
  metadata: Type.Optional(FreeObject),
  related_item_id: Type.Optional(NullableShort),
  related_item_type: Type.Optional(NullableShort),
  relationship_type: Type.Optional(NullableShort),
});

/** Fields of AddMemory beyond content/type/metadata/external_user_id: stored, not acted on. */
const AddMemoryPassThrough = {
  context: Type.Optional(OrNull(List(ContextItem))),
  graph_generation: Type.Optional(OrNull(GraphGeneration)),
  link_to: Type.Optional(Type.Union([ShortText, List(ShortText), FreeObject, Type.Null()])),
  memory_policy: Type.Optional(OrNull(MemoryPolicy)),
  policy: Type.Optional(OrNull(MemoryPolicy)),
  relationships_json: Type.Optional(OrNull(List(RelationshipItem))),
  namespace_id: Type.Optional(NullableShort),
  organization_id: Type.Optional(NullableShort),
  user_id: Type.Optional(NullableShort),
};

export const AddMemoryBody = OpenObject({
  // Its size limit is the memory service's (413 CONTENT_TOO_LARGE, checked before validation).
  content: Type.String({ minLength: 1 }),
  type: Type.Optional(Type.Union(MEMORY_TYPES.map((t) => Type.Literal(t)))),
  metadata: Type.Optional(OrNull(MemoryMetadata)),
  external_user_id: Type.Optional(NullableShort),
  ...AddMemoryPassThrough,
});

export const AddMemoryQuery = OpenObject({
  format: Type.Optional(NullableShort),
  skip_background_processing: Type.Optional(Type.Boolean()),
  webhook_url: Type.Optional(NullableShort),
  webhook_secret: Type.Optional(NullableShort),
});

export const AddBatchBody = OpenObject({
  // The bounds that price a batch are the catalogue's (configurable, 50 by default), checked by the
  // meter with a clear error; this one only keeps an absurd batch from being read at all.
  memories: Type.Array(AddMemoryBody, { maxItems: 1_000 }),
  external_user_id: Type.Optional(NullableShort),
  batch_size: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 1_000 }), Type.Null()])),
  ...AddMemoryPassThrough,
});

export const UpdateMemoryBody = OpenObject({
  content: Type.Optional(Type.Union([Type.String({ minLength: 1 }), Type.Null()])),
  type: Type.Optional(Type.Union([...MEMORY_TYPES.map((t) => Type.Literal(t)), Type.Null()])),
  metadata: Type.Optional(OrNull(MemoryMetadata)),
  ...AddMemoryPassThrough,
});

export const SearchBody = OpenObject({
  query: Type.String({ minLength: 1, maxLength: 10_000 }),
  rank_results: Type.Optional(Type.Boolean()),
  enable_agentic_graph: Type.Optional(Type.Boolean()),
  external_user_id: Type.Optional(NullableShort),
  metadata: Type.Optional(OrNull(FreeObject)),
  namespace_id: Type.Optional(NullableShort),
  organization_id: Type.Optional(NullableShort),
  user_id: Type.Optional(NullableShort),
  cursor: Type.Optional(
    OrNull(Type.String({ minLength: 1, maxLength: 200, description: 'next_cursor of the previous page: continues the same search (same query, external_user_id and namespace).' })),
  ),
});

export const SearchQuery = OpenObject({
  max_memories: Type.Optional(
    Type.Integer({ minimum: 1, maximum: SEARCH_PAGE.maxSize, description: `Memories per page (${SEARCH_PAGE.defaultSize} by default); a page also stops at ${SEARCH_PAGE.maxBytes} bytes.` }),
  ),
  max_nodes: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })),
  response_format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('toon')])),
});

export const DeleteAllQuery = OpenObject({
  external_user_id: Type.Optional(ShortText),
  namespace_id: Type.Optional(ShortText),
  user_id: Type.Optional(ShortText),
  skip_parse: Type.Optional(Type.Boolean()),
});

export const MemoryIdParams = Type.Object({ memory_id: Id });
