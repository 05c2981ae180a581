// PATCH over HTTP in the three types kubectl sends: JSON merge patch (null removes), JSON patch
// (add/replace/remove/test; a failing op is 422), strategic merge patch (lists merged by their merge
// key, `$patch: delete`, finalizers merged as a set), and a patch pinning a stale resourceVersion (409).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startApiServer, type ApiServerProcess } from '../helpers/apiserver.ts';
import { call } from '../helpers/http.ts';
import { assertOk, assertStatus, configMap, configMapsPath, deployment, deploymentsPath, namespace, namespacesPath, pod, podsPath } from '../fixtures/api-objects.ts';

let server: ApiServerProcess;
const NS = 'patching';
const MERGE = 'application/merge-patch+json';
const JSON_PATCH = 'application/json-patch+json';
const STRATEGIC = 'application/strategic-merge-patch+json';

before(async () => {
  server = await startApiServer();
  assertOk(await call(server.url, 'POST', namespacesPath, namespace(NS)), 201);
});
after(async () => { await server?.cleanup(); });

const cmPath = (name: string) => `${configMapsPath(NS)}/${name}`;
const patch = (path: string, body: unknown, type: string) => call(server.url, 'PATCH', path, body, type);

describe('merge patch', () => {
  test('sets and removes labels (null deletes a key), keeps the rest', async () => {
    const created = assertOk(await call(server.url, 'POST', configMapsPath(NS), configMap('merge', { labels: { a: '1', b: '2' }, data: { k: 'v' } })), 201);
    const patched = assertOk(await patch(cmPath('merge'), { metadata: { labels: { b: null, c: '3' } } }, MERGE));
    assert.deepEqual(patched.metadata.labels, { a: '1', c: '3' });
    assert.deepEqual(patched.data, { k: 'v' });
    assert.ok(Number(patched.metadata.resourceVersion) > Number(created.metadata.resourceVersion));
    assert.equal(patched.metadata.uid, created.metadata.uid);
    const got = assertOk(await call(server.url, 'GET', cmPath('merge')));
    assert.deepEqual(got, patched);
  });

  test('replaces lists whole (merge patch knows no merge keys)', async () => {
    assertOk(await call(server.url, 'POST', configMapsPath(NS), configMap('merge-list', { finalizers: ['example.com/a', 'example.com/b'] })), 201);
    const patched = assertOk(await patch(cmPath('merge-list'), { metadata: { finalizers: ['example.com/c'] } }, MERGE));
    assert.deepEqual(patched.metadata.finalizers, ['example.com/c']);
    assertOk(await patch(cmPath('merge-list'), { metadata: { finalizers: null } }, MERGE));
  });

  test('a patch that changes nothing keeps the resourceVersion', async () => {
    const created = assertOk(await call(server.url, 'POST', configMapsPath(NS), configMap('merge-noop', { labels: { a: '1' } })), 201);
    const patched = assertOk(await patch(cmPath('merge-noop'), { metadata: { labels: { a: '1' } } }, MERGE));
    assert.equal(patched.metadata.resourceVersion, created.metadata.resourceVersion);
  });

  test('a patch cannot rename the object (400) nor change its uid', async () => {
    assertOk(await call(server.url, 'POST', configMapsPath(NS), configMap('merge-name')), 201);
    assertStatus(await patch(cmPath('merge-name'), { metadata: { name: 'other' } }, MERGE), 400, 'BadRequest');
  });

  test('on a pod\'s main resource, status is not changed', async () => {
    assertOk(await call(server.url, 'POST', podsPath(NS), pod('merge-pod')), 201);
    const patched = assertOk(await patch(`${podsPath(NS)}/merge-pod`, { metadata: { labels: { x: 'y' } }, status: { phase: 'Running' } }, MERGE));
    assert.equal(patched.metadata.labels.x, 'y');
    assert.equal(patched.status.phase, 'Pending');
  });

  test('the result is validated: an invalid patched object is 422', async () => {
    assertOk(await call(server.url, 'POST', deploymentsPath(NS), deployment('merge-invalid')), 201);
    const status = assertStatus(await patch(`${deploymentsPath(NS)}/merge-invalid`, { spec: { replicas: -1 } }, MERGE), 422, 'Invalid');
    assert.ok(status.details.causes.some((c: any) => c.field === 'spec.replicas'), JSON.stringify(status));
  });
});

describe('JSON patch', () => {
  test('add, replace, remove and a passing test op', async () => {
    assertOk(await call(server.url, 'POST', configMapsPath(NS), configMap('jp', { labels: { a: '1' }, data: { one: '1', two: '2' } })), 201);
    const ops = [
      { op: 'test', path: '/data/one', value: '1' },
      { op: 'add', path: '/metadata/labels/b', value: '2' },
      { op: 'replace', path: '/data/one', value: 'uno' },
      { op: 'remove', path: '/data/two' },
      { op: 'add', path: '/data/three', value: '3' },
    ];
    const patched = assertOk(await patch(cmPath('jp'), ops, JSON_PATCH));
    assert.deepEqual(patched.metadata.labels, { a: '1', b: '2' });
    assert.deepEqual(patched.data, { one: 'uno', three: '3' });
  });

  test('a failing test op is 422 and nothing changes', async () => {
    const before = assertOk(await call(server.url, 'POST', configMapsPath(NS), configMap('jp-test', { data: { v: '1' } })), 201);
    const res = await patch(cmPath('jp-test'), [{ op: 'test', path: '/data/v', value: '2' }, { op: 'replace', path: '/data/v', value: '3' }], JSON_PATCH);
    assertStatus(res, 422, 'Invalid');
    const after = assertOk(await call(server.url, 'GET', cmPath('jp-test')));
    assert.deepEqual(after, before);
  });

  test('removing or replacing a path that does not exist is 422', async () => {
    assertOk(await call(server.url, 'POST', configMapsPath(NS), configMap('jp-missing')), 201);
    assertStatus(await patch(cmPath('jp-missing'), [{ op: 'remove', path: '/data/nope' }], JSON_PATCH), 422, 'Invalid');
    assertStatus(await patch(cmPath('jp-missing'), [{ op: 'replace', path: '/metadata/labels/nope', value: 'x' }], JSON_PATCH), 422, 'Invalid');
  });

  test('a JSON patch that is not a list of operations is 400', async () => {
    assertStatus(await patch(cmPath('jp-missing'), { op: 'add', path: '/data/x', value: 'y' }, JSON_PATCH), 400, 'BadRequest');
  });

  test('a test op on resourceVersion guards the write like a precondition', async () => {
    const created = assertOk(await call(server.url, 'POST', configMapsPath(NS), configMap('jp-rv')), 201);
    assertOk(await patch(cmPath('jp-rv'), [{ op: 'replace', path: '/data/key', value: 'v2' }], JSON_PATCH));
    const stale = [{ op: 'test', path: '/metadata/resourceVersion', value: created.metadata.resourceVersion }, { op: 'replace', path: '/data/key', value: 'v3' }];
    assertStatus(await patch(cmPath('jp-rv'), stale, JSON_PATCH), 422, 'Invalid');
  });
});

describe('strategic merge patch', () => {
  test('pod containers merge by name: only the named container\'s image changes', async () => {
    const body = pod('smp-pod');
    body.spec.containers.push({ name: 'sidecar', image: 'busybox:1.36' });
    assertOk(await call(server.url, 'POST', podsPath(NS), body), 201);
    const patched = assertOk(await patch(`${podsPath(NS)}/smp-pod`, { spec: { containers: [{ name: 'sidecar', image: 'busybox:1.37' }] } }, STRATEGIC));
    assert.deepEqual(patched.spec.containers.map((c: any) => [c.name, c.image]), [['app', 'nginx:1.27'], ['sidecar', 'busybox:1.37']]);
  });

  test('deployment template env merges by name; generation moves', async () => {
    const body = deployment('smp-env', { containers: [{ name: 'app', image: 'nginx:1.27', env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }] }] });
    const created = assertOk(await call(server.url, 'POST', deploymentsPath(NS), body), 201);
    const smp = { spec: { template: { spec: { containers: [{ name: 'app', env: [{ name: 'B', value: '3' }, { name: 'C', value: '4' }] }] } } } };
    const patched = assertOk(await patch(`${deploymentsPath(NS)}/smp-env`, smp, STRATEGIC));
    const env = patched.spec.template.spec.containers[0].env;
    assert.deepEqual(Object.fromEntries(env.map((e: any) => [e.name, e.value])), { A: '1', B: '3', C: '4' });
    assert.equal(patched.spec.template.spec.containers[0].image, 'nginx:1.27');
    assert.equal(patched.metadata.generation, created.metadata.generation + 1);
  });

  test('`$patch: delete` removes one container from a deployment template', async () => {
    const body = deployment('smp-delete', { containers: [{ name: 'app', image: 'nginx:1.27' }, { name: 'sidecar', image: 'busybox:1.36' }] });
    assertOk(await call(server.url, 'POST', deploymentsPath(NS), body), 201);
    const patched = assertOk(await patch(`${deploymentsPath(NS)}/smp-delete`, { spec: { template: { spec: { containers: [{ name: 'sidecar', $patch: 'delete' }] } } } }, STRATEGIC));
    assert.deepEqual(patched.spec.template.spec.containers.map((c: any) => c.name), ['app']);
  });

  test('finalizers merge as a set', async () => {
    assertOk(await call(server.url, 'POST', configMapsPath(NS), configMap('smp-fin', { finalizers: ['example.com/a'] })), 201);
    const patched = assertOk(await patch(cmPath('smp-fin'), { metadata: { finalizers: ['example.com/b', 'example.com/a'] } }, STRATEGIC));
    assert.deepEqual([...patched.metadata.finalizers].sort(), ['example.com/a', 'example.com/b']);
    assert.equal(patched.metadata.finalizers.length, 2, 'no duplicates');
    // Removing one uses the $deleteFromPrimitiveList directive.
    const removed = assertOk(await patch(cmPath('smp-fin'), { metadata: { '$deleteFromPrimitiveList/finalizers': ['example.com/a'] } }, STRATEGIC));
    assert.deepEqual(removed.metadata.finalizers, ['example.com/b']);
    assertOk(await patch(cmPath('smp-fin'), { metadata: { finalizers: null } }, MERGE));
  });

  test('maps merge key by key and null deletes, as in a merge patch', async () => {
    assertOk(await call(server.url, 'POST', configMapsPath(NS), configMap('smp-map', { labels: { a: '1', b: '2' } })), 201);
    const patched = assertOk(await patch(cmPath('smp-map'), { metadata: { labels: { a: null, c: '3' } } }, STRATEGIC));
    assert.deepEqual(patched.metadata.labels, { b: '2', c: '3' });
  });
});

describe('resourceVersion in a patch', () => {
  for (const [type, body] of [
    [MERGE, (rv: string) => ({ metadata: { resourceVersion: rv, labels: { pinned: 'yes' } } })],
    [STRATEGIC, (rv: string) => ({ metadata: { resourceVersion: rv, labels: { pinned: 'yes' } } })],
    [JSON_PATCH, (rv: string) => [{ op: 'replace', path: '/metadata/resourceVersion', value: rv }, { op: 'add', path: '/metadata/labels', value: { pinned: 'yes' } }]],
  ] as const) {
    test(`${type}: a stale pinned metadata.resourceVersion is 409 Conflict; the current one is accepted`, async () => {
      const name = `pinned-${type.split('/')[1].split('+')[0]}`;
      const v1 = assertOk(await call(server.url, 'POST', configMapsPath(NS), configMap(name)), 201);
      const v2 = assertOk(await patch(cmPath(name), { data: { key: 'v2' } }, MERGE));
      const status = assertStatus(await patch(cmPath(name), body(v1.metadata.resourceVersion), type), 409, 'Conflict');
      assert.match(status.message, /the object has been modified/);
      const unchanged = assertOk(await call(server.url, 'GET', cmPath(name)));
      assert.equal(unchanged.metadata.labels, undefined);
      const ok = assertOk(await patch(cmPath(name), body(v2.metadata.resourceVersion), type));
      assert.equal(ok.metadata.labels.pinned, 'yes');
    });
  }
});
