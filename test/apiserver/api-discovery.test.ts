// Discovery and the server's own endpoints: /version, /api, /apis, /apis/<group>, the APIResourceList
// of /api/v1 and /apis/apps/v1 (names, kinds, scope, shortNames, categories, verbs, subresources),
// /healthz, /livez, /readyz, and /metrics with apiserver_request_total by verb, resource and code.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startApiServer, type ApiServerProcess } from '../helpers/apiserver.ts';
import { call } from '../helpers/http.ts';
import { assertOk, assertStatus, configMap, configMapsPath } from '../fixtures/api-objects.ts';

let server: ApiServerProcess;
before(async () => { server = await startApiServer(); });
after(async () => { await server?.cleanup(); });

const STANDARD_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const resourceIn = (list: any, name: string) => {
  const r = list.resources.find((x: any) => x.name === name);
  assert.ok(r, `${name} is listed in ${list.groupVersion}`);
  return r;
};

test('/version says v1.32', async () => {
  const v = assertOk(await call(server.url, 'GET', '/version'));
  assert.equal(v.major, '1');
  assert.equal(v.minor, '32');
  assert.match(v.gitVersion, /^v1\.32\./);
  assert.equal(typeof v.platform, 'string');
});

test('/api lists v1', async () => {
  const api = assertOk(await call(server.url, 'GET', '/api'));
  assert.equal(api.kind, 'APIVersions');
  assert.deepEqual(api.versions, ['v1']);
  assert.ok(Array.isArray(api.serverAddressByClientCIDRs));
});

test('/apis lists every group with its preferred version; /apis/<group> describes one', async () => {
  const apis = assertOk(await call(server.url, 'GET', '/apis'));
  assert.equal(apis.kind, 'APIGroupList');
  const groups = new Map(apis.groups.map((g: any) => [g.name, g]));
  for (const name of ['apps', 'batch', 'coordination.k8s.io', 'discovery.k8s.io']) {
    const g: any = groups.get(name);
    assert.ok(g, `${name} is served`);
    assert.deepEqual(g.preferredVersion, { groupVersion: `${name}/v1`, version: 'v1' });
    assert.ok(g.versions.some((v: any) => v.groupVersion === `${name}/v1`));
  }
  assert.ok(!groups.has(''), 'the core group is under /api, not /apis');
  const apps = assertOk(await call(server.url, 'GET', '/apis/apps'));
  assert.equal(apps.kind, 'APIGroup');
  assert.equal(apps.name, 'apps');
  assertStatus(await call(server.url, 'GET', '/apis/no.such.group'), 404, 'NotFound');
});

describe('/api/v1', () => {
  test('pods: namespaced, short name po, category all, every verb; status, binding subresources', async () => {
    const list = assertOk(await call(server.url, 'GET', '/api/v1'));
    assert.equal(list.kind, 'APIResourceList');
    assert.equal(list.groupVersion, 'v1');
    const pods = resourceIn(list, 'pods');
    assert.equal(pods.kind, 'Pod');
    assert.equal(pods.singularName, 'pod');
    assert.equal(pods.namespaced, true);
    assert.deepEqual(pods.shortNames, ['po']);
    assert.deepEqual(pods.categories, ['all']);
    assert.deepEqual([...pods.verbs].sort(), STANDARD_VERBS);
    assert.deepEqual([...resourceIn(list, 'pods/status').verbs].sort(), ['get', 'patch', 'update']);
    const binding = resourceIn(list, 'pods/binding');
    assert.equal(binding.kind, 'Binding');
    assert.deepEqual(binding.verbs, ['create']);
  });

  test('cluster-scoped nodes and namespaces; configmaps, services, events short names', async () => {
    const list = assertOk(await call(server.url, 'GET', '/api/v1'));
    const nodes = resourceIn(list, 'nodes');
    assert.equal(nodes.namespaced, false);
    assert.deepEqual(nodes.shortNames, ['no']);
    const namespaces = resourceIn(list, 'namespaces');
    assert.equal(namespaces.namespaced, false);
    assert.deepEqual(namespaces.shortNames, ['ns']);
    // kube's namespace storage has no DeleteCollection.
    assert.deepEqual([...namespaces.verbs].sort(), ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch']);
    assert.deepEqual(resourceIn(list, 'namespaces/finalize').verbs, ['update']);
    assert.deepEqual(resourceIn(list, 'configmaps').shortNames, ['cm']);
    assert.deepEqual(resourceIn(list, 'services').shortNames, ['svc']);
    assert.deepEqual(resourceIn(list, 'events').shortNames, ['ev']);
    assert.deepEqual(resourceIn(list, 'endpoints').shortNames, ['ep']);
    for (const name of ['configmaps', 'secrets', 'services', 'endpoints', 'events']) assert.equal(resourceIn(list, name).namespaced, true);
  });

  test('DELETE on the namespaces collection is not allowed (no deletecollection)', async () => {
    assertStatus(await call(server.url, 'DELETE', '/api/v1/namespaces'), 405, 'MethodNotAllowed');
    assertOk(await call(server.url, 'GET', '/api/v1/namespaces/kube-node-lease'));
  });
});

describe('/apis/<group>/v1', () => {
  test('apps/v1: deployments (deploy), replicasets (rs), daemonsets (ds) with status and scale', async () => {
    const list = assertOk(await call(server.url, 'GET', '/apis/apps/v1'));
    assert.equal(list.kind, 'APIResourceList');
    assert.equal(list.groupVersion, 'apps/v1');
    const deployments = resourceIn(list, 'deployments');
    assert.equal(deployments.kind, 'Deployment');
    assert.equal(deployments.namespaced, true);
    assert.deepEqual(deployments.shortNames, ['deploy']);
    assert.deepEqual(deployments.categories, ['all']);
    assert.deepEqual([...deployments.verbs].sort(), STANDARD_VERBS);
    for (const name of ['deployments/scale', 'replicasets/scale']) {
      const scale = resourceIn(list, name);
      assert.equal(scale.kind, 'Scale');
      assert.equal(scale.group, 'autoscaling');
      assert.equal(scale.version, 'v1');
      assert.deepEqual([...scale.verbs].sort(), ['get', 'patch', 'update']);
    }
    assert.deepEqual([...resourceIn(list, 'deployments/status').verbs].sort(), ['get', 'patch', 'update']);
    assert.deepEqual(resourceIn(list, 'replicasets').shortNames, ['rs']);
    assert.deepEqual(resourceIn(list, 'daemonsets').shortNames, ['ds']);
    assert.ok(!list.resources.some((r: any) => r.name === 'daemonsets/scale'), 'daemonsets have no scale');
  });

  test('batch, coordination.k8s.io and discovery.k8s.io', async () => {
    const batch = assertOk(await call(server.url, 'GET', '/apis/batch/v1'));
    assert.equal(resourceIn(batch, 'jobs').kind, 'Job');
    const coordination = assertOk(await call(server.url, 'GET', '/apis/coordination.k8s.io/v1'));
    assert.equal(resourceIn(coordination, 'leases').namespaced, true);
    const discovery = assertOk(await call(server.url, 'GET', '/apis/discovery.k8s.io/v1'));
    assert.equal(resourceIn(discovery, 'endpointslices').kind, 'EndpointSlice');
    assertStatus(await call(server.url, 'GET', '/apis/apps/v1beta9'), 404, 'NotFound');
  });
});

describe('health and metrics', () => {
  for (const path of ['/healthz', '/livez', '/readyz']) {
    test(`${path} is 200 ok`, async () => {
      const res = await call(server.url, 'GET', path, undefined, 'application/json', { accept: '*/*' });
      assert.equal(res.status, 200);
      assert.equal(res.body, 'ok');
    });
  }

  test('/metrics counts requests by verb, resource and code, with kube\'s verb names', async () => {
    const NS = 'default';
    assertOk(await call(server.url, 'POST', configMapsPath(NS), configMap('counted')), 201);
    assertStatus(await call(server.url, 'POST', configMapsPath(NS), configMap('counted')), 409, 'AlreadyExists');
    assertOk(await call(server.url, 'GET', `${configMapsPath(NS)}/counted`));
    assertOk(await call(server.url, 'GET', configMapsPath(NS)));
    assertOk(await call(server.url, 'PUT', `${configMapsPath(NS)}/counted`, configMap('counted', { data: { v: '2' } })));
    assertStatus(await call(server.url, 'GET', `${configMapsPath(NS)}/absent`), 404, 'NotFound');

    const res = await call(server.url, 'GET', '/metrics', undefined, 'application/json', { accept: 'text/plain' });
    assert.equal(res.status, 200);
    const text = String(res.body);
    assert.match(text, /^# TYPE apiserver_request_total counter$/m);
    const count = (labels: Record<string, string>) => {
      const lines = text.split('\n').filter((l) => l.startsWith('apiserver_request_total{') && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)));
      return lines.reduce((n, l) => n + Number(l.split(' ').at(-1)), 0);
    };
    // kube labels creates POST and updates PUT (the HTTP verb), reads GET or LIST.
    assert.equal(count({ verb: 'POST', resource: 'configmaps', code: '201' }), 1, text.split('\n').filter((l) => l.includes('configmaps')).join('\n'));
    assert.equal(count({ verb: 'POST', resource: 'configmaps', code: '409' }), 1);
    assert.ok(count({ verb: 'GET', resource: 'configmaps', code: '200' }) >= 1);
    assert.equal(count({ verb: 'GET', resource: 'configmaps', code: '404' }), 1);
    assert.ok(count({ verb: 'LIST', resource: 'configmaps', code: '200' }) >= 1);
    assert.equal(count({ verb: 'PUT', resource: 'configmaps', code: '200' }), 1);
    assert.match(text, /^apiserver_request_duration_seconds_bucket\{/m);
  });
});
