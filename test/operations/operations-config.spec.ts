/** The settings of rate limits, persisted operations and the circuit breaker: defaults and refusals. */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';

describe('operations settings', () => {
  it('defaults: no rate limit, APQ on and bounded, no trusted documents, a breaker of 5 / 10 s / 15 s', () => {
    const config = loadConfig({});
    expect(config.rateLimit).toBeNull();
    expect(config.persistedOperations).toEqual({
      apq: { maxEntries: 1000, maxBytes: 4 * 1024 * 1024 },
      trustedDocumentsFile: null,
    });
    expect(config.circuitBreaker).toEqual({ threshold: 5, windowMs: 10_000, coolDownMs: 15_000 });
  });

  it('reads each setting', () => {
    const config = loadConfig({
      RATE_LIMIT_ENABLED: 'true',
      RATE_LIMIT_POINTS: '10',
      RATE_LIMIT_WINDOW_SECONDS: '5',
      RATE_LIMIT_TRUST_PROXY: 'true',
      APQ_ENABLED: 'false',
      TRUSTED_DOCUMENTS_FILE: 'trusted.json',
      UPSTREAM_BREAKER_THRESHOLD: '0',
    });
    expect(config.rateLimit).toEqual({ points: 10, windowSeconds: 5, trustProxy: true });
    expect(config.persistedOperations).toEqual({ apq: null, trustedDocumentsFile: 'trusted.json' });
    expect(config.circuitBreaker.threshold).toBe(0);
  });

  it('refuses a bad value naming the variable', () => {
    expect(() => loadConfig({ RATE_LIMIT_POINTS: '0' })).toThrow(
      'RATE_LIMIT_POINTS="0": must be a whole number greater than 0',
    );
  });
});
