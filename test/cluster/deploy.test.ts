/**
 * The deployment files: the Kubernetes manifests validate against the Kubernetes API schemas
 * (kubernetes-models), agree with each other (labels, ports, the secret, the master's address),
 * and their `flint` command lines are ones the `flint` command accepts; the Dockerfile builds the
 * `flint` bin and runs it as a non-root user.
 */
import { readFileSync } from 'node:fs';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { startFlint } from './flintProcess.js';

const root = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');

interface Manifest {
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  // biome-ignore lint/suspicious/noExplicitAny: manifests are checked by the schema validator first
  spec?: any;
  stringData?: Record<string, string>;
}

function manifests(path: string): Manifest[] {
  return parseAllDocuments(read(path)).map((doc) => doc.toJS() as Manifest);
}

const VALIDATORS: Record<string, (m: Manifest) => void> = {
  Deployment: (m) => new Deployment(m as never).validate(),
  Service: (m) => new Service(m as never).validate(),
  Secret: (m) => new Secret(m as never).validate(),
};

const all = ['deploy/k8s/secret.yaml', 'deploy/k8s/master.yaml', 'deploy/k8s/worker.yaml'].flatMap(
  manifests,
);
const byName = (kind: string, name: string) => {
  const found = all.find((m) => m.kind === kind && m.metadata.name === name);
  if (!found) throw new Error(`No ${kind} ${name} in deploy/k8s`);
  return found;
};

describe('Kubernetes manifests', () => {
  it('validate against the Kubernetes API schemas', () => {
    expect(all.map((m) => `${m.kind}/${m.metadata.name}`).sort()).toEqual([
      'Deployment/flint-master',
      'Deployment/flint-worker',
      'Secret/flint-secret',
      'Service/flint-master',
    ]);
    for (const manifest of all) {
      const validate = VALIDATORS[manifest.kind];
      expect(validate, manifest.kind).toBeDefined();
      expect(() => validate?.(manifest)).not.toThrow();
    }
  });

  it('agree with each other: selectors, ports, the secret and the master address', () => {
    const master = byName('Deployment', 'flint-master');
    const worker = byName('Deployment', 'flint-worker');
    const service = byName('Service', 'flint-master');
    const secret = byName('Secret', 'flint-secret');
    for (const deployment of [master, worker]) {
      expect(deployment.spec.template.metadata.labels).toMatchObject(
        deployment.spec.selector.matchLabels,
      );
      const container = deployment.spec.template.spec.containers[0];
      const secretEnv = container.env.find((e: { name: string }) => e.name === 'FLINT_SECRET');
      expect(secretEnv.valueFrom.secretKeyRef).toEqual({ name: 'flint-secret', key: 'secret' });
      expect(Object.keys(secret.stringData ?? {})).toContain('secret');
    }
    expect(service.spec.selector).toEqual(
      master.spec.template.spec.containers && master.spec.selector.matchLabels,
    );
    const masterPorts = master.spec.template.spec.containers[0].ports.map(
      (p: { name: string }) => p.name,
    );
    for (const port of service.spec.ports) expect(masterPorts).toContain(port.targetPort);
    const workerArgs: string[] = worker.spec.template.spec.containers[0].args;
    const masterPort = service.spec.ports.find((p: { name: string }) => p.name === 'master').port;
    expect(workerArgs).toContain(`--master=ws://${service.metadata.name}:${masterPort}`);
    // The master advertises the Service's name, which is what workers and drivers resolve.
    expect(master.spec.template.spec.containers[0].args).toContain(
      `--advertise-host=${service.metadata.name}`,
    );
    // The placeholder secret is too short for Flint to start with, so it cannot be used by mistake.
    expect((secret.stringData?.secret ?? '').length).toBeLessThan(16);
  });

  it('use only flags the flint command accepts', async () => {
    for (const name of ['flint-master', 'flint-worker']) {
      const args: string[] = byName('Deployment', name).spec.template.spec.containers[0].args;
      const check = startFlint([...args, '--help']);
      expect(await check.exited, `${name}: ${check.stderr}`).toBe(0);
    }
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const instructions = dockerfile
    .replace(/\\\n/g, ' ')
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.trim().startsWith('#'));
  const lastStage = instructions.slice(instructions.findLastIndex((l) => l.startsWith('FROM')));

  it('builds the flint bin of @flint/scheduler and runs it as a non-root user', () => {
    expect(instructions[0]).toMatch(/^FROM node:20/);
    expect(dockerfile).toMatch(/--filter @flint\/scheduler deploy --prod/);
    const bin = JSON.parse(read('packages/scheduler/package.json')).bin.flint as string;
    const entrypoint = lastStage.find((l) => l.startsWith('ENTRYPOINT'));
    expect(entrypoint && JSON.parse(entrypoint.slice('ENTRYPOINT'.length))).toEqual([
      'node',
      `/app/${bin.replace(/^\.\//, '')}`,
    ]);
    expect(lastStage).toContain('USER node');
    expect(lastStage.find((l) => l.startsWith('EXPOSE'))).toBe('EXPOSE 7077 8080');
  });
});
