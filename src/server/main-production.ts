/**
 * `npm start` (and the container's command): main.ts with NODE_ENV=production, unless the environment
 * says otherwise. graphql-js reads NODE_ENV once, when it is first imported, to drop its development-only
 * checks; static imports are hoisted and would load it before any statement here ran, so the gateway
 * is imported dynamically, after the variable is set. Setting it here rather than in the npm script
 * (`env NODE_ENV=production node …`) keeps `node dist/server/main-production.js` alone enough, on any
 * platform, and lets an operator's own NODE_ENV win. The build bundles this file with everything it
 * imports (scripts/bundle-server.mjs): the dynamic import stays one, so graphql-js is still evaluated
 * after the variable is set.
 */
process.env.NODE_ENV ??= 'production';
await import('./main.js');
