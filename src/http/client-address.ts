import { isIPv6 } from 'node:net';

/**
 * The client an address belongs to, as failed authentication is counted: an IPv4 address as it is,
 * an IPv6 address by its /64, since a subscriber is usually handed a whole /64 and could otherwise
 * take a fresh address for every guess. An IPv4-mapped address (::ffff:a.b.c.d) is its IPv4 address.
 */
export function clientOf(ip: string): string {
  if (!isIPv6(ip)) return ip;
  const address = ip.split('%')[0]!;
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (mapped) return mapped[1]!;
  return `${ipv6Groups(address).slice(0, 4).join(':')}::/64`;
}

/** The eight groups of a valid IPv6 address, "::" filled in, without leading zeros. */
function ipv6Groups(address: string): string[] {
  const groupsOf = (part: string | undefined) => (part ? part.split(':') : []);
  // A trailing dotted IPv4 part stands for two groups; it never reaches the first four.
  const width = (groups: string[]) => groups.reduce((n, g) => n + (g.includes('.') ? 2 : 1), 0);
  const [head, tail] = address.split('::');
  const left = groupsOf(head);
  const right = groupsOf(tail);
  const zeros = tail === undefined ? [] : Array<string>(8 - width(left) - width(right)).fill('0');
  return [...left, ...zeros, ...right].map((g) => (g.includes('.') ? g : parseInt(g, 16).toString(16)));
}
