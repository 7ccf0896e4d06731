/** The base models a job can start from (`baseModels`), read once when the form opens. */
import { useEffect, useState } from 'preact/hooks';
import { request } from '../api';
import type { BaseModelsQuery } from '../gql/graphql';
import { BaseModels } from '../operations';
import { NO_PROBLEMS, problemsOf, type Problems } from './problems';

export type BaseModel = BaseModelsQuery['baseModels'][number];

export function useBaseModels(): { models: readonly BaseModel[]; problems: Problems } {
  const [state, setState] = useState<{ models: readonly BaseModel[]; problems: Problems }>({
    models: [],
    problems: NO_PROBLEMS,
  });
  useEffect(() => {
    let current = true;
    request(BaseModels).then(
      ({ baseModels }) => current && setState({ models: baseModels, problems: NO_PROBLEMS }),
      (error: unknown) => current && setState({ models: [], problems: problemsOf(error) }),
    );
    return () => {
      current = false;
    };
  }, []);
  return state;
}
