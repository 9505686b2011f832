import { describe, expect, it } from 'vitest';
import { createCatalogue, DEFAULT_OPERATIONS } from '../../src/core/catalogue.js';
import { priceOperation } from '../../src/core/cost.js';

const catalogue = createCatalogue();

const EXPECTED_FIXED: Record<string, number> = {
  add_memory_v1: 4,
  update_memory_v1: 1,
  delete_memory_v1: 1,
  delete_all_memories_v1: 1,
  get_memory_v1: 1,
  submit_feedback_v1: 0,
  submit_batch_feedback_v1: 0,
  get_feedback_by_id_v1: 1,
  store_message: 1,
  get_session_history: 1,
  get_session_status: 1,
  process_session_messages: 1,
  create_user_schema_v1: 1,
  list_user_schemas_v1: 1,
  get_user_schema_v1: 1,
  update_user_schema_v1: 1,
  delete_user_schema_v1: 1,
  upload_document: 0,
  get_document_status: 0,
  cancel_document_processing: 0,
  get_sync_tiers: 3,
  get_sync_delta: 1,
  // The gateway's Papr routes (issue 14).
  get_memory_status_v1: 0,
  get_memory_batch_status_v1: 0,
  update_session_v1: 1,
  compress_session_v1: 1,
  create_user_v1: 1,
  create_user_batch_v1: 1,
  list_users_v1: 1,
  get_user_v1: 1,
  update_user_v1: 1,
  delete_user_v1: 1,
  rerank_documents_v1: 1,
  transform_documents_v1: 1,
  create_graph_domain_v1: 1,
  list_graph_domains_v1: 1,
  get_graph_domain_v1: 1,
  update_graph_domain_v1: 1,
  delete_graph_domain_v1: 1,
  graphql_query_v1: 1,
  export_memories_v1: 1,
  export_memories_json_v1: 1,
  import_memories_v1: 4,
  create_openai_chat_completion_v1: 4,
  create_openai_response_v1: 4,
  create_anthropic_message_v1: 4,
  generate_google_content_v1: 4,
  stream_google_content_v1: 4,
};

describe('operation prices', () => {
  it.each(Object.entries(EXPECTED_FIXED))('%s costs %i', (operation, cost) => {
    const price = priceOperation(catalogue, operation);
    expect(price).toEqual({ ok: true, value: { operation, type: 'mini', cost } });
  });

  it('covers every operation of the catalogue', () => {
    expect(new Set(catalogue.names())).toEqual(new Set([...Object.keys(EXPECTED_FIXED), 'add_memory_batch_v1', 'search_v1']));
    expect(Object.keys(DEFAULT_OPERATIONS)).toHaveLength(50);
  });

  it.each([1, 3, 50])('a batch of %i costs 4 per item', (items) => {
    const price = priceOperation(catalogue, 'add_memory_batch_v1', { itemCount: items });
    expect(price.ok && price.value.cost).toBe(4 * items);
  });

  it.each([0, 51, 2.5, undefined])('a batch of %s items is refused with a clear error', (items) => {
    const price = priceOperation(catalogue, 'add_memory_batch_v1', items === undefined ? {} : { itemCount: items });
    expect(price.ok).toBe(false);
    if (price.ok) return;
    expect(price.error.code).toBe('INVALID_BATCH_SIZE');
    expect(price.error.status).toBe(400);
    expect(price.error.message).toMatch(/between 1 and 50 items/);
  });

  it.each([
    [false, false, 1],
    [true, false, 2],
    [false, true, 2],
    [true, true, 3],
  ])('search with enable_agentic_graph=%s rank_results=%s costs %i', (graph, rank, cost) => {
    const price = priceOperation(catalogue, 'search_v1', { flags: { enable_agentic_graph: graph, rank_results: rank } });
    expect(price.ok && price.value.cost).toBe(cost);
  });

  it('an unknown operation is a typed error', () => {
    const price = priceOperation(catalogue, 'teleport_v1');
    expect(price.ok).toBe(false);
    if (!price.ok) expect([price.error.code, price.error.status]).toEqual(['UNKNOWN_OPERATION', 404]);
  });

  it('configuration overrides a price, a currency and the batch bounds, and adds operations', () => {
    const custom = createCatalogue({
      add_memory_v1: { cost: { kind: 'fixed', cost: 5 } },
      search_v1: { type: 'premium' },
      add_memory_batch_v1: { cost: { kind: 'per_item', costPerItem: 2, minItems: 1, maxItems: 100, itemsField: 'memories' } },
      summarize_v1: { cost: { kind: 'fixed', cost: 7 } },
    });
    expect(priceOperation(custom, 'add_memory_v1')).toMatchObject({ ok: true, value: { cost: 5 } });
    expect(priceOperation(custom, 'search_v1')).toMatchObject({ ok: true, value: { cost: 1, type: 'premium' } });
    expect(priceOperation(custom, 'add_memory_batch_v1', { itemCount: 100 })).toMatchObject({ ok: true, value: { cost: 200 } });
    expect(priceOperation(custom, 'summarize_v1')).toMatchObject({ ok: true, value: { cost: 7 } });
  });
});
