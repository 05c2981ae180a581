// Static pods from --pod-manifest-path: they run before (and without) the API server, appear in the API
// as mirror pods once it answers (name <pod>-<node>, config.mirror/config.source annotations, owned by
// the Node, with the static pod's status), come back when the mirror is deleted, and go when their
// manifest is removed.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApiServer, type ApiServerProcess } from '../helpers/apiserver.ts';
import type { ComponentProcess } from '../fixtures/component-process.ts';
import { apiFor, containerStatus, httpGet, startKubelet, until, type Api } from './harness.ts';

const NODE = 'ks-1';
const NODE_IP = '127.1.5.1';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

const manifest = (name: string, port: number) => `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  namespace: kube-system
  labels: {component: ${name}}
spec:
  hostNetwork: true
  containers:
  - name: server
    image: registry.k8s.io/${name}:v1.32.0
    ports: [{containerPort: ${port}}]
`;

describe('kubelet static pods', () => {
  let dir: string;
  let port: number;
  let apiserver: ApiServerProcess | undefined;
  let api: Api;
  let kubelet: ComponentProcess;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'k8ts-manifests-'));
    port = await freePort();
    writeFileSync(join(dir, 'web.yaml'), manifest('static-web', 18101));
    writeFileSync(join(dir, '.ignored.yaml'), manifest('hidden', 18102));
    api = apiFor(`http://127.0.0.1:${port}`);
    // The API server is not up yet.
    kubelet = await startKubelet(`http://127.0.0.1:${port}`, ['--hostname-override', NODE, '--node-ip', NODE_IP, '--pod-manifest-path', dir, '--file-check-frequency', '1s']);
  });
  after(async () => {
    await kubelet?.kill();
    await api?.client.close();
    await apiserver?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  test('runs a static pod while the API server is down', async () => {
    const answer = await until(async () => {
      const r = await httpGet(`http://${NODE_IP}:18101/`);
      return 'status' in r && r;
    }, 'static pod serving on the node IP');
    assert.deepEqual(answer, { status: 200, body: `static-web-${NODE}\n` });
    assert.ok('error' in (await httpGet(`http://${NODE_IP}:18102/`)), 'dot-files are not manifests');
  });

  test('shows it as a mirror pod once the API server is up', async () => {
    apiserver = await startApiServer({ port });
    const mirror = await until(async () => {
      const p = await api.pods.get('kube-system', `static-web-${NODE}`).catch(() => undefined);
      return p?.status?.phase === 'Running' && p;
    }, 'mirror pod Running', 30_000);
    const annotations = mirror.metadata.annotations ?? {};
    assert.equal(annotations['kubernetes.io/config.source'], 'file');
    assert.match(annotations['kubernetes.io/config.mirror'] ?? '', /^[0-9a-f]{32}$/);
    assert.equal(annotations['kubernetes.io/config.hash'], annotations['kubernetes.io/config.mirror']);
    assert.equal(mirror.metadata.labels?.component, 'static-web');
    assert.equal(mirror.spec.nodeName, NODE);
    const node = await api.nodes.get('', NODE);
    assert.deepEqual(mirror.metadata.ownerReferences, [{ apiVersion: 'v1', kind: 'Node', name: NODE, uid: node.metadata.uid, controller: true }]);
    assert.equal(mirror.status?.podIP, NODE_IP);
    assert.equal(containerStatus(mirror, 'server')?.ready, true);
  });

  test('deleting the mirror pod brings it back; the static pod keeps running', async () => {
    const before = await api.pods.get('kube-system', `static-web-${NODE}`);
    const started = containerStatus(before, 'server')?.state.running?.startedAt;
    await api.pods.delete('kube-system', `static-web-${NODE}`);
    const again = await until(async () => {
      const p = await api.pods.get('kube-system', `static-web-${NODE}`).catch(() => undefined);
      return p && p.metadata.uid !== before.metadata.uid && !p.metadata.deletionTimestamp && p.status?.phase === 'Running' && p;
    }, 'a new mirror pod');
    assert.equal(again.metadata.annotations?.['kubernetes.io/config.mirror'], before.metadata.annotations?.['kubernetes.io/config.mirror']);
    assert.equal(containerStatus(again, 'server')?.state.running?.startedAt, started, 'the container was not restarted');
  });

  test('removing the manifest stops the pod and deletes its mirror', async () => {
    rmSync(join(dir, 'web.yaml'));
    await until(async () => {
      const gone = await api.pods.get('kube-system', `static-web-${NODE}`).then(() => false, (e: Error) => /not found/.test(e.message));
      return gone && 'error' in (await httpGet(`http://${NODE_IP}:18101/`));
    }, 'mirror pod deleted and port closed');
  });
});
