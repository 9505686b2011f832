import type { FastifyInstance } from 'fastify';

export interface PagePolicyOptions {
  /** Hashes ('sha256-…') of inline <style> elements a page's own libraries render, let in one by one. */
  readonly styleHashes?: readonly string[];
}

/**
 * The pages this server serves (the dashboard, the API docs) hold keys a user types, so they load
 * only this server's scripts, styles and images, run no inline script or style (but those whose
 * hash is given), send requests only to this server's APIs (connect-src 'self'), and are never
 * framed (frame-ancestors, and X-Frame-Options for browsers that predate it).
 */
export function pageContentSecurityPolicy(options: PagePolicyOptions = {}): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    ["style-src 'self'", ...(options.styleHashes ?? []).map((hash) => `'${hash}'`)].join(' '),
    "img-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** Gives every response of `app`'s routes (an encapsulated context: the pages' own) the pages' security headers. */
export function addPageSecurityHeaders(app: FastifyInstance, options: PagePolicyOptions = {}): void {
  const policy = pageContentSecurityPolicy(options);
  app.addHook('onSend', async (_request, reply) => {
    reply.header('content-security-policy', policy);
    reply.header('x-frame-options', 'DENY');
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
  });
}
