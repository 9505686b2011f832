import type { FastifyRequest } from 'fastify';
import type { OperationSpec } from '../../core/catalogue.js';
import type { PriceParameters } from '../../core/cost.js';

const record = (value: unknown): Record<string, unknown> => (value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {});

/** What the price of a call depends on, read from the validated request as its catalogue entry describes. */
export function priceParametersOf(spec: OperationSpec, request: FastifyRequest): PriceParameters {
  const body = record(request.body);
  const rule = spec.cost;
  if (rule.kind === 'per_item') {
    const items = body[rule.itemsField];
    return Array.isArray(items) ? { itemCount: items.length } : {};
  }
  if (rule.kind === 'features') {
    const query = record(request.query);
    const flags: Record<string, boolean> = {};
    for (const flag of Object.keys(rule.features)) flags[flag] = body[flag] === true || query[flag] === true;
    return { flags };
  }
  return {};
}
