// Namespaces: the system namespaces exist from the start; a new namespace is Active with the
// "kubernetes" finalizer; creating in a missing namespace is 404; DELETE makes it Terminating and it
// stays (spec.finalizers) until PUT .../finalize empties them; spec.finalizers change only there.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startApiServer, type ApiServerProcess } from '../helpers/apiserver.ts';
import { call, openWatch } from '../helpers/http.ts';
import { assertOk, assertStatus, causeFields, configMap, configMapsPath, namespace, namespacesPath } from '../fixtures/api-objects.ts';

let server: ApiServerProcess;
before(async () => { server = await startApiServer(); });
after(async () => { await server?.cleanup(); });

const nsPath = (name: string) => `${namespacesPath}/${name}`;

test('default, kube-system, kube-public and kube-node-lease exist and are Active', async () => {
  const list = assertOk(await call(server.url, 'GET', namespacesPath));
  assert.equal(list.kind, 'NamespaceList');
  const byName = new Map(list.items.map((n: any) => [n.metadata.name, n]));
  for (const name of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) {
    const ns: any = byName.get(name);
    assert.ok(ns, `${name} exists`);
    assert.equal(ns.status.phase, 'Active');
    assert.equal(ns.metadata.labels['kubernetes.io/metadata.name'], name);
    assert.equal(ns.metadata.namespace, undefined);
  }
});

test('a new namespace: Active, the kubernetes finalizer, the name label; no namespace of its own', async () => {
  const created = assertOk(await call(server.url, 'POST', namespacesPath, namespace('team-a')), 201);
  assert.equal(created.kind, 'Namespace');
  assert.equal(created.status.phase, 'Active');
  assert.deepEqual(created.spec.finalizers, ['kubernetes']);
  assert.equal(created.metadata.labels['kubernetes.io/metadata.name'], 'team-a');
  assert.equal(created.metadata.namespace, undefined);
  assert.match(created.metadata.uid, /^[0-9a-f-]{36}$/);
  // A client cannot create it Terminating.
  const sneaky = assertOk(await call(server.url, 'POST', namespacesPath, { ...namespace('team-b'), status: { phase: 'Terminating' } }), 201);
  assert.equal(sneaky.status.phase, 'Active');
});

test('a namespace name must be a DNS label', async () => {
  const status = assertStatus(await call(server.url, 'POST', namespacesPath, namespace('has.dots')), 422, 'Invalid');
  assert.deepEqual(causeFields(status), ['metadata.name']);
  assertStatus(await call(server.url, 'POST', namespacesPath, namespace('team-a')), 409, 'AlreadyExists');
});

test('creating in a namespace that does not exist is 404 NotFound for the namespace', async () => {
  const status = assertStatus(await call(server.url, 'POST', configMapsPath('nowhere'), configMap('x')), 404, 'NotFound');
  assert.equal(status.message, 'namespaces "nowhere" not found');
  // Reading from a missing namespace is simply empty / not found, not an error about the namespace.
  assert.deepEqual(assertOk(await call(server.url, 'GET', configMapsPath('nowhere'))).items, []);
});

test('spec.finalizers do not change through a plain update', async () => {
  const current = assertOk(await call(server.url, 'GET', nsPath('team-a')));
  const updated = assertOk(await call(server.url, 'PUT', nsPath('team-a'), { ...current, metadata: { ...current.metadata, labels: { ...current.metadata.labels, env: 'dev' } }, spec: { finalizers: [] } }));
  assert.deepEqual(updated.spec.finalizers, ['kubernetes']);
  assert.equal(updated.metadata.labels.env, 'dev');
});

test('DELETE makes a namespace Terminating; it stays until /finalize empties spec.finalizers', async () => {
  const created = assertOk(await call(server.url, 'POST', namespacesPath, namespace('doomed')), 201);
  assertOk(await call(server.url, 'POST', configMapsPath('doomed'), configMap('inside')), 201);
  const watch = await openWatch(server.url, `${namespacesPath}?watch=1&resourceVersion=${created.metadata.resourceVersion}&fieldSelector=metadata.name%3Ddoomed`);
  try {
    const deleted = assertOk(await call(server.url, 'DELETE', nsPath('doomed')));
    assert.equal(deleted.kind, 'Namespace', 'DELETE of a namespace answers with the namespace');
    assert.equal(deleted.status.phase, 'Terminating');
    assert.ok(deleted.metadata.deletionTimestamp);

    const terminating = assertOk(await call(server.url, 'GET', nsPath('doomed')));
    assert.equal(terminating.status.phase, 'Terminating');
    assert.deepEqual(terminating.spec.finalizers, ['kubernetes']);
    const list = assertOk(await call(server.url, 'GET', `${namespacesPath}?fieldSelector=status.phase%3DTerminating`));
    assert.deepEqual(list.items.map((n: any) => n.metadata.name), ['doomed']);

    // Nothing new may be created in it; what is there can still be read.
    assertStatus(await call(server.url, 'POST', configMapsPath('doomed'), configMap('late')), 403, 'Forbidden');
    assertOk(await call(server.url, 'GET', `${configMapsPath('doomed')}/inside`));

    // What the namespace controller does once the namespace is empty.
    const finalized = assertOk(await call(server.url, 'PUT', `${nsPath('doomed')}/finalize`, { ...terminating, spec: { finalizers: [] } }));
    assert.deepEqual(finalized.spec.finalizers ?? [], []);
    assertStatus(await call(server.url, 'GET', nsPath('doomed')), 404, 'NotFound');
    await watch.until((events) => events.some((e) => e.type === 'DELETED'));
    assert.deepEqual(watch.events.map((e) => e.type), ['MODIFIED', 'DELETED']);
  } finally {
    watch.close();
  }
});

test('finalize on an Active namespace only edits spec.finalizers; the namespace stays', async () => {
  const current = assertOk(await call(server.url, 'GET', nsPath('team-b')));
  const finalized = assertOk(await call(server.url, 'PUT', `${nsPath('team-b')}/finalize`, { ...current, spec: { finalizers: [] }, status: { phase: 'Terminating' } }));
  assert.deepEqual(finalized.spec.finalizers ?? [], []);
  assert.equal(finalized.status.phase, 'Active', 'finalize changes only spec.finalizers');
  const got = assertOk(await call(server.url, 'GET', nsPath('team-b')));
  assert.equal(got.status.phase, 'Active');
});

test('the system namespaces cannot be deleted', async () => {
  for (const name of ['default', 'kube-system', 'kube-public']) {
    const status = assertStatus(await call(server.url, 'DELETE', nsPath(name)), 403, 'Forbidden');
    assert.match(status.message, /this namespace may not be deleted/);
  }
});

test('finalize of a namespace that does not exist is 404', async () => {
  assertStatus(await call(server.url, 'PUT', `${nsPath('ghost')}/finalize`, { ...namespace('ghost'), spec: { finalizers: [] } }), 404, 'NotFound');
});
