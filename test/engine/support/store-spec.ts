import type { Clock } from '../../../src/core/ports.js';
import type { Store } from '../../../src/stores/contract/index.js';
import { createPostgresStore } from '../../../src/stores/postgres/index.js';
import { createSqliteStore } from '../../../src/stores/sqlite/index.js';

/** A store several processes can open: what a child process is told to use (as JSON on argv). */
export type StoreSpec = { readonly kind: 'sqlite'; readonly path: string } | { readonly kind: 'postgres'; readonly url: string; readonly schema: string };

export async function openStore(spec: StoreSpec, clock: Clock): Promise<Store> {
  return spec.kind === 'sqlite' ? createSqliteStore({ path: spec.path, clock }) : createPostgresStore({ connectionString: spec.url, schema: spec.schema, clock });
}
