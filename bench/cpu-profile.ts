/**
 * Where the gateway's CPU time went, from a V8 CPU profile: each sample goes to the layer of the
 * innermost frame on its stack that belongs to a known layer (a native `JSON.stringify` under
 * graphql-ws counts as serialisation, a `writev` as socket send, a graphql-js frame as execution,
 * and so on). Frames of no layer (promise machinery, Node internals not listed) pass the sample on
 * to their caller. Idle time is left out; the shares are of the busy time.
 */

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export const LAYERS = [
  'GraphQL execution (executor + resolvers)',
  'JSON serialisation',
  'graphql-ws protocol',
  'yoga/envelop result hooks',
  'live-updates plumbing (hub, Repeaters)',
  'promise/microtask machinery',
  'subscription groups',
  'socket send (ws + net + writev)',
  'upstream polling (undici, zod, hash)',
  'garbage collection',
  'other',
] as const;
export type Layer = (typeof LAYERS)[number];

const BY_NAME: Record<string, Layer> = {
  stringify: 'JSON serialisation',
  stringifyMessage: 'JSON serialisation',
  '(garbage collector)': 'garbage collection',
  runMicrotasks: 'promise/microtask machinery',
  writev: 'socket send (ws + net + writev)',
  writeUtf8String: 'socket send (ws + net + writev)',
  writeBuffer: 'socket send (ws + net + writev)',
  writeLatin1String: 'socket send (ws + net + writev)',
};

const BY_URL: Array<[RegExp, Layer]> = [
  [/\/src\/server\/(subscription-groups|graphql-ws-options)\./, 'subscription groups'],
  [
    /\/src\/resolvers\/live-source\.|\/node_modules\/@repeaterjs\/|\/src\/subscriptions\//,
    'live-updates plumbing (hub, Repeaters)',
  ],
  [
    /\/node_modules\/(graphql|@graphql-tools\/(executor|utils)|@pothos\/[^/]+|dataloader)\/|\/src\/schema\/|\/src\/resolvers\//,
    'GraphQL execution (executor + resolvers)',
  ],
  [/\/node_modules\/graphql-ws\//, 'graphql-ws protocol'],
  [
    /\/node_modules\/(@envelop\/[^/]+|graphql-yoga|@graphql-yoga\/[^/]+|@graphql-tools\/[^/]+|@whatwg-node\/[^/]+)\//,
    'yoga/envelop result hooks',
  ],
  [
    /\/node_modules\/ws\/|node:net|node:internal\/(net|stream_base_commons|streams\/)|node:stream|node:buffer|node:internal\/buffer/,
    'socket send (ws + net + writev)',
  ],
  [
    /\/node_modules\/(undici|zod)\/|\/src\/upstream\/|node:crypto|node:internal\/crypto/,
    'upstream polling (undici, zod, hash)',
  ],
];

const SERIALISING_CALLERS = new Set<Layer | 'idle'>([
  'graphql-ws protocol',
  'yoga/envelop result hooks',
  'subscription groups',
  'other',
]);

function layerOf(frame: ProfileNode['callFrame']): Layer | undefined {
  const named = BY_NAME[frame.functionName];
  if (named && (frame.url === '' || frame.functionName.startsWith('(') || frame.functionName === 'stringifyMessage'))
    return named;
  if (frame.url === '') return undefined;
  for (const [pattern, layer] of BY_URL) if (pattern.test(frame.url)) return layer;
  return undefined;
}

/** Busy milliseconds per layer, and the total busy milliseconds. */
export function layerTimes(profile: CpuProfile): { busyMs: number; byLayer: Record<Layer, number> } {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const child of n.children ?? []) parent.set(child, n.id);
  const cache = new Map<number, Layer | 'idle'>();
  const resolve = (id: number): Layer | 'idle' => {
    const cached = cache.get(id);
    if (cached) return cached;
    const node = nodes.get(id)!;
    const name = node.callFrame.functionName;
    let layer: Layer | 'idle';
    if (name === '(idle)') layer = 'idle';
    else if (name === '(program)') layer = 'other';
    else {
      const own = layerOf(node.callFrame);
      const up = parent.get(id);
      const caller = up === undefined ? 'other' : resolve(up);
      // JSON.stringify of a message is serialisation; the one that fingerprints a poll's answer is polling.
      if (own === 'JSON serialisation' && !SERIALISING_CALLERS.has(caller)) layer = caller;
      else layer = own ?? caller;
    }
    cache.set(id, layer);
    return layer;
  };

  const byLayer = Object.fromEntries(LAYERS.map((l) => [l, 0])) as Record<Layer, number>;
  let busyUs = 0;
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i + 1] ?? 0;
    const layer = resolve(id);
    if (layer === 'idle') return;
    byLayer[layer] += us / 1000;
    busyUs += us;
  });
  return { busyMs: busyUs / 1000, byLayer };
}
