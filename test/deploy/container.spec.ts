/**
 * The container files: the Dockerfile, compose.yaml and the load balancer's configuration.
 *
 * Where a container engine answers (`docker info`), the image is built with the repository's own
 * Dockerfile, started, queried, and stopped with SIGTERM. Everywhere else that test is skipped, saying
 * why, and the files are checked for what can be checked without an engine: the build runs the
 * commands CI runs, the runtime stage needs nothing the production dependencies lack, the compose file
 * is a configuration the gateway accepts, and the balancer routes /graphql with WebSocket upgrades.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { postGraphQL } from '../harness/http-client.js';
import { eventually } from '../harness/stack.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const pkg = JSON.parse(read('package.json')) as {
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
};
const dockerfile = read('Dockerfile');
const nginx = read('deploy/nginx.conf');
// A YAML parser the dev dependencies already bring (GraphQL Code Generator and vite depend on it).
const yaml = await import('yaml').catch(() => null);

/** A compose value as compose reads it with none of its variables set: `${VAR:-default}` is the default. */
function unsetVariables(value: string): string {
  return value.replace(/\$\{[^}:]*(?::?-([^}]*))?\}/g, (_, fallback: string | undefined) => fallback ?? '');
}

/** The Dockerfile's stages by name, each as its instructions (continuation lines joined). */
function stages(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let current: string[] = [];
  for (const line of text
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))) {
    const from = /^FROM\s+\S+\s+AS\s+(\S+)/i.exec(line);
    if (from) out.set(from[1]!, (current = []));
    current.push(line);
  }
  return out;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** The packages a compiled module loads at run time (type-only imports are gone after compilation). */
function runtimeImports(file: string): string[] {
  const js = ts.transpileModule(readFileSync(file, 'utf8'), {
    fileName: file,
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2023, verbatimModuleSyntax: true },
  }).outputText;
  const specifiers = [
    ...js.matchAll(
      /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)|(?:^|\n)\s*import\s+['"]([^'"]+)['"]/g,
    ),
  ].map((m) => m[1] ?? m[2] ?? m[3]!);
  return specifiers
    .filter((s) => !s.startsWith('.'))
    .map((s) => (s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0]!));
}

describe('the Dockerfile', () => {
  const build = stages(dockerfile).get('build') ?? [];
  const runtime = stages(dockerfile).get('runtime') ?? [];

  it('builds with the commands CI runs: npm ci, then the build that npm ci runs as `prepare`', () => {
    expect(read('.ci/run')).toMatch(/^npm ci\b/m);
    expect(pkg.scripts.prepare).toBe('npm run build');
    const runs = build.filter((l) => l.startsWith('RUN '));
    expect(runs).toEqual([expect.stringMatching(/^RUN npm ci\b/), 'RUN npm run build']);
  });

  it('runs from dist/ on the production dependencies only, as a user that is not root, node as PID 1', () => {
    expect(runtime).toContain('RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force');
    expect(runtime.filter((l) => l.startsWith('COPY --from='))).toEqual(['COPY --from=build /app/dist ./dist']);
    const user = runtime.find((l) => l.startsWith('USER '));
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^USER (root|0)(:|$)/);
    // Exec form: no shell between the container's signals and node.
    const cmd = runtime.find((l) => l.startsWith('CMD '))!;
    expect(JSON.parse(cmd.slice(4))).toEqual([
      'node',
      '--max-semi-space-size=64',
      '--expose-gc',
      'dist/server/main-production.js',
    ]);
    // The container runs what `npm start` runs.
    expect(pkg.scripts.start).toBe(`exec ${JSON.parse(cmd.slice(4)).join(' ')}`);
    expect(statSync(join(ROOT, 'src/server/main-production.ts')).isFile()).toBe(true);
    expect(runtime.join('\n')).toMatch(/HOST=0\.0\.0\.0/);
  });

  // An operator trial: DATA_DIR defaulted to /app/.data, absent and under root-owned /app, so a container
  // on its own (no DATABASE_URL) could not open the embedded database and webhooks failed.
  it('gives the process one folder it may write, DATA_DIR, for the embedded database of a container on its own', () => {
    const user = runtime.find((l) => l.startsWith('USER '))!.slice(5);
    const env = runtime.find((l) => /^ENV DATA_DIR=/.test(l));
    expect(env).toBe('ENV DATA_DIR=/app/.data');
    const made = runtime.findIndex((l) => l === `RUN mkdir -p /app/.data && chown ${user}:${user} /app/.data`);
    expect(made).toBeGreaterThan(runtime.findIndex((l) => l.startsWith('COPY --from=')));
    expect(made).toBeLessThan(runtime.findIndex((l) => l.startsWith('USER ')));
    expect(loadConfig({ DATA_DIR: '/app/.data' }).database).toEqual({ url: null, dataDir: '/app/.data' });
    // The build context leaves out a local .data: the image starts with an empty folder.
    expect(read('.dockerignore').split('\n')).toContain('.data');
  });

  // Liveness, not readiness (issue 21): /readyz is 503 while an instance drains (or Redis refuses the
  // database its settings name), and an orchestrator restarts an instance whose HEALTHCHECK fails.
  it('checks liveness on /healthz with node (no curl in slim images)', () => {
    const check = runtime.find((l) => l.startsWith('HEALTHCHECK '))!;
    expect(check).toMatch(
      /CMD \["node", "-e", ".*fetch\('http:\/\/127\.0\.0\.1:' \+ \(process\.env\.PORT \|\| 4000\) \+ '\/healthz'\)/,
    );
    expect(check).not.toContain('/readyz');
  });

  it('runs a supported Node LTS (22 or 24), while package.json still admits the Node 20.19 of development machines', () => {
    const image = /^ARG NODE_IMAGE=node:(\d+)-bookworm-slim$/m.exec(dockerfile);
    expect(['22', '24']).toContain(image?.[1]);
    for (const stage of [build, runtime]) expect(stage[0]).toMatch(/^FROM \$\{NODE_IMAGE\} AS /);
    const engines = (pkg as unknown as { engines: { node: string } }).engines.node;
    const floor = /^>=(\d+)\.(\d+)\.(\d+)$/.exec(engines)!.slice(1).map(Number);
    expect(floor[0]! * 1e6 + floor[1]! * 1e3 + floor[2]!).toBeLessThanOrEqual(20_019_000);
  });

  it('keeps node_modules and dist/ out of the build context', () => {
    const ignored = read('.dockerignore')
      .split('\n')
      .map((l) => l.trim());
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', 'dist', '.git']));
  });

  it('needs at run time only packages listed in dependencies (the runtime stage omits dev dependencies)', () => {
    const missing = new Set<string>();
    const seen = new Set<string>();
    for (const file of filesUnder(join(ROOT, 'src')).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))) {
      for (const name of runtimeImports(file)) {
        seen.add(name);
        if (name.startsWith('node:') || builtinModules.includes(name)) continue;
        if (!(name in pkg.dependencies)) missing.add(`${name} (${file.slice(ROOT.length)})`);
      }
    }
    expect([...missing]).toEqual([]);
    expect(seen).toContain('graphql-yoga'); // the scan reads the compiled imports (it cannot pass by finding none)
  });
});

describe('compose.yaml and the load balancer', () => {
  it.skipIf(!yaml)(
    'parses, and its gateways are a configuration the gateway accepts, sharing one Redis, one PostgreSQL and one simulator',
    () => {
      const compose = yaml!.parse(read('compose.yaml'), { merge: true }) as {
        services: Record<
          string,
          {
            image?: string;
            command?: string[];
            environment?: Record<string, string>;
            volumes?: string[];
            ports?: string[];
            depends_on?: Record<string, { condition?: string }>;
            healthcheck?: { test?: string[] };
          }
        >;
      };
      const gateways = Object.entries(compose.services).filter(([name]) => /^gateway-\d+$/.test(name));
      expect(gateways.length).toBeGreaterThanOrEqual(2);
      const databases = new Set<string>();
      const keys = new Set<string>();
      for (const [, service] of gateways) {
        // What compose substitutes when VAR is not set: `${VAR:-default}` its default, `${VAR}` empty.
        const env = Object.fromEntries(
          Object.entries(service.environment ?? {}).map(([k, v]) => [k, unsetVariables(String(v))]),
        );
        const config = loadConfig(env);
        expect(config.redisUrl).toBe('redis://redis:6379');
        expect(config.upstream).toEqual({ kind: 'remote', baseUrl: 'http://simulator:4010/api/v1' });
        expect(config.host).toBe('0.0.0.0');
        // Webhooks in one PostgreSQL for both, sealed with one key (an operator trial found each
        // gateway on an embedded database of its own, in its container).
        expect(config.webhooks).not.toBeNull();
        expect(config.database.url).toMatch(/^postgres:\/\/[^@]+@postgres:5432\//);
        expect(config.webhooks!.encryptionKey).toHaveLength(32);
        databases.add(config.database.url!);
        keys.add(config.webhooks!.encryptionKey!.toString('hex'));
        expect(service.depends_on?.postgres).toEqual({ condition: 'service_healthy' });
      }
      expect([databases.size, keys.size]).toEqual([1, 1]);
      const postgres = compose.services.postgres!;
      expect(postgres.image).toMatch(/^postgres:\d+/);
      expect(postgres.healthcheck?.test).toContain('pg_isready');
      // The database the gateways' URL names, with the password the server is created with.
      const url = new URL([...databases][0]!);
      const pgEnv = Object.fromEntries(
        Object.entries(postgres.environment ?? {}).map(([k, v]) => [k, unsetVariables(String(v))]),
      );
      expect([url.username, decodeURIComponent(url.password), url.pathname]).toEqual([
        pgEnv.POSTGRES_USER,
        pgEnv.POSTGRES_PASSWORD,
        `/${pgEnv.POSTGRES_DB}`,
      ]);
      expect(Object.keys(compose.services)).toEqual(expect.arrayContaining(['lb', 'redis', 'postgres', 'simulator']));
      // The simulator runs from the same image, the file `npm run simulator` runs.
      expect(compose.services.simulator!.command).toEqual(['node', 'dist/simulator/main.js']);
      expect(pkg.scripts.simulator).toBe('exec node dist/simulator/main.js');
      expect(compose.services.lb!.volumes).toContain('./deploy/nginx.conf:/etc/nginx/nginx.conf:ro');
      // The download links the simulator hands out name a port the host publishes (issue 21).
      const simulatorEnv = compose.services.simulator!.environment ?? {};
      const publicOrigin = new URL(String(simulatorEnv.SIMULATOR_PUBLIC_ORIGIN).replace(/\$\{[^:}]*:-([^}]*)\}/, '$1'));
      const published = (compose.services.simulator!.ports ?? []).map((p) => String(p).split(':'));
      expect(published).toContainEqual(['127.0.0.1', publicOrigin.port, simulatorEnv.SIMULATOR_PORT]);
      expect(publicOrigin.hostname).toBe('localhost');
      const upstreams = [...nginx.matchAll(/^\s*server\s+([\w-]+):4000;/gm)].map((m) => m[1]);
      expect(upstreams).toEqual(gateways.map(([name]) => name));
    },
  );

  it('routes /graphql to the gateways with the WebSocket upgrade headers, unbuffered, and the name clients used', () => {
    const location = /location \/graphql \{([^}]*)\}/.exec(nginx)?.[1] ?? '';
    expect(location).toContain('proxy_pass http://gateways;');
    expect(location).toContain('proxy_set_header Upgrade $http_upgrade;');
    expect(location).toContain('proxy_set_header Connection $connection_upgrade;');
    expect(location).toContain('proxy_buffering off;');
    expect(nginx).toMatch(/map \$http_upgrade \$connection_upgrade \{\s*default upgrade;/);
    expect(nginx).toContain('proxy_http_version 1.1;');
    expect(nginx).toContain('proxy_set_header Host $http_host;');
    expect(nginx).toContain('proxy_set_header X-Forwarded-Host $http_host;');
  });

  // In nginx a location that sets any proxy_set_header inherits none from the server level: the shipped
  // file once set these at the server level only, and the gateway saw `Host: gateways` (issue 21).
  // nginx-balancer.spec.ts runs the file; this is the check that holds where nginx is not installed.
  it('forwards the name clients used, their address and scheme from every location that sets headers', () => {
    const locations = [...nginx.matchAll(/location (\S+) \{([^}]*)\}/g)];
    expect(locations.map((m) => m[1])).toEqual(['/graphql', '/']);
    for (const [, , body] of locations) {
      for (const header of [
        'proxy_set_header Host $http_host;',
        'proxy_set_header X-Forwarded-Host $http_host;',
        'proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
        'proxy_set_header X-Forwarded-Proto $scheme;',
      ])
        expect(body).toContain(header);
    }
  });
});

const engine = spawnSync('docker', ['info'], { stdio: 'ignore', timeout: 20_000 }).status === 0;

describe.skipIf(!engine)('container (skipped: no container engine answers docker info)', () => {
  const image = `fine-tuning-gateway:test-${process.pid}`;
  let container = '';
  const docker = (...args: string[]) =>
    execFileSync('docker', args, {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 64 * 2 ** 20,
    }).trim();

  afterAll(() => {
    if (container) spawnSync('docker', ['rm', '-f', container], { stdio: 'ignore' });
    spawnSync('docker', ['rmi', '-f', image], { stdio: 'ignore' });
  });

  it('builds, becomes ready and healthy, answers as an unprivileged user, and exits 0 on docker stop', async () => {
    docker('build', '-t', image, '.');
    container = docker('run', '-d', '-p', '127.0.0.1::4000', image);
    const port = Number(docker('port', container, '4000/tcp').split('\n')[0]!.split(':').pop());
    const url = `http://127.0.0.1:${port}`;
    await eventually(
      async () => ((await fetch(`${url}/readyz`).catch(() => null))?.ok ? true : undefined),
      60_000,
      'the container to be ready',
    );
    expect((await postGraphQL(`${url}/graphql`, '{ baseModels { id } }', {}, null)).data?.baseModels).toHaveLength(8);
    expect(docker('exec', container, 'id', '-u')).not.toBe('0');
    // Without DATABASE_URL the embedded database goes to DATA_DIR, which the process may write.
    expect(
      docker(
        'exec',
        container,
        'node',
        '-e',
        "fs.accessSync(process.env.DATA_DIR, fs.constants.W_OK); console.log('ok')",
      ),
    ).toBe('ok');
    expect(docker('exec', container, 'cat', '/proc/1/cmdline').split('\0').filter(Boolean)).toEqual([
      'node',
      '--max-semi-space-size=64',
      '--expose-gc',
      'dist/server/main-production.js',
    ]);
    await eventually(
      () => (docker('inspect', '-f', '{{.State.Health.Status}}', container) === 'healthy' ? true : undefined),
      90_000,
      'the health check to pass',
    );

    docker('stop', '-t', '15', container);
    expect(docker('inspect', '-f', '{{.State.ExitCode}}', container)).toBe('0');
  }, 600_000);
});
