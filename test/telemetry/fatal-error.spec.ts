/**
 * An error nothing handled ends the gateway (as Node would: its state is no longer known), but with
 * one JSON line at level fatal, scrubbed of the secrets in flight, instead of Node's stack on stderr:
 * the operator's token, held for the gateway's life, does not leak through the fault's message.
 */
import { describe, expect, it } from 'vitest';
import { startGatewayProcess } from '../harness/gateway-process.js';

const SECRET = 'operator-token-8f2c91d0a7';

describe('an error nothing handled', () => {
  it('ends the gateway with exit code 1 and one fatal JSON line that holds no secret', async () => {
    const gateway = await startGatewayProcess(
      {
        LOG_LEVEL: 'info',
        NSCALE_API_URL: 'http://127.0.0.1:9/api/v1',
        GATEWAY_SINGLE_TENANT: 'true',
        NSCALE_API_TOKEN: SECRET,
        NSCALE_ORGANIZATION_ID: 'org-1',
        FAULT_SECRET: SECRET,
      },
      ['--import', 'tsx', '--import', './test/fixtures/reject-on-sigusr2.mjs', 'src/server/main.ts'],
    );
    let stderr = '';
    gateway.child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    gateway.child.kill('SIGUSR2');
    expect(await gateway.exited).toBe(1);

    const lines = gateway
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const fatal = lines.filter((line) => line['level'] === 60);
    expect(fatal).toHaveLength(1);
    expect(fatal[0]).toMatchObject({ msg: 'an error nothing handled; exiting', origin: 'unhandledRejection' });
    expect((fatal[0]!['err'] as { message: string }).message).toMatch(/^a fault that carries \S+$/);
    expect(gateway.output() + stderr).not.toContain(SECRET);
    expect(stderr).toBe('');
  }, 60_000);
});
