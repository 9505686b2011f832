import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { TollgateError } from '../../core/errors.js';
import { addPageSecurityHeaders } from '../plugins/page-security.js';

/** Where `npm run build:web` writes the dashboard: the same path seen from src/http/routes and dist/http/routes. */
export const DASHBOARD_ROOT = fileURLToPath(new URL('../../../web/dist/', import.meta.url));

/**
 * /dashboard/: the built web dashboard (web/), served as static files, outside /v1 so nothing
 * here is metered; the page calls /v1/usage or /admin/… from the browser with the key typed in.
 * Hashed assets are cached for good; index.html is revalidated so a new build shows at once.
 */
export async function dashboardRoutes(app: FastifyInstance, options: { root: string }) {
  // The page holds the key a user types: it loads nothing from elsewhere (page-security.ts).
  addPageSecurityHeaders(app);

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
