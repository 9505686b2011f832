/** Request schemas of the outbox views (/admin/outbox, deliveries of a webhook endpoint), every field bounded. */
import { Type } from 'typebox';
import { OUTBOX_STATES } from '../../stores/contract/index.js';
import { Id, ID_MAX, Offset, PageSize } from './common-schemas.js';

const State = Type.Union(OUTBOX_STATES.map((s) => Type.Literal(s)), { description: 'Only entries in this state (failed: dead letters).' });

export const DeliveriesQuery = Type.Object(
  {
    state: Type.Optional(State),
    limit: Type.Optional({ ...PageSize, default: 50 }),
    offset: Type.Optional(Offset),
  },
  { additionalProperties: false },
);

export const OutboxQuery = Type.Object(
  {
    state: Type.Optional(State),
    organization_id: Type.Optional(Id),
    topic: Type.Optional(Type.Union([Type.Literal('webhook'), Type.Literal('meter')])),
    limit: Type.Optional({ ...PageSize, default: 50 }),
    offset: Type.Optional(Offset),
  },
  { additionalProperties: false },
);

export const RetryOutboxBody = Type.Object(
  {
    ids: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: ID_MAX * 2 + 40 }), { minItems: 1, maxItems: 1000, uniqueItems: true })),
    organization_id: Type.Optional(Id),
  },
  { additionalProperties: false, minProperties: 1, description: 'Dead letters to put back: these ids, or every one of the organization (or both: those ids within it).' },
);
