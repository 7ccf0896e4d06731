/**
 * A POST whose body no parser understands (text/plain, say) gets yoga's bare 415 with an empty body.
 * This says, in the error vocabulary, which content types the endpoint takes: every one of yoga's
 * request parsers (graphql-yoga's `plugins/request-parser/post-*`), so that none that works goes unnamed.
 */
import type { Plugin } from 'graphql-yoga';

const ACCEPTED =
  'application/json or application/graphql+json (a GraphQL request as JSON), application/graphql (the ' +
  'document alone), application/x-www-form-urlencoded (the request as form fields) or multipart/form-data ' +
  '(a GraphQL multipart upload)';

export function useUnsupportedMediaType(): Plugin {
  return {
    onRequestParse({ request, requestParser, endResponse, fetchAPI }) {
      if (request.method !== 'POST' || requestParser) return;
      const type = request.headers.get('content-type') ?? 'none';
      endResponse(
        new fetchAPI.Response(
          JSON.stringify({
            errors: [
              {
                message: `Content-Type ${type} is not supported: send ${ACCEPTED}.`,
                extensions: { code: 'BAD_USER_INPUT' },
              },
            ],
          }),
          { status: 415, headers: { 'content-type': 'application/json; charset=utf-8' } },
        ),
      );
    },
  };
}
