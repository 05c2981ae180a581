// The official JavaScript client is a judge of API compatibility too: its typed API and its informer
// (list, then watch from the list's revision) against a real API server process.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { startApiServer, type ApiServerProcess } from '../helpers/apiserver.ts';

let server: ApiServerProcess;
let kc: k8s.KubeConfig;
before(async () => {
  server = await startApiServer();
  kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'k8ts', server: server.url, skipTLSVerify: true }],
    users: [{ name: 'k8ts' }],
    contexts: [{ name: 'k8ts', cluster: 'k8ts', user: 'k8ts', namespace: 'default' }],
    currentContext: 'k8ts',
  });
});
after(async () => { await server.cleanup(); });

test('typed API: create, read, list with a selector, replace, delete; errors arrive as ApiException with the Status', async () => {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const created = await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'typed', labels: { app: 'x' } }, data: { a: '1' } } });
  assert.ok(created.metadata?.uid);
  const read = await core.readNamespacedConfigMap({ name: 'typed', namespace: 'default' });
  assert.equal(read.data?.a, '1');
  const listed = await core.listNamespacedConfigMap({ namespace: 'default', labelSelector: 'app=x' });
  assert.deepEqual(listed.items.map((c) => c.metadata?.name), ['typed']);
  read.data = { a: '2' };
  const replaced = await core.replaceNamespacedConfigMap({ name: 'typed', namespace: 'default', body: read });
  assert.equal(replaced.data?.a, '2');
  await assert.rejects(core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'typed' } } }), (err: any) => {
    assert.equal(err.code, 409);
    assert.equal(JSON.parse(err.body).reason, 'AlreadyExists');
    return true;
  });
  await core.deleteNamespacedConfigMap({ name: 'typed', namespace: 'default' });
  await assert.rejects(core.readNamespacedConfigMap({ name: 'typed', namespace: 'default' }), (err: any) => err.code === 404);
});

test('an informer lists, then watches: it sees adds, updates and deletes in its cache', async () => {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'before-start' } } });
  const informer = k8s.makeInformer(kc, '/api/v1/namespaces/default/configmaps', () => core.listNamespacedConfigMap({ namespace: 'default' }));
  const seen: string[] = [];
  const waiters: (() => void)[] = [];
  const record = (what: string) => (obj: k8s.V1ConfigMap) => {
    seen.push(`${what}:${obj.metadata?.name}`);
    waiters.splice(0).forEach((w) => w());
  };
  informer.on('add', record('add'));
  informer.on('update', record('update'));
  informer.on('delete', record('delete'));
  const waitFor = async (entry: string) => {
    const deadline = Date.now() + 10_000;
    while (!seen.includes(entry)) {
      assert.ok(Date.now() < deadline, `informer never saw ${entry}; saw ${seen.join(', ')}`);
      await new Promise<void>((r) => { waiters.push(r); setTimeout(r, 100); });
    }
  };
  await informer.start();
  await waitFor('add:before-start');
  await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'live' }, data: { v: '1' } } });
  await waitFor('add:live');
  await core.patchNamespacedConfigMap({ name: 'live', namespace: 'default', body: { data: { v: '2' } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
  await waitFor('update:live');
  assert.equal(informer.get('live', 'default')?.data?.v, '2');
  await core.deleteNamespacedConfigMap({ name: 'live', namespace: 'default' });
  await waitFor('delete:live');
  assert.equal(informer.get('live', 'default'), undefined);
  assert.ok(informer.get('before-start', 'default'));
  await informer.stop();
});
