/**
 * The operator trial's case, whole: an upload in progress when the gateway gets SIGTERM. The drain
 * waits for it, then, just before cutting the connections still open, ends the mutations still
 * running: the uploader gets an answer, UPSTREAM_OUTCOME_UNKNOWN (before, a reset, which it would
 * take for "nothing happened"), and the gateway's request line says what it was answered.
 */
import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { startGatewayProcess, logLines } from '../harness/gateway-process.js';
import { DEMO, headersFor } from '../harness/stack.js';

const BOUNDARY = '----request-log-shutdown';
const OPERATIONS = JSON.stringify({
  query: 'mutation Upload($file: Upload!) { uploadFile(file: $file) { id } }',
  operationName: 'Upload',
  variables: { file: null },
});
const HEAD =
  `--${BOUNDARY}\r\nContent-Disposition: form-data; name="operations"\r\n\r\n${OPERATIONS}\r\n` +
  `--${BOUNDARY}\r\nContent-Disposition: form-data; name="map"\r\n\r\n{"0":["variables.file"]}\r\n` +
  `--${BOUNDARY}\r\nContent-Disposition: form-data; name="0"; filename="slow.csv"\r\nContent-Type: text/csv\r\n\r\n` +
  'question,answer\n';
const ROWS = '"a question about the product?","an answer that explains things at some length."\n'.repeat(100);

describe('SIGTERM during a slow upload', () => {
  it('logs the cut upload as aborted: the uploader got no answer', async () => {
    const gateway = await startGatewayProcess({ LOG_LEVEL: 'info', WEBHOOKS_ENABLED: 'false' });
    try {
      const req = request(`${gateway.url}/graphql`, {
        method: 'POST',
        headers: { ...headersFor(DEMO), 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
      });
      const outcome = new Promise<string>((resolve) => {
        req.on('response', (res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => (body += chunk.toString()));
          res.on('end', () => resolve(`HTTP ${res.statusCode} ${body}`));
        });
        req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
      });
      // About 70 KB/s, well above the upload pace's floor (8 KiB/s): only the shutdown stops it.
      req.write(HEAD);
      const trickle = setInterval(() => {
        if (!req.destroyed) req.write(ROWS);
      }, 100);
      try {
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        gateway.child.kill('SIGTERM');
        expect(await gateway.exited).toBe(0);
        const answer = await outcome;
        expect(answer).toMatch(/^HTTP 200 /);
        expect(JSON.parse(answer.slice('HTTP 200 '.length))).toMatchObject({
          data: null,
          errors: [{ extensions: { code: 'UPSTREAM_OUTCOME_UNKNOWN' } }],
        });
      } finally {
        clearInterval(trickle);
        req.destroy();
      }
      const line = logLines(gateway.output(), 'request').find((l) => l.operationName === 'Upload');
      expect(line).toMatchObject({ method: 'POST', path: '/graphql', operation: 'mutation', status: 200 });
      expect(line).not.toHaveProperty('aborted');
    } finally {
      await gateway.stop();
    }
  }, 120_000);
});
