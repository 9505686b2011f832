import type { PriceParameters } from '../../../src/core/cost.js';

/** A deterministic mix of operations of different costs (1 to 12). */
export function mixedCall(i: number): { operation: string; parameters: PriceParameters } {
  switch (i % 6) {
    case 0:
      return { operation: 'add_memory_v1', parameters: {} };
    case 1:
      return { operation: 'search_v1', parameters: { flags: { enable_agentic_graph: i % 4 === 1, rank_results: i % 3 === 1 } } };
    case 2:
      return { operation: 'get_sync_tiers', parameters: {} };
    case 3:
      return { operation: 'add_memory_batch_v1', parameters: { itemCount: 1 + (i % 3) } };
    case 4:
      return { operation: 'get_memory_v1', parameters: {} };
    default:
      return { operation: 'submit_feedback_v1', parameters: {} };
  }
}
