/**
 * The client a connection or a request is counted against, by its address: an IPv4 address as it is,
 * an IPv6 address by its /64 prefix. One IPv6 host is routinely given a whole /64 (SLAAC, privacy
 * addresses, a home's or a VM's prefix), so counting its exact addresses let one client take 2^64 of
 * them: each per-address limit (MAX_CONNECTIONS_PER_ADDRESS, connection-limits.ts; the rate limit and
 * the per-caller bounds of callers without a token, rate-limit-key.ts) would be none at all. An
 * IPv4-mapped address (`::ffff:1.2.3.4`, what a dual-stack listener reports for an IPv4 client) is
 * the IPv4 client's own: grouping it by /64 would put every IPv4 client in one.
 *
 * The /64 is fixed, not a setting: the rate limit's per-caller tables key callers through
 * rate-limit-key.ts in several places, and a prefix shorter than /64 (a provider's /56 or /48 per
 * customer) would put unrelated clients of one provider together.
 */
import { isIPv6 } from 'node:net';

/** The key of `address` (a socket's peer, or an `X-Forwarded-For` entry); anything not IPv6 as it is. */
export function addressGroup(address: string): string {
  if (!address.includes(':') || !isIPv6(address)) return address;
  const zone = address.indexOf('%');
  const plain = (zone === -1 ? address : address.slice(0, zone)).toLowerCase();
  if (plain.startsWith('::ffff:') && plain.includes('.')) return plain;
  const [head = '', tail] = plain.split('::');
  const first = head === '' ? [] : head.split(':');
  if (tail !== undefined) {
    // `::` stands for the zero groups that make eight; a trailing dotted IPv4 part is two groups.
    const last = tail === '' ? [] : tail.split(':');
    const given = first.length + last.length + (tail.includes('.') ? 1 : 0);
    for (let i = given; i < 8; i++) first.push('0');
    first.push(...last);
  }
  return `${first
    .slice(0, 4)
    .map((group) => parseInt(group, 16).toString(16))
    .join(':')}::/64`;
}
