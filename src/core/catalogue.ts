/** Which of the two separately limited currencies an operation spends. */
export type InteractionType = 'mini' | 'premium';
export const INTERACTION_TYPES: readonly InteractionType[] = ['mini', 'premium'];

/** How an operation is priced. */
export type CostRule =
  | { readonly kind: 'fixed'; readonly cost: number }
  /** cost × number of items of the list `itemsField` of the request, with the count bounded (a batch). */
  | { readonly kind: 'per_item'; readonly costPerItem: number; readonly minItems: number; readonly maxItems: number; readonly itemsField: string }
  /** base + the price of every feature flag set on the call. */
  | { readonly kind: 'features'; readonly base: number; readonly features: Readonly<Record<string, number>> };

export interface OperationSpec {
  readonly name: string;
  readonly type: InteractionType;
  readonly cost: CostRule;
  /**
   * What a call costs when it ends in a 4xx its own request caused after it was charged (a memory
   * or feedback that does not exist, a name already taken): `refund` gives the whole charge back,
   * as for a 5xx (the call did nothing); `charge` keeps it (the work was done). Either way the call
   * keeps its place in the per-minute window, so probing is never free of the rate limit.
   */
  readonly clientError: ClientErrorRule;
}

export type ClientErrorRule = 'refund' | 'charge';
export const CLIENT_ERROR_RULES: readonly ClientErrorRule[] = ['refund', 'charge'];

const fixed = (cost: number): CostRule => ({ kind: 'fixed', cost });

/** DESIGN §2: the operations of the memory API and their default prices. */
export const DEFAULT_OPERATIONS = {
  add_memory_v1: fixed(4),
  add_memory_batch_v1: { kind: 'per_item', costPerItem: 4, minItems: 1, maxItems: 50, itemsField: 'memories' },
  update_memory_v1: fixed(1),
  delete_memory_v1: fixed(1),
  delete_all_memories_v1: fixed(1),
  get_memory_v1: fixed(1),
  search_v1: { kind: 'features', base: 1, features: { enable_agentic_graph: 1, rank_results: 1 } },
  submit_feedback_v1: fixed(0),
  submit_batch_feedback_v1: fixed(0),
  get_feedback_by_id_v1: fixed(1),
  store_message: fixed(1),
  get_session_history: fixed(1),
  get_session_status: fixed(1),
  process_session_messages: fixed(1),
  create_user_schema_v1: fixed(1),
  list_user_schemas_v1: fixed(1),
  get_user_schema_v1: fixed(1),
  update_user_schema_v1: fixed(1),
  delete_user_schema_v1: fixed(1),
  upload_document: fixed(0),
  get_document_status: fixed(0),
  cancel_document_processing: fixed(0),
  get_sync_tiers: fixed(3),
  get_sync_delta: fixed(1),
} as const satisfies Record<string, CostRule>;

export type DefaultOperationName = keyof typeof DEFAULT_OPERATIONS;

/** Catalogue names: the defaults, plus any an operator adds in configuration. */
export type OperationName = DefaultOperationName | (string & {});

export interface Catalogue {
  get(name: string): OperationSpec | undefined;
  has(name: string): boolean;
  names(): string[];
}

export interface OperationOverride {
  type?: InteractionType;
  cost?: CostRule;
  clientError?: ClientErrorRule;
}

/**
 * Builds the catalogue from the defaults and the operator's overrides (already validated by
 * parseConfig). An override may change an operation's price or currency, or add an operation.
 */
export function createCatalogue(overrides: Readonly<Record<string, OperationOverride>> = {}): Catalogue {
  const specs = new Map<string, OperationSpec>();
  for (const [name, cost] of Object.entries(DEFAULT_OPERATIONS)) {
    // Every default operation gives its charge back on a 4xx: none of them does work that a
    // refused request made (nothing stored, nothing found, nothing searched).
    specs.set(name, Object.freeze({ name, type: 'mini', cost, clientError: 'refund' }));
  }
  for (const [name, override] of Object.entries(overrides)) {
    const base = specs.get(name);
    const cost = override.cost ?? base?.cost;
    if (!cost) throw new Error(`operation ${name} is new and needs a cost`);
    specs.set(
      name,
      Object.freeze({
        name,
        type: override.type ?? base?.type ?? 'mini',
        cost,
        clientError: override.clientError ?? base?.clientError ?? 'refund',
      }),
    );
  }
  return {
    get: (name) => specs.get(name),
    has: (name) => specs.has(name),
    names: () => [...specs.keys()],
  };
}
