import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { TollgateError } from '../../core/errors.js';

/** Where `npm run build:web` writes the dashboard: the same path seen from src/http/routes and dist/http/routes. */
export const DASHBOARD_ROOT = fileURLToPath(new URL('../../../web/dist/', import.meta.url));

/**
 * The page holds the key a user types, so it loads nothing from elsewhere and runs no inline
 * script or style; the key goes only to this server's APIs (connect-src 'self').
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * /dashboard/: the built web dashboard (web/), served as static files, outside /v1 so nothing
 * here is metered; the page calls /v1/usage or /admin/… from the browser with the key typed in.
 * Hashed assets are cached for good; index.html is revalidated so a new build shows at once.
 */
export async function dashboardRoutes(app: FastifyInstance, options: { root: string }) {
  app.addHook('onSend', async (_request, reply) => {
    reply.header('content-security-policy', CONTENT_SECURITY_POLICY);
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
  });

  if (!existsSync(join(options.root, 'index.html'))) {
    const notBuilt = async () => {
      throw new TollgateError('DASHBOARD_NOT_BUILT');
    };
    app.get('/dashboard', { schema: { hide: true } }, notBuilt);
    app.get('/dashboard/*', { schema: { hide: true } }, notBuilt);
    return;
  }

  app.get('/dashboard', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/dashboard/'));
  await app.register(fastifyStatic, {
    root: options.root,
    prefix: '/dashboard/',
    decorateReply: false,
    cacheControl: false,
    setHeaders(reply, path) {
      reply.header('cache-control', path.includes(`${join('/', 'assets', '/')}`) ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
}
