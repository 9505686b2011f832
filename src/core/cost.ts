import type { Catalogue, InteractionType } from './catalogue.js';
import { TollgateError, fail, ok, type Result } from './errors.js';

/** What the price of a call depends on, read from the validated request. */
export interface PriceParameters {
  /** Number of items of a batch operation. */
  itemCount?: number;
  /** Feature flags of the call (search: enable_agentic_graph, rank_results). */
  flags?: Readonly<Record<string, boolean | null | undefined>>;
}

export interface Price {
  readonly operation: string;
  readonly type: InteractionType;
  readonly cost: number;
}

export function priceOperation(catalogue: Catalogue, operation: string, parameters: PriceParameters = {}): Result<Price> {
  const spec = catalogue.get(operation);
  if (!spec) {
    return fail(new TollgateError('UNKNOWN_OPERATION', { message: `Unknown operation "${operation}".`, details: { operation } }));
  }
  const rule = spec.cost;
  switch (rule.kind) {
    case 'fixed':
      return ok({ operation, type: spec.type, cost: rule.cost });
    case 'per_item': {
      const items = parameters.itemCount;
      if (items === undefined || !Number.isInteger(items) || items < rule.minItems || items > rule.maxItems) {
        return fail(
          new TollgateError('INVALID_BATCH_SIZE', {
            message: `A batch must hold between ${rule.minItems} and ${rule.maxItems} items; it held ${items ?? 'none'}.`,
            details: { operation, items: items ?? null, min_items: rule.minItems, max_items: rule.maxItems },
          }),
        );
      }
      return ok({ operation, type: spec.type, cost: rule.costPerItem * items });
    }
    case 'features': {
      let cost = rule.base;
      for (const [flag, extra] of Object.entries(rule.features)) {
        if (parameters.flags?.[flag] === true) cost += extra;
      }
      return ok({ operation, type: spec.type, cost });
    }
  }
}
