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
  // The gateway's Papr routes (issue 14, src/gateway/papr-routes.ts) that the hosted API has no operation for.
  // Polling a status does no work, as get_document_status.
  get_memory_status_v1: fixed(0),
  get_memory_batch_status_v1: fixed(0),
  // Sessions: one read or small write each, as the other session operations.
  update_session_v1: fixed(1),
  compress_session_v1: fixed(1),
  // The application's users: small reads and writes; a batch of users is still bookkeeping, not memories.
  create_user_v1: fixed(1),
  create_user_batch_v1: fixed(1),
  list_users_v1: fixed(1),
  get_user_v1: fixed(1),
  update_user_v1: fixed(1),
  delete_user_v1: fixed(1),
  // Graph: rerank and transform score or embed the documents sent, as a search does (its base price); domains are configuration, as schemas.
  rerank_documents_v1: fixed(1),
  transform_documents_v1: fixed(1),
  create_graph_domain_v1: fixed(1),
  list_graph_domains_v1: fixed(1),
  get_graph_domain_v1: fixed(1),
  update_graph_domain_v1: fixed(1),
  delete_graph_domain_v1: fixed(1),
  // GraphQL and the OMO exports are reads.
  graphql_query_v1: fixed(1),
  export_memories_v1: fixed(1),
  export_memories_json_v1: fixed(1),
  // An import stores memories: one add's price for now; per memory (as add_memory_batch_v1) needs the upstream's bound on an import, not known.
  import_memories_v1: fixed(4),
  // AI proxy: one model call, priced as add_memory_v1 (which runs one) until a later step prices them from the answer's usage.
  create_openai_chat_completion_v1: fixed(4),
  create_openai_response_v1: fixed(4),
  create_anthropic_message_v1: fixed(4),
  generate_google_content_v1: fixed(4),
  stream_google_content_v1: fixed(4),
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
