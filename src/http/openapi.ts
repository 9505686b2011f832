import { ERRORS } from '../core/errors.js';

/** The OpenAPI document's fixed parts: every error code is listed so clients can switch on it. */
export const OPENAPI = {
  openapi: '3.1.0',
  info: {
    title: 'Tollgate',
    version: '0.1.0',
    description:
      'A metered memory API wire-compatible with the Papr memory API v1, with usage, admin and Parse-style dashboard functions. ' +
      'Every /v1 call is authenticated by an API key (X-API-Key, or Authorization: Bearer/APIKey), priced by its operation and charged before it runs.',
  },
  components: {
    securitySchemes: {
      apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
      adminKey: { type: 'apiKey', in: 'header', name: 'X-Admin-Key' },
    },
    schemas: {
      ErrorCode: {
        type: 'string',
        description: 'error_code of an error body; the HTTP status of each is fixed.',
        enum: Object.keys(ERRORS),
        'x-status': Object.fromEntries(Object.entries(ERRORS).map(([code, e]) => [code, e.status])),
      },
      Error: {
        type: 'object',
        required: ['code', 'status', 'error', 'message', 'error_code'],
        properties: {
          code: { type: 'integer', description: 'the HTTP status' },
          status: { const: 'error' },
          error: { type: 'string' },
          message: { type: 'string' },
          error_code: { $ref: '#/components/schemas/ErrorCode' },
          details: { type: 'object' },
          request_id: { type: 'string' },
        },
        additionalProperties: true,
      },
    },
  },
  security: [{ apiKey: [] }],
};
