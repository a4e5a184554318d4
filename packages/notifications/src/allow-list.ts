import { BlockList, isIP } from 'node:net';

/**
 * The operator's allow-list of webhook destinations (PZP_WEBHOOK_ALLOW): comma-separated entries,
 * each a CIDR block (`10.20.0.0/16`, `::1/128`: any port) or a `host:port` (a name or an address,
 * that port only). Nothing else is reachable: the registry must not become a way into the
 * hospital network (SSRF). A host name is allowed only when named itself (`his.example.nl:443`):
 * a name is never matched by a CIDR block, whose addresses its DNS could later point anywhere.
 * Deliveries check the list again (an entry may have been taken off since the registration), and
 * never follow redirects.
 */
export interface AllowList {
  /** Why `url` may not be registered (malformed, not http(s), not allowed), or undefined when it may. */
  refusal(url: string): string | undefined;
  /** Whether a delivery to `url` may go now. */
  allows(url: URL): boolean;
}

export class AllowListError extends Error {
  override readonly name = 'AllowListError';
}

interface HostPort {
  readonly host: string;
  readonly port: string;
}

const familyOf = (address: string): 'ipv4' | 'ipv6' => (isIP(address) === 6 ? 'ipv6' : 'ipv4');
const bare = (host: string) => host.replace(/^\[|\]$/g, '').toLowerCase();
const portOf = (url: URL) => url.port || (url.protocol === 'https:' ? '443' : '80');

export function parseAllowList(spec: string): AllowList {
  const blocks = new BlockList();
  const hostPorts: HostPort[] = [];
  for (const raw of spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const cidr = /^(.+)\/(\d{1,3})$/.exec(raw);
    if (cidr) {
      const [, address = '', bits = ''] = cidr;
      if (isIP(address) === 0) throw new AllowListError(`Not a CIDR block: ${raw}`);
      blocks.addSubnet(address, Number(bits), familyOf(address));
      continue;
    }
    const hostPort = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(raw);
    if (!hostPort) throw new AllowListError(`Not a CIDR block or host:port: ${raw}`);
    hostPorts.push({ host: bare(hostPort[1]!), port: hostPort[2]! });
  }
  const addressAllowed = (address: string, port: string) =>
    blocks.check(address, familyOf(address)) ||
    hostPorts.some((h) => h.host === address.toLowerCase() && h.port === port);
  const hostAllowed = (url: URL) => {
    const host = bare(url.hostname);
    const port = portOf(url);
    if (hostPorts.some((h) => h.host === host && h.port === port)) return true;
    return isIP(host) !== 0 && addressAllowed(host, port);
  };

  return {
    refusal(text) {
      let url: URL;
      try {
        url = new URL(text);
      } catch {
        return 'Not a URL';
      }
      if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'Only http and https URLs';
      if (url.username || url.password) return 'No credentials in the URL';
      if (url.hash) return 'No fragment in the URL';
      if (text.length > 2000) return 'URL too long';
      return hostAllowed(url) ? undefined : 'The address is not on the allow-list (PZP_WEBHOOK_ALLOW)';
    },

    allows: hostAllowed,
  };
}
