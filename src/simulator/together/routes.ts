/**
 * Together's route table: `METHOD /template` relative to `/v1`. The template is also the key of the
 * request stats and of fault scoping (`"GET /fine-tunes/{id}"`), as in the Nscale simulator.
 * Literal segments are listed before `{id}` ones that could shadow them.
 */
import type { TogetherHandler } from './context.js';
import { invalidRequest } from './errors.js';
import { downloadModel, tokenizedDataset } from './handlers/downloads.js';
import { estimatePrice } from './handlers/estimate.js';
import { deleteFile, fileContent, getFile, listFiles, startUpload, uploadMultipart } from './handlers/files.js';
import { cancelFineTune, createFineTune, deleteFineTune, getFineTune, listFineTunes } from './handlers/fine-tunes.js';
import { listCheckpoints, listEvents, listMetrics } from './handlers/job-reads.js';
import { listModels, modelLimits } from './handlers/models.js';
import { previewFineTune } from './handlers/preview.js';

const TOGETHER_API_PREFIX = '/v1';

const ROUTES: ReadonlyArray<readonly [method: string, template: string, handler: TogetherHandler]> = [
  ['GET', '/models', listModels],
  ['POST', '/files', startUpload],
  ['POST', '/files/upload', uploadMultipart],
  ['GET', '/files', listFiles],
  ['GET', '/files/{id}', getFile],
  ['DELETE', '/files/{id}', deleteFile],
  ['GET', '/files/{id}/content', fileContent],
  ['POST', '/fine-tunes', createFineTune],
  ['GET', '/fine-tunes', listFineTunes],
  ['POST', '/fine-tunes/estimate-price', estimatePrice],
  ['POST', '/fine-tunes/preview', previewFineTune],
  ['GET', '/fine-tunes/models/limits', modelLimits],
  ['GET', '/fine-tunes/{id}', getFineTune],
  ['DELETE', '/fine-tunes/{id}', deleteFineTune],
  ['POST', '/fine-tunes/{id}/cancel', cancelFineTune],
  ['GET', '/fine-tunes/{id}/events', listEvents],
  ['GET', '/fine-tunes/{id}/checkpoints', listCheckpoints],
  ['GET', '/fine-tunes/{id}/metrics', listMetrics],
  ['GET', '/fine-tunes/{id}/download-tokenized-dataset', tokenizedDataset],
  ['GET', '/finetune/download', downloadModel],
];

export interface TogetherRoute {
  /** "GET /fine-tunes/{id}" */
  key: string;
  template: string;
  params: Record<string, string>;
  handler: TogetherHandler;
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw invalidRequest(`${JSON.stringify(segment)} is not valid percent-encoding.`);
  }
}

function matchTemplate(template: string, segments: readonly string[]): Record<string, string> | undefined {
  const parts = template.slice(1).split('/');
  if (parts.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (const [i, part] of parts.entries()) {
    const actual = segments[i] ?? '';
    if (part.startsWith('{') && actual !== '') params[part.slice(1, -1)] = actual;
    else if (part !== actual) return undefined;
  }
  return params;
}

/** The route of a path under `/v1`, or undefined when none matches. Ids are percent-decoded. */
export function matchTogetherRoute(method: string, pathname: string): TogetherRoute | undefined {
  if (!pathname.startsWith(`${TOGETHER_API_PREFIX}/`)) return undefined;
  const segments = pathname.slice(TOGETHER_API_PREFIX.length + 1).split('/');
  if (segments.length > 1 && segments.at(-1) === '') segments.pop();
  for (const [routeMethod, template, handler] of ROUTES) {
    if (routeMethod !== method) continue;
    const params = matchTemplate(template, segments);
    if (params === undefined) continue;
    for (const name of Object.keys(params)) params[name] = decode(params[name] ?? '');
    return { key: `${method} ${template}`, template, params, handler };
  }
  return undefined;
}
