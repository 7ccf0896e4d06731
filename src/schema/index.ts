/** The gateway's GraphQL schema: each import adds a domain type with its root fields. */
import { lexicographicSortSchema, type GraphQLSchema } from 'graphql';
import { builder } from './builder.js';
import { guardIdsAndNames } from './guard-ids-and-names.js';
import './scalars.js';
import './provider.js';
import './base-model.js';
import './file.js';
import './dataset.js';
import './hyperparameters.js';
import './metrics.js';
import './job.js';
import './job-progress.js';
import './job-provider-fields.js';
import './job-continuation.js';
import './job-history.js';
import './cost-estimate.js';
import './dataset-analysis.js';
import './analyze-dataset-input.js';
import './hugging-face-export.js';
import './webhooks.js';
import './subscription.js';

export const schema = guardIdsAndNames(builder.toSchema({ sortSchema: false }));
let sorted: GraphQLSchema | undefined;
/**
 * The schema as `schema.graphql` holds it: printed sorted, so that a diff shows only real changes.
 * A second copy of the whole schema, so built on demand (by the printer and the tests), not by every gateway.
 */
export function sortedSchema(): GraphQLSchema {
  return (sorted ??= lexicographicSortSchema(schema));
}
