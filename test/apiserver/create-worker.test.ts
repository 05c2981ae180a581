// Creates prepared on the worker thread (--create-worker-threads 1, the default) answer exactly as creates
// prepared on the request thread (--create-worker-threads 0): the same stored object, the same Status for
// bad input, the same warnings. /metrics shows that the worker really answered them.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startApiServer, type ApiServerProcess } from '../helpers/apiserver.ts';
import { call } from '../helpers/http.ts';

const metric = async (server: ApiServerProcess, name: string) => {
  const res = await call(server.url, 'GET', '/metrics');
  const line = String(res.body).split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.split(' ')[1]);
};

/** What a create answers, without what differs on every call (uid, times, revisions). */
function comparable(res: { status: number; body: any; headers: Record<string, unknown> }) {
  const body = structuredClone(res.body);
  if (body?.metadata) for (const k of ['uid', 'creationTimestamp', 'resourceVersion']) delete body.metadata[k];
  return { status: res.status, body, warning: res.headers.warning };
}

const pod = (name: string, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { app: 'web' } },
  spec: { containers: [{ name: 'web', image: 'nginx:1.27', resources: { requests: { cpu: '0.5', memory: '1Gi' } }, ports: [{ containerPort: 80 }] }] },
  ...extra,
});

const cases: { title: string; path: string; body: unknown; contentType?: string; query?: string }[] = [
  { title: 'a pod, defaulted (quantities canonical, status Pending, QoS class)', path: '/api/v1/namespaces/default/pods', body: pod('a') },
  { title: 'a deployment', path: '/apis/apps/v1/namespaces/default/deployments', body: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { selector: { matchLabels: { app: 'd' } }, template: { metadata: { labels: { app: 'd' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } } } },
  { title: 'a cluster-scoped node', path: '/api/v1/nodes', body: { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } } },
  { title: 'invalid: 422 with causes', path: '/api/v1/namespaces/default/pods', body: pod('Bad_Name', { spec: { containers: [{ name: 'x' }] } }) },
  { title: 'wrong JSON type: 400', path: '/api/v1/namespaces/default/configmaps', body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: 1 } } },
  { title: 'malformed JSON: 400', path: '/api/v1/namespaces/default/configmaps', body: '{"apiVersion":' },
  { title: 'a missing namespace: 404', path: '/api/v1/namespaces/nowhere/configmaps', body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } } },
  { title: 'an unknown field: 201 with a Warning', path: '/api/v1/namespaces/default/configmaps', body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'w' }, bogus: true } },
  { title: 'an unknown field, fieldValidation=Strict: 400', path: '/api/v1/namespaces/default/configmaps', body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 's' }, bogus: true }, query: '?fieldValidation=Strict' },
  { title: 'a name that exists: 409', path: '/api/v1/namespaces/default/pods', body: pod('a') },
];

describe('creates prepared on the worker thread', () => {
  let withWorker: ApiServerProcess;
  let withoutWorker: ApiServerProcess;
  before(async () => {
    [withWorker, withoutWorker] = await Promise.all([startApiServer(), startApiServer({ args: ['--create-worker-threads', '0'] })]);
    // The worker loads in the background; until then creates are prepared on the request thread.
    for (const deadline = Date.now() + 30_000; (await metric(withWorker, 'k8ts_create_worker_ready')) !== 1;) {
      if (Date.now() > deadline) throw new Error(`the create worker did not start:\n${withWorker.output.join('\n')}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  });
  after(async () => {
    await Promise.all([withWorker?.cleanup(), withoutWorker?.cleanup()]);
  });

  for (const c of cases) {
    test(c.title, async () => {
      const before = await metric(withWorker, 'k8ts_create_worker_answered');
      const [viaWorker, onRequestThread] = await Promise.all([withWorker, withoutWorker].map((s) => call(s.url, 'POST', c.path + (c.query ?? ''), c.body)));
      assert.deepEqual(comparable(viaWorker), comparable(onRequestThread));
      if (viaWorker.status === 201) {
        // What was stored is what was answered.
        const got = await call(withWorker.url, 'GET', `${c.path}/${viaWorker.body.metadata.name}`);
        assert.deepEqual(got.body, viaWorker.body);
      }
      // Malformed JSON is refused by the worker too (it decodes the body), so every case is its answer.
      assert.equal(await metric(withWorker, 'k8ts_create_worker_answered'), before! + 1);
    });
  }

  test('the server without a worker has no worker metrics', async () => {
    assert.equal(await metric(withoutWorker, 'k8ts_create_worker_ready'), undefined);
  });
});
