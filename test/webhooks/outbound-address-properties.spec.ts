/**
 * Properties of the address policy over random addresses (fast-check, on the run's seed: FC_SEED
 * replays one): no address of a refused range passes, whether as it is, spelled as URL parsing
 * allows (decimal, hex, octal, short forms), in an IPv6 form that carries it (IPv4-mapped,
 * IPv4-translated, NAT64, 6to4), at registration or at connect time. The ranges are written here from
 * the RFCs (6890 and its successors), not read from the implementation.
 */
import fc from 'fast-check';
import { request } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import { addressRefusal } from '../../src/webhooks/outbound/address-policy.js';
import { checkEndpointUrl } from '../../src/webhooks/outbound/endpoint-url.js';
import type { ResolvedAddress } from '../../src/webhooks/outbound/resolve-host.js';
import { AddressRefusedError, createWebhookDispatcher } from '../../src/webhooks/outbound/webhook-dispatcher.js';

/** IPv4 ranges no webhook goes to. */
const REFUSED_V4: [string, number][] = [
  ['0.0.0.0', 8], // "this network", unspecified
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // carrier-grade NAT (holds Alibaba's metadata 100.100.100.200)
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local (holds 169.254.169.254)
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.88.99.0', 24], // 6to4 relay anycast
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, and 255.255.255.255 broadcast
  ['192.31.196.0', 24], // AS112 (RFC 7535)
  ['192.175.48.0', 24], // AS112 (RFC 7534)
  ['192.52.193.0', 24], // AMT (RFC 7450)
  ['168.63.129.16', 32], // Azure's host agent: public, answered by the host only
];

/** IPv6 ranges no webhook goes to (besides those carrying a refused IPv4 address, generated below). */
const REFUSED_V6: [string, number][] = [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['::', 96], // IPv4-compatible (deprecated)
  ['100::', 64], // discard-only
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['fc00::', 7], // unique-local (holds AWS's fd00:ec2::254)
  ['ff00::', 8], // multicast
  ['2001::', 23], // IETF protocol assignments (Teredo among them)
  ['2001:db8::', 32], // documentation
  ['3fff::', 20], // documentation (RFC 9637)
  ['4000::', 2], // outside global unicast 2000::/3
  ['8000::', 1], // outside global unicast 2000::/3
];

const v4Int = (dotted: string): number => dotted.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
const octets = (n: number): number[] => [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
const dotted = (n: number): string => octets(n).join('.');
const inV4 = (n: number, [base, bits]: [string, number]): boolean =>
  bits === 0 || n >>> (32 - bits) === v4Int(base) >>> (32 - bits);

function v6BigInt(text: string): bigint {
  const [head, tail = ''] = text.split('::');
  const groups = (part: string) => (part === '' ? [] : part.split(':'));
  const filled = [
    ...groups(head!),
    ...Array(8 - groups(head!).length - groups(tail).length).fill('0'),
    ...groups(tail),
  ];
  return filled.reduce((n, group) => (n << 16n) | BigInt(parseInt(group, 16)), 0n);
}
const v6Text = (n: bigint): string =>
  Array.from({ length: 8 }, (_, i) => ((n >> BigInt(16 * (7 - i))) & 0xffffn).toString(16)).join(':');

const refusedV4 = fc
  .constantFrom(...REFUSED_V4)
  .chain(([base, bits]) => fc.integer({ min: 0, max: 2 ** (32 - bits) - 1 }).map((host) => (v4Int(base) + host) >>> 0));

const refusedV6Native = fc.constantFrom(...REFUSED_V6).chain(([base, bits]) =>
  fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }).map((random) => {
    const hostMask = (1n << BigInt(128 - bits)) - 1n;
    return v6Text((v6BigInt(base) & ~hostMask) | (random & hostMask));
  }),
);

/** The IPv6 spellings that carry IPv4 address `n`. */
const carriedV6 = (n: number) => {
  const [hi, lo] = [(n >>> 16).toString(16), (n & 0xffff).toString(16)];
  return fc.oneof(
    fc.constant(`::ffff:${dotted(n)}`),
    fc.constant(`::ffff:${hi}:${lo}`),
    fc.constant(`0:0:0:0:0:ffff:${hi}:${lo}`),
    fc.constant(`::ffff:0:${hi}:${lo}`),
    fc.constant(`64:ff9b::${dotted(n)}`),
    fc.constant(`64:ff9b::${hi}:${lo}`),
    fc
      .tuple(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 0xffff }))
      .map(([subnet, iface]) => `2002:${hi}:${lo}:${subnet.toString(16)}::${iface.toString(16)}`),
  );
};

/** How a URL may spell IPv4 address `n`: WHATWG URL parsing reads each as the dotted address. */
const urlSpellingsV4 = (n: number) =>
  fc.constantFrom(
    dotted(n),
    String(n),
    `0x${n.toString(16)}`,
    octets(n)
      .map((o) => `0${o.toString(8)}`)
      .join('.'),
    octets(n)
      .map((o) => `0x${o.toString(16)}`)
      .join('.'),
    `${octets(n)[0]}.${octets(n)[1]}.${n & 0xffff}`,
    `${octets(n)[0]}.${n & 0xffffff}`,
    `${dotted(n)}.`,
  );

const refusedAddresses = fc.oneof(refusedV4.map(dotted), refusedV6Native, refusedV4.chain(carriedV6));

const lookupMustNotRun = () => Promise.reject(new Error('an address literal needs no lookup'));

describe('address policy properties', () => {
  it('no address of a refused range passes addressRefusal, as itself or in an IPv6 form carrying it', () => {
    fc.assert(
      fc.property(refusedAddresses, (address) => {
        expect(addressRefusal(address)).not.toBeNull();
      }),
      { numRuns: 1_000 },
    );
  });

  it('an IPv4 address passes exactly when it is in no refused range', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), (n) => {
        const inRefused = REFUSED_V4.some((range) => inV4(n, range));
        expect(addressRefusal(dotted(n)) === null).toBe(!inRefused);
      }),
      { numRuns: 2_000 },
    );
  });

  it('an IPv6 form carrying an IPv4 address is judged as that address (refused or passing alike)', () => {
    fc.assert(
      fc.property(
        fc
          .oneof(refusedV4, fc.integer({ min: 0, max: 2 ** 32 - 1 }))
          .chain((n) => fc.tuple(fc.constant(n), carriedV6(n))),
        ([n, form]) => {
          expect(addressRefusal(form) === null).toBe(addressRefusal(dotted(n)) === null);
        },
      ),
      { numRuns: 1_000 },
    );
  });

  it('no URL spelling of a refused address passes checkEndpointUrl, whatever its scheme, without a lookup', async () => {
    const literal = fc.oneof(
      refusedV4.chain(urlSpellingsV4),
      fc.oneof(refusedV6Native, refusedV4.chain(carriedV6)).map((a) => `[${a}]`),
    );
    await fc.assert(
      fc.asyncProperty(literal, fc.constantFrom('https', 'http'), async (host, scheme) => {
        const result = await checkEndpointUrl(`${scheme}://${host}/hook`, {
          allowedHosts: [],
          allowedPorts: [443, 8443],
          lookup: lookupMustNotRun,
        });
        expect(result.ok).toBe(false);
        expect(!result.ok && result.message).toMatch(/ is (a|an|the|outside) .*; webhooks go to public addresses only/);
      }),
      { numRuns: 500 },
    );
  });

  describe('at connect time', () => {
    let answer: ResolvedAddress[] = [];
    const dispatcher = createWebhookDispatcher({
      allowedHosts: [],
      attemptTimeoutMs: 2_000,
      lookup: async () => answer,
    });
    afterAll(() => dispatcher.close());

    it('a name resolving to any refused address, among public ones or not, is never connected to', async () => {
      const publicV4 = fc.constantFrom('93.184.216.34', '8.8.8.8', '1.1.1.1');
      await fc.assert(
        fc.asyncProperty(refusedAddresses, fc.array(publicV4, { maxLength: 2 }), async (refused, publics) => {
          answer = [
            ...publics.map((address) => ({ address, family: 4 })),
            { address: refused, family: refused.includes(':') ? 6 : 4 },
          ];
          // Port 9 (discard) on a name the lookup controls: without the check this would connect or be refused by the OS.
          const error = await request('http://hooks.example.test:9/hook', {
            dispatcher,
            method: 'POST',
            body: '{}',
          }).then(
            () => null,
            (e: unknown) => e,
          );
          expect(error).toBeInstanceOf(AddressRefusedError);
          expect((error as AddressRefusedError).problem).toContain(`hooks.example.test resolves to ${refused}, `);
        }),
        { numRuns: 200 },
      );
    });
  });
});
