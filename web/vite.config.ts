import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The dashboard: a static bundle served by the server at /dashboard/ (src/http/routes/dashboard.ts).
 * `npx vite --config web/vite.config.ts` serves it for development against a server on :8080.
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/dashboard/',
  logLevel: 'warn',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // Every browser the dashboard targets supports modulepreload; the polyfill would be dead code.
    modulePreload: { polyfill: false },
  },
  server: { proxy: { '/v1': 'http://localhost:8080', '/admin': 'http://localhost:8080' } },
});
