/** Start-up failures a user can fix are reported by name, and leave nothing running. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { StartError, startFromConfig } from '../../src/server/start.js';

describe('startFromConfig', () => {
  it('a port already in use is a StartError naming PORT', async () => {
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    const { port } = squatter.address() as AddressInfo;
    try {
      const config = loadConfig({ PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'silent' });
      const started = startFromConfig(config, pino({ level: 'silent' }));
      await expect(started).rejects.toThrow(StartError);
      await expect(started).rejects.toThrow(`PORT=${port}: the port is already in use on 127.0.0.1`);
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  });
});
