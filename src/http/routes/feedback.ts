import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { memoryScopeOf } from './memory-scope.js';
import type { MemoryRouteOptions } from './memory.js';
import { FeedbackBatchBody, FeedbackIdParams, FeedbackRequest } from './feedback-schemas.js';

/**
 * Feedback on search results (Papr v1 /v1/feedback), kept in the caller's namespace like memories
 * (an organization key's default one) and taking storage like them. Submitting is free; reading it
 * back costs 1.
 */
export async function feedbackRoutes(parent: FastifyInstance, options: MemoryRouteOptions) {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const { memory } = options;
  const tags = ['feedback'];
  const scopeOf = (request: FastifyRequest) => memoryScopeOf(request, options.holdingLimits);

  app.post(
    '/feedback',
    {
      schema: { tags, summary: 'Submit feedback on a search', body: FeedbackRequest },
      config: { operation: 'submit_feedback_v1', needsNamespace: true },
      preValidation: async (request) => memory.checkFeedback((request.body as { feedbackData?: unknown } | undefined)?.feedbackData),
    },
    async (request) => {
      const { feedbackData, search_id, external_user_id } = request.body;
      const [record] = await memory.submitFeedback(scopeOf(request), [{ searchId: search_id, externalUserId: external_user_id ?? null, data: feedbackData }]);
      return { code: 200, status: 'success', message: 'Feedback recorded.', feedback_id: record!.id, error: null, details: null };
    },
  );

  app.post(
    '/feedback/batch',
    {
      schema: {
        tags,
        summary: 'Submit feedback on several searches',
        body: FeedbackBatchBody,
      },
      config: { operation: 'submit_batch_feedback_v1', needsNamespace: true },
      preValidation: async (request) => {
        const items = (request.body as { feedback_items?: unknown } | undefined)?.feedback_items;
        if (Array.isArray(items)) items.forEach((item, i) => memory.checkFeedback((item as { feedbackData?: unknown } | null)?.feedbackData, `feedback_items[${i}].feedbackData`));
      },
    },
    async (request) => {
      const records = await memory.submitFeedback(
        scopeOf(request),
        request.body.feedback_items.map((item) => ({ searchId: item.search_id, externalUserId: item.external_user_id ?? null, data: item.feedbackData })),
      );
      return {
        code: 200,
        status: 'success',
        message: `Recorded ${records.length} feedback items.`,
        feedback_ids: records.map((r) => r.id),
        successful_count: records.length,
        failed_count: 0,
        errors: [],
        error: null,
      };
    },
  );

  app.get(
    '/feedback/:feedback_id',
    {
      schema: { tags, summary: 'Get feedback by id', params: FeedbackIdParams },
      config: { operation: 'get_feedback_by_id_v1', needsNamespace: true },
    },
    async (request) => {
      const record = await memory.getFeedback(scopeOf(request), request.params.feedback_id);
      return {
        code: 200,
        status: 'success',
        message: 'Feedback found.',
        feedback_id: record.id,
        error: null,
        details: {
          search_id: record.searchId,
          namespace_id: record.namespaceId,
          external_user_id: record.externalUserId,
          feedbackData: record.data,
          createdAt: new Date(record.createdAt).toISOString(),
        },
      };
    },
  );
}
