/** `GET /__downloads/{token}`: the archive behind a download link, while the link lives. */
import { ApiError, notFound } from './api-error.js';
import { buildAdapterArchive } from './adapter-archive.js';
import type { DownloadRegistry } from './downloads.js';
import type { Reply } from './reply.js';

export async function serveDownload(token: string, downloads: DownloadRegistry, now: number): Promise<Reply> {
  const link = downloads.lookup(token, now);
  if (link.kind === 'unknown') throw notFound('no such download link');
  if (link.kind === 'expired') {
    throw new ApiError('not_found', 'the download link has expired; ask GET /jobs/{id}/download for a new one', {
      status: 410,
    });
  }
  const body = await buildAdapterArchive(link.job, new Date(link.job.createdAt + link.job.durationMs));
  return {
    status: 200,
    headers: {
      'content-type': 'application/gzip',
      'content-disposition': `attachment; filename="${link.job.id}.tar.gz"`,
    },
    body,
  };
}
