/**
 * The files of a Together job, checked before it is sent (validate-together-job.ts): each id is one of
 * Together's, the file is this account's, Together found it usable, and its rows suit the training
 * chosen.
 */
import type { Problem } from '../errors/input-problems.js';
import type { ProviderFile } from '../providers/fine-tuning-provider.js';
import { publicId, upstreamId } from '../providers/provider-ids.js';
import { isUpstreamError } from '../upstream/errors.js';
import { quote } from '../contract/quote.js';
import type { GatewayContext } from './context.js';
import type { JobArgs } from './job-args.js';

/**
 * A value as a refusal quotes it: a string in quotes, with the characters that would not show (controls,
 * bidirectional overrides, zero-width characters) escaped as `\u202E` (../upstream/quote.ts); anything
 * else as it is.
 */
export const show = (v: unknown): string => quote(v);

export function fileIds(args: JobArgs, problems: Problem[]): { training: string | null; validation: string | null } {
  const own = (id: string | number | null | undefined, field: string): string | null => {
    if (id == null) return null;
    try {
      return upstreamId('together', String(id), field);
    } catch (error) {
      problems.push({ field, message: (error as Error).message });
      return null;
    }
  };
  return {
    training: own(args.files?.trainingFileId, 'files.trainingFileId'),
    validation: own(args.files?.validationFileId, 'files.validationFileId'),
  };
}

/**
 * The file exists for this key, Together found it usable (it checks each upload), and its rows suit the
 * training chosen: DPO trains on preference rows only, SFT on any other. Together's createJob refuses a
 * mismatch but its estimate-price prices it, so it is checked here, where both read it; a file whose
 * format Together did not report is left to Together's createJob.
 */
export async function checkFile(
  ctx: GatewayContext,
  id: string | null,
  field: string,
  dpo: boolean,
  problems: Problem[],
): Promise<void> {
  if (id === null) return;
  const shown = publicId('together', id);
  let file: ProviderFile;
  try {
    file = await ctx.loaders().file.load(id);
  } catch (error) {
    if (!isUpstreamError(error) || (error.code !== 'NOT_FOUND' && error.code !== 'FORBIDDEN')) throw error;
    problems.push({ field, message: `${field}: ${show(shown)} is not a file of this account` });
    return;
  }
  if (file.validationError) {
    problems.push({ field, message: `${field}: ${show(shown)} failed Together’s checks: ${file.validationError}` });
    return;
  }
  const format = file.rowFormat;
  if (format == null) return;
  const preference = format.startsWith('preference');
  if (dpo && !preference)
    problems.push({
      field,
      message:
        `${field}: DPO training needs preference rows (input, preferred_output, non_preferred_output); ` +
        `file ${shown} holds ${format} rows (leave hyperparameters.dpo out to train on them)`,
    });
  if (!dpo && preference)
    problems.push({
      field,
      message: `${field}: file ${shown} holds preference rows, which train with DPO only (hyperparameters.dpo)`,
    });
}
