/**
 * Starting the job (`createJob`), then its page. A refusal's problems belong to the input that was
 * refused: they show until the input changes. While a start runs, the form cannot start another.
 */
import { useState } from 'preact/hooks';
import { request } from '../api';
import type { CreateJobInput } from '../gql/graphql';
import { CreateJob } from '../operations';
import { NO_PROBLEMS, problemsOf, type Problems } from './problems';

interface Attempt {
  key: string;
  starting: boolean;
  problems: Problems;
}

export function useStartJob(
  input: CreateJobInput | null,
  onStarted: () => void,
): {
  start(): Promise<void>;
  starting: boolean;
  problems: Problems;
} {
  const key = input ? JSON.stringify(input) : null;
  const [attempt, setAttempt] = useState<Attempt | null>(null);
  const start = async () => {
    if (!input || key === null) return;
    setAttempt({ key, starting: true, problems: NO_PROBLEMS });
    try {
      const { createJob } = await request(CreateJob, { input });
      onStarted();
      location.hash = `#/jobs/${encodeURIComponent(createJob.id)}`;
    } catch (error) {
      setAttempt({ key, starting: false, problems: problemsOf(error) });
    }
  };
  const starting = attempt?.starting ?? false;
  return { start, starting, problems: attempt && attempt.key === key ? attempt.problems : NO_PROBLEMS };
}
