// The real kubectl is the judge of compatibility: apply, get (-o yaml, -o wide, -w), label, annotate,
// patch (all three types), scale, delete --wait, against a real API server process.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { startApiServer, type ApiServerProcess } from '../helpers/apiserver.ts';
import { eventually, kubectlFor, kubectlMissing, type Kubectl } from '../helpers/kubectl.ts';

let server: ApiServerProcess;
let kubectl: Kubectl;
before(async () => {
  if (kubectlMissing) return;
  server = await startApiServer();
  kubectl = kubectlFor(server.url);
});
after(async () => { await server?.cleanup(); });

const manifest = (image: string, replicas: number) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: nginx
        image: ${image}
        ports: [{containerPort: 80}]
        env: [{name: A, value: "1"}]
      - name: sidecar
        image: busybox
`;

test('kubectl apply, get, label, annotate, patch, scale and delete --wait behave as against Kubernetes', { skip: kubectlMissing }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-manifests-'));
  const file = join(dir, 'web.yaml');
  writeFileSync(file, manifest('nginx:1.27', 2));
  assert.match(await kubectl.run('apply', '-f', file), /deployment.apps\/web created/);
  assert.match(await kubectl.run('apply', '-f', file), /deployment.apps\/web unchanged/);

  // A changed manifest without the sidecar: apply's strategic merge patch removes it and changes the image.
  writeFileSync(file, manifest('nginx:1.28', 3).split('      - name: sidecar')[0]);
  assert.match(await kubectl.run('apply', '-f', file), /deployment.apps\/web configured/);
  const applied = parseYaml(await kubectl.run('get', 'deployment', 'web', '-o', 'yaml'));
  assert.deepEqual(applied.spec.template.spec.containers.map((c: any) => [c.name, c.image]), [['nginx', 'nginx:1.28']]);
  assert.equal(applied.spec.replicas, 3);
  assert.equal(applied.metadata.generation, 2);
  assert.equal(applied.spec.strategy.rollingUpdate.maxSurge, '25%', 'server-side defaults are visible');

  const table = await kubectl.run('get', 'deployments');
  assert.match(table.split('\n')[0], /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE$/);
  assert.match(table, /^web\s+0\/3\s+0\s+0\s+\d+s$/m);
  assert.match((await kubectl.run('get', 'deploy', '-o', 'wide')).split('\n')[0], /CONTAINERS\s+IMAGES\s+SELECTOR/);

  await kubectl.run('label', 'deployment', 'web', 'tier=front');
  await kubectl.run('annotate', 'deployment', 'web', 'owner=team-a');
  await kubectl.run('patch', 'deployment', 'web', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"nginx","env":[{"name":"B","value":"2"}]}]}}}}');
  await kubectl.run('patch', 'deployment', 'web', '--type', 'merge', '-p', '{"metadata":{"labels":{"app":null}}}');
  await kubectl.run('patch', 'deployment', 'web', '--type', 'json', '-p', '[{"op":"add","path":"/metadata/annotations/json","value":"yes"}]');
  assert.match(await kubectl.run('scale', 'deployment', 'web', '--replicas=5'), /scaled/);
  const patched = JSON.parse(await kubectl.run('get', 'deployment', 'web', '-o', 'json'));
  assert.equal(patched.metadata.labels.tier, 'front');
  assert.equal(patched.metadata.labels.app, undefined);
  assert.equal(patched.metadata.annotations.owner, 'team-a');
  assert.equal(patched.metadata.annotations.json, 'yes');
  assert.deepEqual([...patched.spec.template.spec.containers[0].env].sort((a: any, b: any) => a.name.localeCompare(b.name)), [{ name: 'A', value: '1' }, { name: 'B', value: '2' }], 'env merged by name');
  assert.equal(patched.spec.replicas, 5);

  const bad = await kubectl.tryRun('label', 'deployment', 'web', 'tier=back');
  assert.notEqual(bad.code, 0, 'relabelling without --overwrite fails as in kubectl');
  assert.match(bad.stderr, /already has a value/);

  assert.match(await kubectl.run('delete', 'deployment', 'web', '--wait'), /deployment.apps "web" deleted/);
  const gone = await kubectl.tryRun('get', 'deployment', 'web');
  assert.match(gone.stderr, /NotFound|not found/);
});

test('kubectl get -w prints changes as they happen', { skip: kubectlMissing }, async () => {
  await kubectl.run('run', 'first', '--image=busybox');
  const watch = kubectl.start('get', 'pods', '-w');
  try {
    await eventually(() => /^first\s/m.test(watch.output()), 'the watch to list the first pod');
    const pod = join(mkdtempSync(join(tmpdir(), 'k8ts-pod-')), 'pod.yaml');
    writeFileSync(pod, 'apiVersion: v1\nkind: Pod\nmetadata: {name: watched}\nspec: {containers: [{name: c, image: busybox}]}\n');
    await kubectl.run('apply', '-f', pod);
    await eventually(() => /^watched\s+0\/1\s+Pending\s+0\s+\S+$/m.test(watch.output()), 'the new pod on the watch');
    await kubectl.run('label', 'pod', 'watched', 'seen=yes');
    await eventually(() => (watch.output().match(/^watched\s/gm) ?? []).length >= 2, 'the modified pod on the watch');
    assert.equal((watch.output().match(/^NAME\s+READY\s+STATUS/gm) ?? []).length, 1, 'headers printed once');
    await kubectl.run('delete', 'pod', 'watched', 'first', '--wait');
  } finally {
    watch.stop();
  }
});

test('kubectl shows pods with the usual columns, -o wide adds IP and NODE', { skip: kubectlMissing }, async () => {
  await kubectl.run('run', 'p1', '--image=busybox', '--', 'sleep', '100');
  const out = await kubectl.run('get', 'pods', '-o', 'wide');
  assert.match(out.split('\n')[0], /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES$/);
  assert.match(out, /^p1\s+0\/1\s+Pending\s+0\s+\S+\s+<none>\s+<none>/m);
  const described = await kubectl.run('describe', 'pod', 'p1');
  assert.match(described, /Name:\s+p1/);
  assert.match(await kubectl.run('delete', 'pod', 'p1'), /pod "p1" deleted/);
});
