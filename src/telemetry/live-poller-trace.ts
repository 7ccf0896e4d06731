/**
 * Live-update polls in traces. A poll runs on a timer, outside any request, so each of its upstream
 * spans used to be a root: one 30 s job watched gave two dozen one-span traces, unrelated to each
 * other or to the subscription. Here each poller is one trace: a `live.poller` span for its life
 * (linked to the span of the subscription that started it, when there is one: a shared poller
 * serves many subscriptions, so a link and not a parent), one `live.poll` child per poll, and the
 * poll's upstream calls under it.
 *
 * A span is exported only when it ends, and a poller may live for hours (a watched list): after
 * `pollsPerTrace` polls the poller's span ends and a new one starts, linked to the previous, so that
 * a trace stays readable and reaches the collector within minutes.
 */
import type * as Api from '@opentelemetry/api';
import type { PollerTrace, PollerTracer } from '../live/observed.js';

export function livePollerTracer(api: typeof Api, tracer: Api.Tracer, pollsPerTrace = 100): PollerTracer {
  const { context, trace, ROOT_CONTEXT, SpanStatusCode } = api;
  return {
    start(kind): PollerTrace {
      const subscription = trace.getSpanContext(context.active());
      let polls = 0;
      const open = (link: Api.SpanContext | undefined, part: number) =>
        // Under ROOT_CONTEXT: a fresh trace, whatever request's context the poller was started in.
        context.with(ROOT_CONTEXT, () =>
          tracer.startSpan(`live.poller ${kind}`, {
            root: true,
            links: link ? [{ context: link }] : [],
            attributes: { 'live.topic.kind': kind, 'live.trace.part': part },
          }),
        );
      let span = open(subscription, 1);
      const close = () => {
        span.setAttribute('live.polls', polls);
        span.end();
      };
      return {
        async poll(run) {
          if (polls > 0 && polls % pollsPerTrace === 0) {
            close();
            span = open(span.spanContext(), polls / pollsPerTrace + 1);
          }
          polls++;
          const parent = trace.setSpan(ROOT_CONTEXT, span);
          const poll = tracer.startSpan('live.poll', { attributes: { 'live.poll.number': polls } }, parent);
          try {
            return await context.with(trace.setSpan(parent, poll), run);
          } catch (error) {
            poll.setStatus({ code: SpanStatusCode.ERROR });
            throw error;
          } finally {
            poll.end();
          }
        },
        end: close,
      };
    },
  };
}
