/**
 * The cost estimate (`costEstimate`) of the job input, asked once the input has not changed for
 * ESTIMATE_DELAY_MS. An answer is kept with the input it priced: it shows only while the input is that
 * one, so a late answer to older inputs never shows. The last answer's problems stay until the next
 * answer (a problem does not blink away while the user types), and go when there is no input to price.
 */
import { useEffect, useState } from 'preact/hooks';
import { request } from '../api';
import type { CreateJobInput, EstimateQuery } from '../gql/graphql';
import { Estimate } from '../operations';
import { NO_PROBLEMS, problemsOf, type Problems } from './problems';

type CostEstimate = EstimateQuery['costEstimate'];

export interface EstimateState {
  estimate: CostEstimate | null;
  /**
   * An estimate of the current input is coming: about to be asked (the input settles for
   * ESTIMATE_DELAY_MS first), or asked and not answered yet.
   */
  estimating: boolean;
  problems: Problems;
}

const ESTIMATE_DELAY_MS = 500;

interface Answer extends EstimateState {
  /** The input priced, as JSON: the effect's one dependency, compared by value. */
  key: string;
}

export function useEstimate(input: CreateJobInput | null): EstimateState {
  const key = input ? JSON.stringify(input) : null;
  const [answer, setAnswer] = useState<Answer | null>(null);
  useEffect(() => {
    if (key === null) return;
    let current = true;
    const timer = setTimeout(async () => {
      setAnswer((last) => ({ key, estimate: null, estimating: true, problems: last?.problems ?? NO_PROBLEMS }));
      try {
        const { costEstimate } = await request(Estimate, { input: JSON.parse(key) as CreateJobInput });
        if (current) setAnswer({ key, estimate: costEstimate, estimating: false, problems: NO_PROBLEMS });
      } catch (error) {
        if (current) setAnswer({ key, estimate: null, estimating: false, problems: problemsOf(error) });
      }
    }, ESTIMATE_DELAY_MS);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [key]);
  if (key === null) return { estimate: null, estimating: false, problems: NO_PROBLEMS };
  // An input not answered yet is being priced (its request waits for the input to settle): the card
  // says so, not that the inputs are wrong (dashboard trial).
  if (answer?.key !== key) return { estimate: null, estimating: true, problems: answer?.problems ?? NO_PROBLEMS };
  return { estimate: answer.estimate, estimating: answer.estimating, problems: answer.problems };
}
