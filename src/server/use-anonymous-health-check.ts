/**
 * `/healthz` answers 200 to anyone, and yoga's health check adds `x-yoga-id`, which tells a stranger
 * what serves the port. Only that check sets the header: it is dropped wherever it appears, without
 * matching the URL of every response.
 */
import type { Plugin } from 'graphql-yoga';

export function useAnonymousHealthCheck(): Plugin {
  return {
    onResponse({ response }) {
      if (response.headers.has('x-yoga-id')) response.headers.delete('x-yoga-id');
    },
  };
}
