# The gateway's image: `docker build -t fine-tuning-gateway .` (docs/operations.md, Container).
#
# Two stages. The build stage installs every dependency and runs the build CI's `npm ci` runs through
# `prepare` (`npm run build`: tsc into dist/, the production start bundled from it with esbuild, the
# dashboard bundled with esbuild and GraphQL Code Generator, which are dev dependencies). The runtime
# stage holds the production dependencies (the bundle leaves a few packages in node_modules) and dist/
# only: no TypeScript, no tsx, no sources.
# Node 22, a supported LTS (Node 20's life ended in April 2026; runtime dependencies ask for >= 22.15).
# package.json's engines stay at >=20.19.0 on purpose: the code and its tests still run on Node 20,
# which development machines have; the image is where the supported runtime is pinned.
ARG NODE_IMAGE=node:22-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# Scripts are skipped here only because the sources are not copied yet (`prepare` would build them);
# the next step runs that same build.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN npm run build

FROM ${NODE_IMAGE} AS runtime
# HOST: every interface of the container (the gateway's own default is loopback on the embedded
# simulator). NODE_ENV: what `npm start` sets too (dist/server/main-production.js).
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=4000
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# DATA_DIR: the embedded database (PGlite) of webhooks and the key it generates, used when DATABASE_URL
# is unset (one container on its own). The one folder the process may write, so that webhooks work
# there as they do under `npm start`; mount a volume on it to keep them across containers
# (`docker run -v gateway-data:/app/.data …`). Several instances share PostgreSQL instead
# (DATABASE_URL and WEBHOOK_ENCRYPTION_KEY: compose.yaml, deploy/kubernetes/).
ENV DATA_DIR=/app/.data
RUN mkdir -p /app/.data && chown node:node /app/.data
# The other files stay root's and read-only to the process, which runs as the image's unprivileged user.
USER node
EXPOSE 4000
# No curl in slim images: node's fetch. Liveness, not readiness: /readyz is 503 while the instance
# drains on SIGTERM (and while Redis refuses REDIS_URL's database after a restart), and an
# orchestrator that restarts unhealthy containers would restart it instead of letting it finish.
# (While Redis or the webhook database cannot be reached /readyz stays 200, with a `degraded` reason.)
# /healthz fails only when the process itself stops answering.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 4000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# node is PID 1 (exec form: no shell in between). The gateway handles SIGTERM and SIGINT itself
# (drain, then exit 0) and starts no child processes, so it needs no init to forward signals or
# reap zombies; `docker run --init` adds tini if a policy asks for one.
STOPSIGNAL SIGTERM
# A young generation four times the default (64 MiB semi-spaces) collects less often: about 8 % less
# CPU per query (bench/RESULTS.md, "Levers"); `--expose-gc` lets the gateway give back its start-up
# memory once ready (src/server/release-startup-memory.ts). `npm start` runs the same command.
CMD ["node", "--max-semi-space-size=64", "--expose-gc", "dist/server/main-production.js"]
