import { describe, expect, it } from 'vitest';
import { CLIENT_ERROR_RULES, createCatalogue, DEFAULT_OPERATIONS, INTERACTION_TYPES } from '../../src/core/catalogue.js';

// Mutation testing (issue 20): the default catalogue (every operation mini, refunded on a 4xx, at its
// DESIGN §2 price) and what an operator's override changes or adds.

describe('the default catalogue', () => {
  const catalogue = createCatalogue();

  it('holds exactly the default operations, in their order', () => {
    expect(catalogue.names()).toEqual(Object.keys(DEFAULT_OPERATIONS));
    expect(catalogue.names()).toHaveLength(50);
    for (const name of catalogue.names()) expect(catalogue.has(name)).toBe(true);
    expect(catalogue.has('unknown_v1')).toBe(false);
    expect(catalogue.get('unknown_v1')).toBeUndefined();
    expect(catalogue.has('toString')).toBe(false);
  });

  it('every default operation is mini, refunded on a client error, and frozen', () => {
    for (const name of catalogue.names()) {
      const spec = catalogue.get(name);
      expect(spec).toEqual({ name, type: 'mini', cost: DEFAULT_OPERATIONS[name as keyof typeof DEFAULT_OPERATIONS], clientError: 'refund' });
      expect(Object.isFrozen(spec)).toBe(true);
    }
  });

  it.each([
    ['add_memory_v1', { kind: 'fixed', cost: 4 }],
    ['add_memory_batch_v1', { kind: 'per_item', costPerItem: 4, minItems: 1, maxItems: 50, itemsField: 'memories' }],
    ['search_v1', { kind: 'features', base: 1, features: { enable_agentic_graph: 1, rank_results: 1 } }],
    ['update_memory_v1', { kind: 'fixed', cost: 1 }],
    ['delete_memory_v1', { kind: 'fixed', cost: 1 }],
    ['delete_all_memories_v1', { kind: 'fixed', cost: 1 }],
    ['get_memory_v1', { kind: 'fixed', cost: 1 }],
    ['submit_feedback_v1', { kind: 'fixed', cost: 0 }],
    ['submit_batch_feedback_v1', { kind: 'fixed', cost: 0 }],
    ['get_feedback_by_id_v1', { kind: 'fixed', cost: 1 }],
    ['store_message', { kind: 'fixed', cost: 1 }],
    ['get_session_history', { kind: 'fixed', cost: 1 }],
    ['get_session_status', { kind: 'fixed', cost: 1 }],
    ['process_session_messages', { kind: 'fixed', cost: 1 }],
    ['create_user_schema_v1', { kind: 'fixed', cost: 1 }],
    ['list_user_schemas_v1', { kind: 'fixed', cost: 1 }],
    ['get_user_schema_v1', { kind: 'fixed', cost: 1 }],
    ['update_user_schema_v1', { kind: 'fixed', cost: 1 }],
    ['delete_user_schema_v1', { kind: 'fixed', cost: 1 }],
    ['upload_document', { kind: 'fixed', cost: 0 }],
    ['get_document_status', { kind: 'fixed', cost: 0 }],
    ['cancel_document_processing', { kind: 'fixed', cost: 0 }],
    ['get_sync_tiers', { kind: 'fixed', cost: 3 }],
    ['get_sync_delta', { kind: 'fixed', cost: 1 }],
  ])('%s costs %j by default', (name, cost) => {
    expect(catalogue.get(name)?.cost).toEqual(cost);
  });

  it('interaction types are mini and premium; client-error rules refund and charge', () => {
    expect(INTERACTION_TYPES).toEqual(['mini', 'premium']);
    expect(CLIENT_ERROR_RULES).toEqual(['refund', 'charge']);
  });
});

describe('a catalogue with overrides', () => {
  it('an override of the type keeps the default cost and client-error rule', () => {
    expect(createCatalogue({ search_v1: { type: 'premium' } }).get('search_v1')).toEqual({ ...createCatalogue().get('search_v1'), type: 'premium' });
  });

  it('an override of the cost keeps the default type and client-error rule', () => {
    expect(createCatalogue({ add_memory_v1: { cost: { kind: 'fixed', cost: 9 } } }).get('add_memory_v1')).toEqual({
      name: 'add_memory_v1',
      type: 'mini',
      cost: { kind: 'fixed', cost: 9 },
      clientError: 'refund',
    });
  });

  it('an override of the client-error rule keeps the rest', () => {
    expect(createCatalogue({ get_memory_v1: { clientError: 'charge' } }).get('get_memory_v1')).toEqual({
      name: 'get_memory_v1',
      type: 'mini',
      cost: { kind: 'fixed', cost: 1 },
      clientError: 'charge',
    });
  });

  it('an override of one operation leaves the others as they are', () => {
    const catalogue = createCatalogue({ get_memory_v1: { type: 'premium', clientError: 'charge', cost: { kind: 'fixed', cost: 2 } } });
    expect(catalogue.get('add_memory_v1')).toEqual(createCatalogue().get('add_memory_v1'));
    expect(catalogue.names()).toEqual(Object.keys(DEFAULT_OPERATIONS));
  });

  it('a new operation is added after the defaults, mini and refunded unless it says otherwise, and frozen', () => {
    const catalogue = createCatalogue({ summarize_v1: { cost: { kind: 'fixed', cost: 5 } }, translate_v1: { cost: { kind: 'fixed', cost: 2 }, type: 'premium', clientError: 'charge' } });
    expect(catalogue.names()).toEqual([...Object.keys(DEFAULT_OPERATIONS), 'summarize_v1', 'translate_v1']);
    expect(catalogue.has('summarize_v1')).toBe(true);
    expect(catalogue.get('summarize_v1')).toEqual({ name: 'summarize_v1', type: 'mini', cost: { kind: 'fixed', cost: 5 }, clientError: 'refund' });
    expect(catalogue.get('translate_v1')).toEqual({ name: 'translate_v1', type: 'premium', cost: { kind: 'fixed', cost: 2 }, clientError: 'charge' });
    expect(Object.isFrozen(catalogue.get('summarize_v1'))).toBe(true);
  });

  it('a new operation without a cost is refused by name', () => {
    expect(() => createCatalogue({ summarize_v1: { type: 'premium' } })).toThrow('operation summarize_v1 is new and needs a cost');
  });

  it('catalogues are independent of each other', () => {
    createCatalogue({ add_memory_v1: { type: 'premium' } });
    expect(createCatalogue().get('add_memory_v1')?.type).toBe('mini');
  });
});
