import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { addPageSecurityHeaders } from '../plugins/page-security.js';

/**
 * Swagger UI's standalone layout draws its logo as an SVG holding one inline <style> (in the
 * swagger-ui-standalone-preset.js that @fastify/swagger-ui 6.1.3 ships) before the Fastify logo
 * replaces it; its hash lets that style in and no other (test/http/docs-route.test.ts checks it).
 */
export const SWAGGER_UI_STYLE_HASHES = ['sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='];

/**
 * /docs: Swagger UI, served from the package (nothing from a CDN), and the OpenAPI document at
 * /docs/json and /docs/yaml, with the security headers of every page the server serves.
 */
export async function docsRoutes(app: FastifyInstance) {
  addPageSecurityHeaders(app, { styleHashes: SWAGGER_UI_STYLE_HASHES });
  await app.register(swaggerUi, { routePrefix: '/docs' });
}
