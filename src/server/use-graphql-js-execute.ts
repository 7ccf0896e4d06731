/**
 * Queries and mutations run on graphql-js's own `execute` instead of yoga's default executor
 * (@graphql-tools/executor), which adds `@defer`/`@stream` support and promise-helper wrappers
 * around every field this schema has no use for: about 10 % of the CPU of a page of jobs
 * (bench/RESULTS.md, "Levers"). Subscriptions keep yoga's executor (`subscribe` is not replaced).
 */
import { execute } from 'graphql';
import type { Plugin } from 'graphql-yoga';

export function useGraphQLJsExecute(): Plugin {
  return {
    // Yoga's own engine plugin runs first; the last `setExecuteFn` wins.
    onExecute({ setExecuteFn }) {
      setExecuteFn(execute);
    },
  };
}
