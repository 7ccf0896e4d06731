/**
 * Which IP addresses a webhook may be sent to: global unicast only. Everything else (loopback,
 * private, link-local, unique-local, carrier-grade NAT, multicast, unspecified, broadcast, reserved
 * and documentation ranges, cloud metadata services) reaches into the gateway's own network, which
 * an endpoint URL chosen by a caller must never do (SSRF). The ranges are ipaddr.js's (RFC 6890 and
 * later); one rule is applied at registration (endpoint-url.ts) and at every connect (webhook-dispatcher.ts).
 *
 * IPv6 forms that carry an IPv4 address (IPv4-mapped `::ffff:a.b.c.d`, the IPv4-translated
 * `::ffff:0:a.b.c.d`, the well-known NAT64 prefix `64:ff9b::/96`, 6to4 `2002:aabb:ccdd::/48`) are judged
 * by the IPv4 address they lead to: `::ffff:127.0.0.1` is a loopback address, while `64:ff9b::8.8.8.8`
 * (how DNS64 shows a public IPv4-only host on an IPv6-only network) stays deliverable.
 */
import ipaddr from 'ipaddr.js';

type IPv4 = ipaddr.IPv4;
type IPv6 = ipaddr.IPv6;

/**
 * Cloud metadata and host-agent addresses, named so that the refusal says so. All but Azure's are
 * inside a refused range anyway (169.254/16 link-local, 100.64/10 carrier-grade NAT, fc00::/7
 * unique-local); Azure's wire server 168.63.129.16 is a public address that only the host answers.
 */
const METADATA_ADDRESSES = new Set([
  '169.254.169.254', // AWS, GCP, Azure, Oracle, DigitalOcean, OpenStack instance metadata
  '169.254.170.2', // AWS ECS task metadata and credentials
  '169.254.0.23', // Tencent Cloud
  '100.100.100.200', // Alibaba Cloud
  '168.63.129.16', // Azure wire server (host agent, DNS)
  'fd00:ec2::254', // AWS instance metadata over IPv6
  'fd00:ec2::23', // AWS DNS over IPv6
]);

/** How a refusal names each ipaddr.js range; a range missing here is "a special-purpose address". */
const RANGE_NAMES: Record<string, string> = {
  unspecified: 'an unspecified address',
  broadcast: 'the broadcast address',
  multicast: 'a multicast address',
  linkLocal: 'a link-local address',
  loopback: 'a loopback address',
  carrierGradeNat: 'a carrier-grade NAT address',
  private: 'a private address',
  reserved: 'a reserved address',
  uniqueLocal: 'a unique-local address',
  deprecatedSiteLocal: 'a site-local address',
  teredo: 'a Teredo tunnel address',
  benchmarking: 'a benchmarking address',
  discard: 'a discard-only address',
};

const GLOBAL_UNICAST_V6 = ipaddr.IPv6.parseCIDR('2000::/3');
const NAT64_WELL_KNOWN = ipaddr.IPv6.parseCIDR('64:ff9b::/96');

/** The IPv6 forms that lead to an IPv4 address, with how a refusal names them. */
const EMBEDDING_FORMS: Record<string, string> = {
  ipv4Mapped: 'IPv4-mapped',
  rfc6145: 'IPv4-translated',
  rfc6052: 'NAT64',
  '6to4': '6to4',
};

/**
 * Why `address` may not receive a webhook (`"a loopback address"`, `"the cloud metadata address"`),
 * or null when it is a global unicast address. Anything that is not an IP address is refused too.
 */
export function addressRefusal(address: string): string | null {
  const text = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  if (!ipaddr.isValid(text)) return 'not an IP address';
  return refusalOf(ipaddr.parse(text));
}

function refusalOf(ip: IPv4 | IPv6): string | null {
  if (isMetadata(ip)) return 'a cloud metadata address';
  if (ip.kind() === 'ipv4') {
    const range = ip.range();
    return range === 'unicast' ? null : nameOf(range);
  }
  return refusalOfV6(ip as IPv6);
}

function refusalOfV6(ip: IPv6): string | null {
  const range = ip.range();
  const form = EMBEDDING_FORMS[range];
  if (form !== undefined) {
    // 64:ff9b:1::/48 (RFC 8215) is for one network's own translators: where its IPv4 sits depends on them.
    if (range === 'rfc6052' && !ip.match(NAT64_WELL_KNOWN)) return 'a local-use NAT64 address';
    const inner = embeddedIPv4(ip, range);
    const refusal = refusalOf(inner);
    return refusal === null ? null : `the ${form} form of ${inner.toString()}, ${refusal}`;
  }
  if (range !== 'unicast') return nameOf(range);
  if (!ip.match(GLOBAL_UNICAST_V6)) return 'outside the global unicast range 2000::/3';
  return null;
}

function nameOf(range: string): string {
  return RANGE_NAMES[range] ?? 'a special-purpose address';
}

function isMetadata(ip: IPv4 | IPv6): boolean {
  return METADATA_ADDRESSES.has(ip.kind() === 'ipv4' ? ip.toString() : (ip as IPv6).toRFC5952String());
}

/** The IPv4 address in the low 32 bits (mapped, translated, NAT64) or bits 16–48 (6to4). */
function embeddedIPv4(ip: IPv6, range: string): IPv4 {
  const [high, low] = range === '6to4' ? [ip.parts[1]!, ip.parts[2]!] : [ip.parts[6]!, ip.parts[7]!];
  return new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
}

/**
 * `"example.test resolves to 10.0.0.7, a private address"` for the first address that is not public:
 * the operator's detail. The caller is told `nonPublicName` instead.
 */
export function addressesProblem(host: string, addresses: readonly { address: string }[]): string | null {
  for (const { address } of addresses) {
    const refusal = addressRefusal(address);
    if (refusal !== null) return `${host} resolves to ${address}, ${refusal}`;
  }
  return null;
}

/**
 * Whether `hostname` (as a URL or a connect call shows it: `Example.com.`, `[::1]`, `::1`) is one
 * of WEBHOOK_ALLOWED_HOSTS, which may be reached over plain `http` and at any address.
 */
export function isAllowedHost(hostname: string, allowedHosts: readonly string[]): boolean {
  const host = canonicalHost(hostname);
  return allowedHosts.some((allowed) => canonicalHost(allowed) === host);
}

/** Lower case, without IPv6 brackets and without the trailing dot of a fully qualified name. */
export function canonicalHost(hostname: string): string {
  const bare = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  const lower = bare.toLowerCase().replace(/\.+$/, '');
  return ipaddr.IPv6.isValid(lower) ? ipaddr.IPv6.parse(lower).toRFC5952String() : lower;
}

/**
 * What the owner of an endpoint is told of a name with an address that is not public: neither the
 * address nor its class, which would map the gateway's own network (its DNS answers for internal names).
 */
export function nonPublicName(host: string): string {
  return `${host} resolves to an address that is not public (such as a loopback, private or link-local address)`;
}
