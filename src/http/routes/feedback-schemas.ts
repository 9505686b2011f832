/** Request schemas of /v1/feedback, as @papr/memory 2.8.0 types them, every field bounded. */
import { Type } from 'typebox';
import { FreeObject, Id, List, LongText, OpenObject, OrNull, ShortText } from './common-schemas.js';

const FEEDBACK_SOURCES = ['inline', 'post_query', 'session_end', 'memory_citation', 'answer_panel'] as const;
const FEEDBACK_TYPES = ['thumbs_up', 'thumbs_down', 'rating', 'correction', 'report', 'copy_action', 'save_action', 'create_document', 'memory_relevance', 'answer_quality'] as const;

const ParsePointer = OpenObject({ className: ShortText, objectId: ShortText, __type: Type.Optional(ShortText) });

export const FeedbackData = OpenObject({
  feedbackSource: Type.Union(FEEDBACK_SOURCES.map((s) => Type.Literal(s))),
  feedbackType: Type.Union(FEEDBACK_TYPES.map((s) => Type.Literal(s))),
  assistantMessage: Type.Optional(OrNull(ParsePointer)),
  userMessage: Type.Optional(OrNull(ParsePointer)),
  citedMemoryIds: Type.Optional(OrNull(List(ShortText))),
  citedNodeIds: Type.Optional(OrNull(List(ShortText))),
  feedbackImpact: Type.Optional(OrNull(ShortText)),
  feedbackProcessed: Type.Optional(OrNull(Type.Boolean())),
  feedbackScore: Type.Optional(OrNull(Type.Number())),
  feedbackText: Type.Optional(OrNull(LongText)),
  feedbackValue: Type.Optional(OrNull(ShortText)),
});

export const FeedbackRequest = OpenObject({
  feedbackData: FeedbackData,
  search_id: Id,
  external_user_id: Type.Optional(OrNull(ShortText)),
});

export const FeedbackBatchBody = OpenObject({
  feedback_items: Type.Array(FeedbackRequest, { minItems: 1, maxItems: 100 }),
  session_context: Type.Optional(OrNull(FreeObject)),
});

export const FeedbackIdParams = Type.Object({ feedback_id: Id });
