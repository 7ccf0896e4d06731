/**
 * checkEndpointUrl, the registration check: each class of address refused with a message naming the
 * URL and what is wrong with it, the spellings of 127.0.0.1 that URL parsing turns into it, names
 * resolved through an injected lookup, the allowed hosts that let local receivers through, and the
 * allowed ports (WEBHOOK_ALLOWED_PORTS), without which an endpoint could name any port of any public
 * host and its attempts' errors would port-scan it from the gateway.
 */
import { describe, expect, it } from 'vitest';
import { checkEndpointUrl, type EndpointUrlCheck } from '../../src/webhooks/outbound/endpoint-url.js';
import type { ResolvedAddress, ResolveHost } from '../../src/webhooks/outbound/resolve-host.js';

const PUBLIC_ONLY = 'webhooks go to public addresses only, unless the host is listed in WEBHOOK_ALLOWED_HOSTS';

/** A lookup that fails the spec if called: address literals and allowed hosts need none. */
const noLookup: ResolveHost = (hostname) => Promise.reject(new Error(`lookup(${hostname}) should not be called`));

function resolvingTo(...addresses: string[]): ResolveHost & { calls: string[] } {
  const calls: string[] = [];
  const answer: ResolvedAddress[] = addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  return Object.assign(
    async (hostname: string) => {
      calls.push(hostname);
      return answer;
    },
    { calls },
  );
}

/** WEBHOOK_ALLOWED_PORTS's default. */
const DEFAULT_PORTS = [443, 8443];

function check(
  url: string,
  lookup: ResolveHost = noLookup,
  allowedHosts: string[] = [],
  allowedPorts: number[] = DEFAULT_PORTS,
): Promise<EndpointUrlCheck> {
  return checkEndpointUrl(url, { allowedHosts, allowedPorts, lookup });
}

const refused = (message: string) => ({ ok: false, message });
const refusedAddress = (shown: string, problem: string) => refused(`${shown}: ${problem}; ${PUBLIC_ONLY}`);

describe('checkEndpointUrl: what is not a usable URL', () => {
  it.each([
    ['not a url', '"not a url": is not a URL (expected https://host/path)'],
    ['', '"": is not a URL (expected https://host/path)'],
    ['hooks.example.com/x', '"hooks.example.com/x": is not a URL (expected https://host/path)'],
    ['ftp://files.example.com/x', 'ftp://files.example.com/x: must be an https URL, not ftp'],
    ['file:///etc/passwd', 'file:///etc/passwd: must be an https URL, not file'],
    ['gopher://hooks.example.com:70/_', 'gopher://hooks.example.com:70/_: must be an https URL, not gopher'],
    [
      'http://hooks.example.com/x',
      'http://hooks.example.com/x: must use https (plain http is allowed only to hosts in WEBHOOK_ALLOWED_HOSTS)',
    ],
    [
      `https://hooks.example.com/${'a'.repeat(2100)}`,
      `"https://hooks.example.com/${'a'.repeat(174)}…": is longer than 2048 characters`,
    ],
  ])('%j → %s', async (url, message) => {
    expect(await check(url, resolvingTo('93.184.216.34'))).toEqual(refused(message));
  });

  it('port 0 is refused, naming the port', async () => {
    expect(await check('https://8.8.8.8:0/', noLookup)).toEqual(
      refused('https://8.8.8.8:0/: names port 0, where no receiver can listen; give the port the receiver listens on'),
    );
    expect(await check('https://hooks.example.com:0/x', resolvingTo('93.184.216.34'))).toMatchObject({
      ok: false,
      message: expect.stringContaining('port 0'),
    });
  });

  it.each([
    ['https://alice:s3cr3tPW@exa mple.com/', 'the URL is not a URL (expected https://host/path)'],
    ['https://alice:pa/ss@hooks.example.com/', 'the URL is not a URL (expected https://host/path)'],
    ['alice:s3cr3tPW@hooks.example.com', 'the URL must be an https URL'],
  ])('a text that is not an https URL and holds an @ is not repeated: %s', async (url, problem) => {
    const result = await check(url, resolvingTo('93.184.216.34'));
    expect(result).toEqual(
      refused(`${problem}; the value is not repeated here, since what precedes its @ may be a user name or password`),
    );
    expect(JSON.stringify(result)).not.toMatch(/alice|s3cr3tPW|pa\/ss/);
  });

  it('credentials in the URL are refused, and the message does not repeat them', async () => {
    const result = await check('https://ci-bot:hunter2@hooks.example.com/x', resolvingTo('93.184.216.34'));
    expect(result).toEqual(
      refused(
        'https://hooks.example.com/x: must not carry credentials (user:password@); the signature authenticates deliveries',
      ),
    );
    expect(JSON.stringify(result)).not.toMatch(/hunter2|ci-bot/);
  });
});

describe('checkEndpointUrl: address literals, by class', () => {
  it.each([
    ['https://127.0.0.1/x', '127.0.0.1 is a loopback address'],
    ['https://127.45.6.7/x', '127.45.6.7 is a loopback address'],
    ['https://[::1]/x', '::1 is a loopback address'],
    ['https://10.1.2.3/x', '10.1.2.3 is a private address'],
    ['https://172.16.5.4/x', '172.16.5.4 is a private address'],
    ['https://172.31.255.255/x', '172.31.255.255 is a private address'],
    ['https://192.168.1.1/x', '192.168.1.1 is a private address'],
    ['https://169.254.1.1/x', '169.254.1.1 is a link-local address'],
    ['https://[fe80::1]/x', 'fe80::1 is a link-local address'],
    ['https://[fd12:3456::1]/x', 'fd12:3456::1 is a unique-local address'],
    ['https://[fc00::5]/x', 'fc00::5 is a unique-local address'],
    ['https://100.64.0.1/x', '100.64.0.1 is a carrier-grade NAT address'],
    ['https://224.0.0.1/x', '224.0.0.1 is a multicast address'],
    ['https://[ff02::1]/x', 'ff02::1 is a multicast address'],
    ['https://0.0.0.0/x', '0.0.0.0 is an unspecified address'],
    ['https://[::]/x', ':: is an unspecified address'],
    ['https://255.255.255.255/x', '255.255.255.255 is the broadcast address'],
    ['https://240.0.0.1/x', '240.0.0.1 is a reserved address'],
    ['https://192.0.2.10/x', '192.0.2.10 is a reserved address'],
    ['https://198.18.0.1/x', '198.18.0.1 is a reserved address'],
    ['https://[2001:db8::1]/x', '2001:db8::1 is a reserved address'],
    ['https://169.254.169.254/latest/meta-data/', '169.254.169.254 is a cloud metadata address'],
    ['https://[fd00:ec2::254]/latest/meta-data/', 'fd00:ec2::254 is a cloud metadata address'],
    ['https://100.100.100.200/latest/meta-data/', '100.100.100.200 is a cloud metadata address'],
    ['https://168.63.129.16/machine', '168.63.129.16 is a cloud metadata address'],
    ['https://[::ffff:a00:1]/x', '::ffff:a00:1 is the IPv4-mapped form of 10.0.0.1, a private address'],
    ['https://[::ffff:0:7f00:1]/x', '::ffff:0:7f00:1 is the IPv4-translated form of 127.0.0.1, a loopback address'],
    [
      'https://[64:ff9b::a9fe:a9fe]/x',
      '64:ff9b::a9fe:a9fe is the NAT64 form of 169.254.169.254, a cloud metadata address',
    ],
    ['https://[64:ff9b:1::808:808]/x', '64:ff9b:1::808:808 is a local-use NAT64 address'],
    ['https://[2002:c0a8:101::1]/x', '2002:c0a8:101::1 is the 6to4 form of 192.168.1.1, a private address'],
    ['https://[2001::1]/x', '2001::1 is a Teredo tunnel address'],
    ['https://[::7f00:1]/x', '::7f00:1 is outside the global unicast range 2000::/3'],
  ])('%s → %s', async (url, problem) => {
    expect(await check(url)).toEqual(refusedAddress(url, problem));
  });
});

describe('checkEndpointUrl: spellings of a refused address', () => {
  it.each([
    ['http://2130706433', 'http://127.0.0.1/', '127.0.0.1 is a loopback address'],
    ['http://0x7f.1', 'http://127.0.0.1/', '127.0.0.1 is a loopback address'],
    ['https://0x7f000001/x', 'https://127.0.0.1/x', '127.0.0.1 is a loopback address'],
    ['https://0177.0.0.1/x', 'https://127.0.0.1/x', '127.0.0.1 is a loopback address'],
    ['https://127.1/x', 'https://127.0.0.1/x', '127.0.0.1 is a loopback address'],
    ['https://127.0.0.1./x', 'https://127.0.0.1/x', '127.0.0.1 is a loopback address'],
    ['https://0251.0376.0251.0376/', 'https://169.254.169.254/', '169.254.169.254 is a cloud metadata address'],
    [
      'http://[::ffff:127.0.0.1]',
      'http://[::ffff:7f00:1]/',
      '::ffff:7f00:1 is the IPv4-mapped form of 127.0.0.1, a loopback address',
    ],
    [
      'https://[0:0:0:0:0:ffff:7f00:1]/',
      'https://[::ffff:7f00:1]/',
      '::ffff:7f00:1 is the IPv4-mapped form of 127.0.0.1, a loopback address',
    ],
    ['http://0.0.0.0', 'http://0.0.0.0/', '0.0.0.0 is an unspecified address'],
    ['http://0', 'http://0.0.0.0/', '0.0.0.0 is an unspecified address'],
    ['http://[::]', 'http://[::]/', ':: is an unspecified address'],
    ['https://localhost/x', 'https://localhost/x', 'localhost is a loopback name'],
    ['https://LOCALHOST./x', 'https://localhost/x', 'localhost is a loopback name'],
    ['http://localhost:4000/x', 'http://localhost:4000/x', 'localhost is a loopback name'],
    ['https://api.localhost/x', 'https://api.localhost/x', 'api.localhost is a loopback name'],
  ])('%s (read as %s) → %s', async (url, shown, problem) => {
    expect(await check(url)).toEqual(refusedAddress(shown, problem));
  });
});

/** A name refused for an address that is not public: the caller is told neither the address nor its class. */
const refusedName = (shown: string, host: string, detail: string) => ({
  ...refusedAddress(
    shown,
    `${host} resolves to an address that is not public (such as a loopback, private or link-local address)`,
  ),
  detail,
});

describe('checkEndpointUrl: names, resolved', () => {
  it('a name resolving to a private address is refused without naming the address; the detail is for the operator', async () => {
    const lookup = resolvingTo('10.0.0.7');
    const result = await check('https://hooks.example.com/x', lookup);
    expect(result).toEqual(
      refusedName(
        'https://hooks.example.com/x',
        'hooks.example.com',
        'hooks.example.com resolves to 10.0.0.7, a private address',
      ),
    );
    expect(result.ok === false && result.message).not.toMatch(/10\.0\.0\.7|private address/);
    expect(lookup.calls).toEqual(['hooks.example.com']);
  });

  it('an internal name resolving to a loopback address tells the caller nothing of the address', async () => {
    const result = await check('https://vm/x', resolvingTo('127.0.0.1'));
    expect(result).toEqual(refusedName('https://vm/x', 'vm', 'vm resolves to 127.0.0.1, a loopback address'));
    expect(result.ok === false && result.message).not.toMatch(/127\.0\.0\.1|loopback address/);
  });

  it('one refused address among public ones is enough to refuse (the connection could use any)', async () => {
    expect(
      await check('https://hooks.example.com/x', resolvingTo('93.184.216.34', '2606:2800:220:1::1', '::1')),
    ).toEqual(
      refusedName(
        'https://hooks.example.com/x',
        'hooks.example.com',
        'hooks.example.com resolves to ::1, a loopback address',
      ),
    );
  });

  it('a name for a metadata service is refused, the service named to the operator only', async () => {
    expect(await check('https://metadata.google.internal/computeMetadata/v1/', resolvingTo('169.254.169.254'))).toEqual(
      refusedName(
        'https://metadata.google.internal/computeMetadata/v1/',
        'metadata.google.internal',
        'metadata.google.internal resolves to 169.254.169.254, a cloud metadata address',
      ),
    );
  });

  it('a name that does not resolve is refused with the resolver code', async () => {
    const notFound: ResolveHost = () => Promise.reject(Object.assign(new Error('nope'), { code: 'ENOTFOUND' }));
    expect(await check('https://nowhere.example.com/x', notFound)).toEqual(
      refused('https://nowhere.example.com/x: nowhere.example.com does not resolve (ENOTFOUND)'),
    );
    expect(await check('https://nowhere.example.com/x', resolvingTo())).toEqual(
      refused('https://nowhere.example.com/x: nowhere.example.com does not resolve (no address)'),
    );
  });

  it('a resolver that does not answer in time is a refusal, not a hang', async () => {
    const silent: ResolveHost = () => new Promise(() => {});
    const result = await checkEndpointUrl('https://slow.example.com/x', {
      allowedHosts: [],
      allowedPorts: DEFAULT_PORTS,
      lookup: silent,
      lookupTimeoutMs: 50,
    });
    expect(result).toEqual(
      refused('https://slow.example.com/x: slow.example.com does not resolve (no answer within 50 ms)'),
    );
  });

  it('a public name is accepted, normalised: lower case, no trailing dot, no fragment, default port dropped', async () => {
    const lookup = resolvingTo('93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946');
    expect(await check('HTTPS://Hooks.Example.COM.:443/ci/Done?job=1#top', lookup)).toEqual({
      ok: true,
      url: 'https://hooks.example.com/ci/Done?job=1',
    });
    expect(lookup.calls).toEqual(['hooks.example.com']);
  });

  it.each([
    'https://8.8.8.8/x',
    'https://[2606:4700:4700::1111]/x',
    'https://[::ffff:8.8.8.8]/x',
    'https://[64:ff9b::808:808]/x',
  ])('a public address literal passes without any lookup: %s', async (url) => {
    expect(await check(url)).toMatchObject({ ok: true });
  });
});

describe('checkEndpointUrl: WEBHOOK_ALLOWED_HOSTS', () => {
  it.each([
    ['http://127.0.0.1:8080/hook', ['127.0.0.1'], 'http://127.0.0.1:8080/hook'],
    ['http://2130706433:8080/hook', ['127.0.0.1'], 'http://127.0.0.1:8080/hook'],
    ['http://localhost:3000/hook', ['localhost'], 'http://localhost:3000/hook'],
    ['http://LOCALHOST.:3000/hook', ['localhost'], 'http://localhost:3000/hook'],
    ['http://[::1]:9000/hook', ['[::1]'], 'http://[::1]:9000/hook'],
    ['https://receiver.internal/hook', ['receiver.internal'], 'https://receiver.internal/hook'],
  ])('%s with %j allowed → %s, plain http and all, without a lookup', async (url, allowed, normalised) => {
    expect(await check(url, noLookup, allowed)).toEqual({ ok: true, url: normalised });
  });

  it('allowing one host allows no other', async () => {
    expect(await check('http://127.0.0.2:8080/hook', noLookup, ['127.0.0.1'])).toEqual(
      refusedAddress('http://127.0.0.2:8080/hook', '127.0.0.2 is a loopback address'),
    );
    const lookup = resolvingTo('93.184.216.34');
    expect(await check('http://other.example.com/hook', lookup, ['hooks.example.com'])).toEqual(
      refused(
        'http://other.example.com/hook: must use https (plain http is allowed only to hosts in WEBHOOK_ALLOWED_HOSTS)',
      ),
    );
  });

  it('credentials stay refused on an allowed host', async () => {
    expect(await check('http://a:b@127.0.0.1:8080/hook', noLookup, ['127.0.0.1'])).toMatchObject({ ok: false });
  });
});

/** The refusal of a port that is not allowed, as the owner of `shown` reads it. */
const refusedPort = (shown: string, named: string, ports = 'ports 443, 8443') =>
  refused(
    `${shown}: ${named}; webhooks go to ${ports} only, unless the host is listed in WEBHOOK_ALLOWED_HOSTS ` +
      '(the operator sets WEBHOOK_ALLOWED_PORTS)',
  );

describe('checkEndpointUrl: WEBHOOK_ALLOWED_PORTS', () => {
  it('a public address on another port is refused, naming the port, the ports allowed and the way out', async () => {
    expect(await check('https://1.1.1.1:22/')).toEqual(refusedPort('https://1.1.1.1:22/', 'names port 22'));
  });

  it.each([
    ['https://8.8.8.8:80/x', 'names port 80'],
    ['https://8.8.8.8:8080/x', 'names port 8080'],
    ['https://8.8.8.8:6379/x', 'names port 6379'],
    ['https://8.8.8.8:65535/x', 'names port 65535'],
    ['https://[2606:4700:4700::1111]:25/x', 'names port 25'],
  ])('%s is refused: %s', async (url, named) => {
    expect(await check(url)).toEqual(refusedPort(url, named));
  });

  it('a host name on a port not allowed is refused before any lookup', async () => {
    expect(await check('https://hooks.example.com:22/x', noLookup)).toEqual(
      refusedPort('https://hooks.example.com:22/x', 'names port 22'),
    );
  });

  it.each([
    ['https://1.1.1.1/', 'https://1.1.1.1/'],
    ['https://1.1.1.1:443/x', 'https://1.1.1.1/x'],
    ['https://8.8.8.8:8443/x', 'https://8.8.8.8:8443/x'],
    ['https://[2606:4700:4700::1111]:8443/x', 'https://[2606:4700:4700::1111]:8443/x'],
  ])('the default ports pass: %s → %s', async (url, normalised) => {
    expect(await check(url)).toEqual({ ok: true, url: normalised });
  });

  it('the operator narrows the list: a URL without a port is 443, refused when 443 is not listed', async () => {
    expect(await check('https://8.8.8.8:8443/x', noLookup, [], [8443])).toEqual({
      ok: true,
      url: 'https://8.8.8.8:8443/x',
    });
    expect(await check('https://8.8.8.8/x', noLookup, [], [8443])).toEqual(
      refusedPort('https://8.8.8.8/x', 'names no port (so 443)', 'port 8443'),
    );
    expect(await check('https://8.8.8.8:9443/x', noLookup, [], [443, 9443])).toMatchObject({ ok: true });
  });

  it.each([
    ['https://1.1.1.1:22/', ['1.1.1.1'], 'https://1.1.1.1:22/'],
    ['https://receiver.internal:9000/hook', ['receiver.internal'], 'https://receiver.internal:9000/hook'],
    ['http://10.0.0.5:8080/hook', ['10.0.0.5'], 'http://10.0.0.5:8080/hook'],
  ])('a host in WEBHOOK_ALLOWED_HOSTS may name any port: %s with %j', async (url, allowed, normalised) => {
    expect(await check(url, noLookup, allowed, [443])).toEqual({ ok: true, url: normalised });
  });

  it('the refusals that came before stay first: a private address or plain http is told as such', async () => {
    expect(await check('https://10.0.0.5:22/x')).toEqual(
      refusedAddress('https://10.0.0.5:22/x', '10.0.0.5 is a private address'),
    );
    expect(await check('http://8.8.8.8:22/x')).toEqual(
      refused('http://8.8.8.8:22/x: must use https (plain http is allowed only to hosts in WEBHOOK_ALLOWED_HOSTS)'),
    );
  });
});
