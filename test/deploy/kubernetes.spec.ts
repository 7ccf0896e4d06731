/**
 * deploy/kubernetes/: each object is checked against the Kubernetes API's own schema, offline, and
 * then for what the schema cannot say: probes on the right paths, a pod that can run as shipped
 * (non-root, read-only root file system), selectors that find the pods, settings the gateway accepts,
 * and credentials only in the Secret.
 *
 * The validator is `kubernetes-models` (4.5.x): one class per kind, generated from the Kubernetes
 * OpenAPI specification, whose `validate()` runs that schema through ajv validators compiled into the
 * package. It needs no network (nothing is fetched at run time, unlike kubeconform or kubeval, which
 * are Go binaries that download their schemas) and no cluster (unlike `kubectl --dry-run=server`);
 * 4.5 runs on Node 20 (5.x asks for Node 22) and its schemas are recent (they know the 1.33 fields,
 * such as `lifecycle.stopSignal`). Kubernetes' OpenAPI schemas do not forbid unknown fields (the API
 * server's strict field validation does), so a misspelt field would pass the schema alone: the
 * fields that matter are therefore read back and asserted below.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Deployment } from 'kubernetes-models/apps/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Secret, Service } from 'kubernetes-models/v1';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadConfig, settingVariables } from '../../src/config.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DIR = join(ROOT, 'deploy/kubernetes');

// Only what the manifests use; any other kind is a failure below, not an unchecked object.
const MODELS: Record<string, new (data: any) => { validate(): void }> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
};

interface Manifest {
  file: string;
  object: Record<string, any>;
}

const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
const manifests: Manifest[] = files.flatMap((file) =>
  parseAllDocuments(readFileSync(join(DIR, file), 'utf8')).map((doc) => {
    if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0]!.message}`);
    return { file, object: doc.toJS() as Record<string, any> };
  }),
);
const one = (kind: string) => {
  const found = manifests.filter((m) => m.object.kind === kind);
  expect(found.map((m) => m.file)).toHaveLength(1);
  return found[0]!.object;
};

/** The variables of the settings schema (src/config-variables.ts), as test/deploy/configuration-reference.spec.ts reads them. */
const SETTINGS = new Set(Object.keys(settingVariables.shape));

describe('deploy/kubernetes', () => {
  it('holds a Deployment, a Service, a ConfigMap, a Secret and a PodDisruptionBudget, each valid for its API schema', () => {
    expect(manifests.map((m) => `${m.object.apiVersion}/${m.object.kind}`).sort()).toEqual(Object.keys(MODELS).sort());
    for (const { file, object } of manifests) {
      const Model = MODELS[`${object.apiVersion}/${object.kind}`];
      expect(Model, `${file}: ${object.apiVersion} ${object.kind}`).toBeDefined();
      expect(() => new Model!(object).validate(), file).not.toThrow();
    }
  });

  it('the validator refuses what the API server would (so the check above can fail)', () => {
    const deployment = one('Deployment');
    const broken = structuredClone(deployment);
    broken.spec.replicas = 'two';
    broken.spec.template.spec.containers[0].livenessProbe.httpGet.port = { name: 'http' };
    expect(() => new Deployment(broken).validate()).toThrow(/replicas must be integer/);
    const noSelector = structuredClone(deployment);
    delete noSelector.spec.selector;
    expect(() => new Deployment(noSelector).validate()).toThrow(/selector/);
  });

  it('applies with kustomize every manifest but the Secret, which is created apart and never overwritten', () => {
    const kustomization = parseAllDocuments(readFileSync(join(DIR, 'kustomization.yaml'), 'utf8'))[0]!.toJS() as {
      resources: string[];
    };
    const secretFile = manifests.find((m) => m.object.kind === 'Secret')!.file;
    expect(kustomization.resources.sort()).toEqual(files.filter((f) => f !== secretFile).sort());
  });

  it('probes liveness on /healthz and readiness on /readyz, on the port the container listens on', () => {
    const pod = one('Deployment').spec.template.spec;
    const [container] = pod.containers;
    const port = container.ports.find((p: any) => p.name === 'http');
    expect(port.containerPort).toBe(4000);
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
    // A startup probe must not wait on Redis either.
    expect(container.startupProbe?.httpGet.path ?? '/healthz').toBe('/healthz');
  });

  it('runs non-root on a read-only root file system, with resources and a grace period longer than the drain', () => {
    const deployment = one('Deployment');
    const pod = deployment.spec.template.spec;
    const [container] = pod.containers;
    expect(deployment.spec.replicas).toBeGreaterThanOrEqual(2);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
    expect(container.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(container.resources.requests).toEqual({ cpu: expect.any(String), memory: expect.any(String) });
    expect(container.resources.limits.memory).toEqual(expect.any(String));
    // The gateway exits within 10 s of SIGTERM (docs/operations.md, Health, readiness and shutdown), after the preStop pause.
    const preStop = Number(container.lifecycle?.preStop?.exec?.command?.[1] ?? 0);
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(preStop + 10);
  });

  it('selects the pods it deploys from the Service and the PodDisruptionBudget, which leaves one standing', () => {
    const deployment = one('Deployment');
    const labels = deployment.spec.template.metadata.labels;
    expect(labels).toMatchObject(deployment.spec.selector.matchLabels);
    expect(labels).toMatchObject(one('Service').spec.selector);
    const pdb = one('PodDisruptionBudget');
    expect(labels).toMatchObject(pdb.spec.selector.matchLabels);
    expect(pdb.spec.minAvailable).toBeLessThan(deployment.spec.replicas);
    expect(one('Service').spec.ports[0].targetPort).toBe('http');
  });

  it('reads its settings from the ConfigMap and its credentials from the Secret: a configuration the gateway accepts', () => {
    const configMap = one('ConfigMap');
    const secret = one('Secret');
    const [container] = one('Deployment').spec.template.spec.containers;
    expect(container.envFrom).toEqual([
      { configMapRef: { name: configMap.metadata.name } },
      { secretRef: { name: secret.metadata.name } },
    ]);
    const settings = configMap.data as Record<string, string>;
    const credentials = secret.stringData as Record<string, string>;
    expect([...Object.keys(settings), ...Object.keys(credentials)].filter((k) => !SETTINGS.has(k))).toEqual([]);
    // Nothing that is or may hold a credential in the ConfigMap; nothing else in the Secret.
    expect(Object.keys(settings).filter((k) => /TOKEN|SECRET|PASSWORD|KEY|REDIS_URL|DATABASE_URL/.test(k))).toEqual([]);
    expect(Object.keys(credentials).sort()).toEqual([
      'DATABASE_URL',
      'NSCALE_API_TOKEN',
      'NSCALE_ORGANIZATION_ID',
      'REDIS_MESSAGE_SECRET',
      'REDIS_URL',
      'WEBHOOK_ENCRYPTION_KEY',
    ]);

    const config = loadConfig({ ...settings, ...credentials });
    expect(config.upstream).toEqual({ kind: 'remote', baseUrl: 'https://fine-tuning.api.nscale.com/api/v1' });
    expect(config.host).toBe('0.0.0.0');
    expect(config.port).toBe(container.ports[0].containerPort);
    expect(config.redisUrl).toMatch(/^redis:\/\//);
    // The replicas' live-update messages are signed.
    expect(config.redisMessageSecret).toEqual(expect.any(String));
    expect(config.fallbackCredentials).toBeFalsy();
  });

  // An operator trial: with no DATABASE_URL the pods fell back to the embedded database in DATA_DIR, on
  // a read-only root file system (webhooks failed), one per replica (endpoints not shared).
  it('keeps webhooks in one PostgreSQL for every replica, sealed with one key: never the embedded database', () => {
    const config = loadConfig({ ...one('ConfigMap').data, ...one('Secret').stringData });
    const pod = one('Deployment').spec.template.spec;
    expect(pod.containers[0].securityContext.readOnlyRootFilesystem).toBe(true);
    expect(config.webhooks).not.toBeNull();
    expect(config.database.url).toMatch(/^postgres(ql)?:\/\//);
    expect(config.webhooks!.encryptionKey).toHaveLength(32);
    const docs = readFileSync(join(ROOT, 'docs/kubernetes.md'), 'utf8');
    for (const name of ['DATABASE_URL', 'WEBHOOK_ENCRYPTION_KEY']) {
      expect(docs).toContain(`--from-literal=${name}=`);
      expect(docs).toContain(`\`${name}\``);
    }
  });
});
