/**
 * The new-job form's field names, as the gateway names them in `extensions.field`
 * ("hyperparameters.lora.r"): typed from the generated GraphQL input types, so that a field renamed in
 * the schema breaks `tsc -p dashboard` here instead of leaving a problem shown nowhere.
 */
import type { AnalyzeDatasetInput, CreateJobInput, HyperparametersInput, LoraInput } from '../gql/graphql';

type Leaf = File | readonly unknown[] | string | number | boolean;

/** The dotted path of every leaf of an input type: `name`, `dataset.id`, `hyperparameters.lora.r`, … */
type Leaves<T, Prefix extends string = ''> = {
  [K in keyof T & string]-?: NonNullable<T[K]> extends Leaf
    ? `${Prefix}${K}`
    : Leaves<NonNullable<T[K]>, `${Prefix}${K}.`>;
}[keyof T & string];

/** A job's fields, and the files the pre-flight check (`analyzeDataset`) reports on. */
export type FieldPath = Leaves<CreateJobInput> | Leaves<Pick<AnalyzeDatasetInput, 'trainingFile' | 'validationFile'>>;

type NumberKeys<T> = { [K in keyof T & string]-?: NonNullable<T[K]> extends number ? K : never }[keyof T & string];

/** The numeric settings typed in a box; the batch size is picked from the model's list instead. */
export type HyperparameterKey = Exclude<NumberKeys<HyperparametersInput>, 'batchSize'>;
export type LoraKey = NumberKeys<LoraInput>;
export type NumericFieldPath = `hyperparameters.${HyperparameterKey}` | `hyperparameters.lora.${LoraKey}`;
