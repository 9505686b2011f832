/**
 * Builds the dashboard into web/dist (`npm run build:web`). With --if-stale (`npm start`'s
 * prestart) it builds only when the output is missing or older than a source, so a start with an
 * up-to-date build costs one directory walk.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const WEB_ROOT = fileURLToPath(new URL('.', import.meta.url));
export const WEB_DIST = join(WEB_ROOT, 'dist');
const BUILT = join(WEB_DIST, 'index.html');
const SOURCES = ['index.html', 'vite.config.ts', 'build.ts', 'src', 'public'].map((p) => join(WEB_ROOT, p));

function newestMtimeMs(path: string): number {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce((newest, name) => Math.max(newest, newestMtimeMs(join(path, name))), stat.mtimeMs);
}

/** True when web/dist is missing or a source of the dashboard changed after it was built. */
export function isWebBuildStale(): boolean {
  const built = newestMtimeMs(BUILT);
  return built === 0 || SOURCES.some((source) => newestMtimeMs(source) > built);
}

export async function buildWeb(): Promise<void> {
  const { build } = await import('vite');
  await build({ configFile: join(WEB_ROOT, 'vite.config.ts') });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const ifStale = process.argv.includes('--if-stale');
  if (!ifStale || isWebBuildStale()) {
    const started = performance.now();
    try {
      await buildWeb();
      console.log(`dashboard built into ${WEB_DIST} in ${Math.round(performance.now() - started)} ms`);
    } catch (error) {
      // Before `npm start`, a failed build must not keep the API from serving: /dashboard says what to do.
      if (!ifStale) throw error;
      console.warn(`The dashboard could not be built (${error instanceof Error ? error.message : String(error)}); /dashboard will answer 503 until \`npm run build:web\` succeeds.`);
    }
  }
}
