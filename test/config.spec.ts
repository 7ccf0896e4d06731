/** Configuration: one validated object; a bad value stops start-up naming the variable. */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

describe('loadConfig', () => {
  it('defaults to the embedded simulator, serving the demo tenant to callers without credentials', () => {
    const config = loadConfig({});
    expect(config.port).toBe(4000);
    expect(config.upstream).toEqual({ kind: 'embedded', jobSeconds: 30, failureRate: 0 });
    expect(config.fallbackCredentials).toEqual({ token: 'demo-token', organizationId: 'demo-org' });
    expect(config.redisUrl).toBeNull();
  });

  it('with a real upstream, credentials come from each request: no demo fallback', () => {
    const config = loadConfig({ NSCALE_API_URL: 'https://fine-tuning.example/api/v1/' });
    expect(config.upstream).toEqual({ kind: 'remote', baseUrl: 'https://fine-tuning.example/api/v1' });
    expect(config.fallbackCredentials).toBeNull();
  });

  it('operator credentials serve callers only in explicit single-tenant mode', () => {
    const env = {
      NSCALE_API_URL: 'http://127.0.0.1:4010/api/v1',
      NSCALE_API_TOKEN: 'op-token',
      NSCALE_ORGANIZATION_ID: 'op-org',
    };
    expect(loadConfig(env).fallbackCredentials).toBeNull();
    expect(loadConfig({ ...env, GATEWAY_SINGLE_TENANT: 'true' }).fallbackCredentials).toEqual({
      token: 'op-token',
      organizationId: 'op-org',
    });
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT="eighty": must be a port number from 0 to 65535'],
    [{ PORT: '70000' }, 'PORT="70000"'],
    [{ NSCALE_API_URL: 'ftp://example' }, 'NSCALE_API_URL="ftp://example": must be an http(s) URL'],
    [{ REDIS_URL: 'http://localhost' }, 'REDIS_URL="http://localhost": must be a redis:// or rediss:// URL'],
    [
      { REDIS_URL: 'redis://127.0.0.1:6379/abc' },
      'REDIS_URL="redis://127.0.0.1:6379/abc": its path names the database and must be a number (redis://host:6379/5), or nothing for 0',
    ],
    [
      { GATEWAY_SINGLE_TENANT: 'maybe' },
      'GATEWAY_SINGLE_TENANT="maybe": must be true, false, yes, no, 1 or 0 (in any case)',
    ],
    [
      { GATEWAY_SINGLE_TENANT: 'true', NSCALE_API_URL: 'http://x/api/v1' },
      'GATEWAY_SINGLE_TENANT=true needs NSCALE_API_TOKEN and NSCALE_ORGANIZATION_ID',
    ],
    [
      { REDIS_MESSAGE_SECRET_ACCEPTED: 'the old secret of a rotation' },
      'REDIS_MESSAGE_SECRET_ACCEPTED needs REDIS_MESSAGE_SECRET',
    ],
    [
      { REDIS_MESSAGE_SECRET: 'one secret, both sides', REDIS_MESSAGE_SECRET_ACCEPTED: 'one secret, both sides' },
      'REDIS_MESSAGE_SECRET_ACCEPTED is REDIS_MESSAGE_SECRET',
    ],
    [{ POLL_INTERVAL_RUNNING_MS: '0' }, 'POLL_INTERVAL_RUNNING_MS="0"'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL="loud"'],
    [{ LOG_WRITES: 'buffered' }, 'LOG_WRITES="buffered"'],
  ])('refuses %j with a message naming the variable', (env, expected) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(expected);
  });

  it.each([
    [{ REDIS_URL: 'redis//:s3cretpw@redis.internal:6379' }, 'REDIS_URL="redis//[redacted]@redis.internal:6379"'],
    [{ REDIS_URL: 'http://user:s3cretpw@redis.internal' }, 'REDIS_URL="http://[redacted]@redis.internal"'],
    // A base64 password holds '/': all of it is credentials.
    [
      { REDIS_URL: 'redis://:s3cretpw/cXV4K2Jheg==@redis.internal:6379/x' },
      'REDIS_URL="redis://[redacted]@redis.internal:6379/x"',
    ],
    [{ WEBHOOK_ENCRYPTION_KEY: '"s3cretpw-s3cretpw-s3cretpw-s3cretpw"' }, 'WEBHOOK_ENCRYPTION_KEY="[redacted]"'],
    [
      { NSCALE_API_URL: 'https://op:s3cretpw@api.example/api/v1' },
      'NSCALE_API_URL="https://[redacted]@api.example/api/v1": must be a plain base URL',
    ],
  ])('never shows the credentials a URL carries: %j', (env, expected) => {
    expect(() => loadConfig(env)).toThrow(expected);
    expect(() => loadConfig(env)).not.toThrow(/s3cretpw/);
  });

  it('an upstream URL that is not a URL at all is a configuration message, not a crash', () => {
    expect(() => loadConfig({ NSCALE_API_URL: 'not-a-url' })).toThrow(ConfigError);
    expect(() => loadConfig({ NSCALE_API_URL: 'not-a-url' })).toThrow(
      'NSCALE_API_URL="not-a-url": must be an http(s) URL',
    );
  });

  it('listens on loopback on the embedded simulator unless HOST is set; on all interfaces with a real upstream', () => {
    expect(loadConfig({}).host).toBe('127.0.0.1');
    expect(loadConfig({ HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
    expect(loadConfig({ NSCALE_API_URL: 'http://127.0.0.1:4010/api/v1' }).host).toBe('0.0.0.0');
  });

  it('reads the host names that get the default credentials, the CORS allow-list and the operation limits', () => {
    const config = loadConfig({
      GATEWAY_ALLOWED_HOSTS: 'Gateway.Example.com, 10.0.0.5,[::2]',
      CORS_ORIGINS: 'https://app.example, http://localhost:5173',
      MAX_OPERATION_FIELDS: '50',
      MAX_OPERATION_ALIASES: '5',
    });
    expect(config.allowedHosts).toEqual(['gateway.example.com', '10.0.0.5', '[::2]']);
    expect(config.corsOrigins).toEqual(['https://app.example', 'http://localhost:5173']);
    expect(config.operationLimits).toEqual({
      maxDepth: 12,
      maxAliases: 5,
      maxFields: 50,
      maxDirectives: 30,
      maxTokens: 3000,
      maxCost: 5000,
    });
    expect(loadConfig({}).allowedHosts).toEqual([]);
    expect(loadConfig({}).corsOrigins).toEqual([]);
  });

  it.each([
    [
      { GATEWAY_ALLOWED_HOSTS: 'gateway.example.com:4000' },
      'GATEWAY_ALLOWED_HOSTS="gateway.example.com:4000": "gateway.example.com:4000" is not a host name',
    ],
    [{ GATEWAY_ALLOWED_HOSTS: 'http://gateway.example.com' }, 'is not a host name'],
    [
      { CORS_ORIGINS: 'https://app.example/' },
      'CORS_ORIGINS="https://app.example/": "https://app.example/" is not an origin',
    ],
    [{ CORS_ORIGINS: '*' }, 'CORS_ORIGINS="*": "*" is not an origin'],
    [{ MAX_OPERATION_FIELDS: '0' }, 'MAX_OPERATION_FIELDS="0": must be a whole number greater than 0'],
  ])('refuses %j naming the variable and the entry', (env, expected) => {
    expect(() => loadConfig(env)).toThrow(expected);
  });

  it('reads the ports webhook endpoints on public hosts may name: 443 and 8443 by default', () => {
    expect(loadConfig({}).webhooks?.allowedPorts).toEqual([443, 8443]);
    expect(loadConfig({ WEBHOOK_ALLOWED_PORTS: ' 443 , 9443,443' }).webhooks?.allowedPorts).toEqual([443, 9443]);
    expect(loadConfig({ WEBHOOK_ALLOWED_PORTS: '65535' }).webhooks?.allowedPorts).toEqual([65535]);
  });

  it.each([
    ['0', 'WEBHOOK_ALLOWED_PORTS="0": "0" is not a port number from 1 to 65535'],
    ['70000', 'WEBHOOK_ALLOWED_PORTS="70000": "70000" is not a port number from 1 to 65535'],
    ['443,abc', 'WEBHOOK_ALLOWED_PORTS="443,abc": "abc" is not a port number from 1 to 65535'],
    ['443.5', 'WEBHOOK_ALLOWED_PORTS="443.5": "443.5" is not a port number from 1 to 65535'],
    [
      '443,,8443',
      'WEBHOOK_ALLOWED_PORTS="443,,8443": has an empty entry; list port numbers from 1 to 65535, comma-separated, such as 443,8443',
    ],
    ['443,', 'WEBHOOK_ALLOWED_PORTS="443,": has an empty entry'],
  ])('refuses WEBHOOK_ALLOWED_PORTS=%j at start, naming the variable, the value and the rule', (value, expected) => {
    expect(() => loadConfig({ WEBHOOK_ALLOWED_PORTS: value })).toThrow(ConfigError);
    expect(() => loadConfig({ WEBHOOK_ALLOWED_PORTS: value })).toThrow(expected);
  });

  it('reads the upload and request body limits: 100 MiB and 1 MiB by default', () => {
    expect(loadConfig({})).toMatchObject({ maxUploadBytes: 104_857_600, maxRequestBodyBytes: 1_048_576 });
    expect(loadConfig({ MAX_UPLOAD_BYTES: '2000000', MAX_REQUEST_BODY_BYTES: '65536' })).toMatchObject({
      maxUploadBytes: 2_000_000,
      maxRequestBodyBytes: 65_536,
    });
    expect(() => loadConfig({ MAX_REQUEST_BODY_BYTES: '1MB' })).toThrow(
      'MAX_REQUEST_BODY_BYTES="1MB": must be a whole number greater than 0',
    );
  });

  it('refuses an upstream URL with a query or fragment, naming the variable', () => {
    expect(() => loadConfig({ NSCALE_API_URL: 'http://127.0.0.1:4010/api/v1?x=1' })).toThrow(
      'NSCALE_API_URL="http://127.0.0.1:4010/api/v1?x=1": must be a plain base URL',
    );
  });
});
