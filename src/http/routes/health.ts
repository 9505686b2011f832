import type { FastifyInstance } from 'fastify';
import { TollgateError } from '../../core/errors.js';
import type { Store } from '../../stores/contract/index.js';

/** /healthz: the process answers. /readyz: and its store answers too (503 otherwise). */
export async function healthRoutes(app: FastifyInstance, options: { store: Pick<Store, 'ping' | 'name'> }) {
  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { hide: true } }, async () => {
    try {
      await options.store.ping();
    } catch (error) {
      throw error instanceof TollgateError ? error : new TollgateError('STORE_UNAVAILABLE', { message: `The ${options.store.name} store does not answer.`, cause: error });
    }
    return { status: 'ready', store: options.store.name };
  });
}
