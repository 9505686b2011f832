import type { Runtime } from './runtime.js';

export interface Bootstrap {
  readonly adminKey: string | null;
  readonly demo: { organizationId: string; namespaceId: string; apiKey: string } | null;
}

/**
 * On an empty store: an admin key (unless TOLLGATE_ADMIN_KEY is set) and a demo organization on
 * the developer tier with one namespace and one key, so that a first `npm start` can be tried at
 * once. Each secret is returned here to be shown once; only hashes are kept.
 */
export async function bootstrap(runtime: Runtime, adminKeys: { ensure(): Promise<string | null> }): Promise<Bootstrap> {
  const adminKey = await adminKeys.ensure();
  const empty = (await runtime.tenancy.listOrganizations({ offset: 0, limit: 1 })).total === 0;
  if (!empty || adminKey === null) return { adminKey, demo: null };
  const org = await runtime.tenancy.createOrganization({ name: 'Demo', planTier: 'developer' });
  const ns = await runtime.tenancy.createNamespace(org.id, { name: 'default', environmentType: 'development' });
  const issued = await runtime.tenancy.issueNamespaceKey(ns.id, { name: 'demo key' });
  return { adminKey, demo: { organizationId: org.id, namespaceId: ns.id, apiKey: issued.key } };
}

export function describeBootstrap(result: Bootstrap, baseUrl: string, adminFromEnv: boolean): string {
  const lines: string[] = [];
  if (result.adminKey) lines.push(`Admin key (shown once; send it as X-Admin-Key): ${result.adminKey}`);
  else if (adminFromEnv) lines.push('Admin key: the one in TOLLGATE_ADMIN_KEY.');
  if (result.demo) {
    lines.push(
      `Demo organization ${result.demo.organizationId} on the developer tier, namespace ${result.demo.namespaceId}.`,
      `Demo API key (shown once): ${result.demo.apiKey}`,
      'Try it:',
      `  curl -s -X POST ${baseUrl}/v1/memory -H 'X-API-Key: ${result.demo.apiKey}' -H 'Content-Type: application/json' -d '{"content":"Tollgate counts every call"}'`,
    );
  }
  return lines.join('\n');
}
