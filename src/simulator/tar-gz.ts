/** A `.tar.gz` built in memory from named buffers: the archives both simulators serve. */
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';

export async function packTarGz(
  files: ReadonlyArray<readonly [name: string, content: Buffer]>,
  mtime: Date,
): Promise<Buffer> {
  const pack = tar.pack();
  for (const [name, content] of files) pack.entry({ name, size: content.length, mtime, mode: 0o644 }, content);
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack as AsyncIterable<Buffer>) chunks.push(chunk);
  return gzipSync(Buffer.concat(chunks));
}
