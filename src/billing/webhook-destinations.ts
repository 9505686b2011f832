import { isIP } from 'node:net';

/**
 * Where a tenant may have Tollgate send its webhooks. With a list of allowed hosts, only those (a
 * `*.example.com` entry allows its subdomains). Without one, any http(s) host except this machine
 * and private or link-local addresses written as such, so that a tenant cannot point Tollgate at
 * services only the server reaches (cloud metadata, an admin port). Returns the problem, or null.
 */
export function webhookUrlProblem(raw: string, allowedHosts: readonly string[] | null): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'url: must be an absolute http(s) URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return `url: must use http or https, not ${url.protocol.replace(':', '')}`;
  if (url.username || url.password) return 'url: must not carry a user name or password';
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (allowedHosts) {
    const allowed = allowedHosts.some((entry) => (entry.startsWith('*.') ? host.endsWith(entry.slice(1)) : host === entry.toLowerCase()));
    return allowed ? null : `url: the host ${host} is not among the allowed webhook hosts`;
  }
  if (host === 'localhost' || host.endsWith('.localhost') || isInternalAddress(host)) return `url: ${host} is an address of this machine or a private network`;
  return null;
}

/** An address of this machine, a private network, link-local (cloud metadata) or carrier-grade NAT. */
export function isInternalAddress(host: string): boolean {
  const family = isIP(host);
  if (family === 4) {
    const [a, b] = host.split('.').map(Number) as [number, number];
    return a === 0 || a === 10 || a === 127 || (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127);
  }
  if (family === 6) {
    // An IPv4 address mapped into IPv6: the URL parser writes it in hex (::ffff:c0a8:101).
    const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(host);
    if (mapped) {
      const [high, low] = [parseInt(mapped[1]!, 16), parseInt(mapped[2]!, 16)];
      return isInternalAddress(`${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`);
    }
    return host === '::' || host === '::1' || /^f[cd]/.test(host) || /^fe[89ab]/.test(host);
  }
  return false;
}
