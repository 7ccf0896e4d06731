/**
 * The API's route table: `METHOD /template` relative to `/api/v1/organizations/{organization_id}`.
 * The template is also the key of the request stats and of fault scoping.
 */
import type { Handler } from './api-context.js';
import { ApiError } from './api-error.js';
import { listBaseModels } from './handlers/base-models.js';
import { createDataset, deleteDataset, getDataset, listDatasets } from './handlers/datasets.js';
import { exportToHuggingFace } from './handlers/exports.js';
import { getFile, uploadFile } from './handlers/files.js';
import { cancelJob, downloadJob, getMetrics } from './handlers/job-actions.js';
import { createJob, getJob, listJobs } from './handlers/jobs.js';

export const API_PREFIX = '/api/v1/organizations/';

const ROUTES: ReadonlyArray<readonly [method: string, template: string, handler: Handler]> = [
  ['GET', '/base-models', listBaseModels],
  ['POST', '/files', uploadFile],
  ['GET', '/files/{id}', getFile],
  ['POST', '/datasets', createDataset],
  ['GET', '/datasets', listDatasets],
  ['GET', '/datasets/{id}', getDataset],
  ['DELETE', '/datasets/{id}', deleteDataset],
  ['POST', '/jobs', createJob],
  ['GET', '/jobs', listJobs],
  ['GET', '/jobs/{id}', getJob],
  ['POST', '/jobs/{id}/cancel', cancelJob],
  ['GET', '/jobs/{id}/metrics', getMetrics],
  ['GET', '/jobs/{id}/download', downloadJob],
  ['POST', '/jobs/{id}/exports/hugging-face', exportToHuggingFace],
];

export interface RouteMatch {
  organizationId: string;
  /** "GET /jobs/{id}" */
  key: string;
  template: string;
  params: Record<string, string>;
  handler: Handler;
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new ApiError('invalid_argument', `path: ${JSON.stringify(segment)} is not valid percent-encoding`);
  }
}

/** The route of an API path, or undefined when none matches. Ids are percent-decoded. */
export function matchRoute(method: string, pathname: string): RouteMatch | undefined {
  if (!pathname.startsWith(API_PREFIX)) return undefined;
  const segments = pathname.slice(API_PREFIX.length).split('/');
  if (segments.at(-1) === '' && segments.length > 2) segments.pop();
  const [rawOrg, ...rest] = segments;
  if (rawOrg === undefined || rawOrg === '') return undefined;
  for (const [routeMethod, template, handler] of ROUTES) {
    if (routeMethod !== method) continue;
    const parts = template.slice(1).split('/');
    if (parts.length !== rest.length) continue;
    const params: Record<string, string> = {};
    const ok = parts.every((part, i) => {
      const actual = rest[i] ?? '';
      if (part.startsWith('{')) {
        params[part.slice(1, -1)] = actual;
        return actual !== '';
      }
      return part === actual;
    });
    if (!ok) continue;
    for (const name of Object.keys(params)) params[name] = decode(params[name] ?? '');
    return { organizationId: decode(rawOrg), key: `${method} ${template}`, template, params, handler };
  }
  return undefined;
}
