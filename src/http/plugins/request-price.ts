import type { FastifyRequest } from 'fastify';
import type { OperationSpec } from '../../core/catalogue.js';
import type { PriceParameters } from '../../core/cost.js';
import type { Resources } from '../../metering/index.js';

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

/** The memories and bytes a content-holding call adds: the request itself, or each item of its batch. */
export function resourcesOf(spec: OperationSpec, request: FastifyRequest): Resources | undefined {
  if (!spec.holdsContent) return undefined;
  const body = record(request.body);
  const items = spec.cost.kind === 'per_item' ? body[spec.cost.itemsField] : [body];
  if (!Array.isArray(items)) return undefined;
  let storageBytes = 0;
  for (const item of items) {
    const content = record(item).content;
    if (typeof content === 'string') storageBytes += Buffer.byteLength(content, 'utf8');
  }
  return { activeMemories: items.length, storageBytes };
}
