/** The files of a tar archive (already gunzipped), by name: how a test opens what the simulator serves. */
import tar from 'tar-stream';

export async function untar(archive: Buffer): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  const extract = tar.extract();
  const done = (async () => {
    for await (const entry of extract) {
      const chunks: Buffer[] = [];
      for await (const chunk of entry as AsyncIterable<Buffer>) chunks.push(chunk);
      files.set(entry.header.name, Buffer.concat(chunks));
    }
  })();
  extract.end(archive);
  await done;
  return files;
}

/** The JSON header of a safetensors file. */
export function safetensorsHeader(
  file: Buffer,
): Record<string, { dtype?: string; shape?: number[] } & Record<string, unknown>> {
  const length = Number(file.readBigUInt64LE(0));
  return JSON.parse(file.subarray(8, 8 + length).toString('utf8')) as Record<
    string,
    { dtype?: string; shape?: number[] }
  >;
}
