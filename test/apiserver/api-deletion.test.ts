// DELETE as kube-apiserver does it: unscheduled pods go at once, bound pods get a grace period
// (deletionTimestamp + deletionGracePeriodSeconds) and stay until a DELETE with gracePeriodSeconds=0;
// finalizers hold an object until removed; preconditions; propagationPolicy's GC finalizers;
// deletecollection with a selector; DeleteOptions as a body or as query parameters.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startApiServer, type ApiServerProcess } from '../helpers/apiserver.ts';
import { call, openWatch } from '../helpers/http.ts';
import {
  assertOk, assertStatus, configMap, configMapsPath, deployment, deploymentsPath, names, namespace, namespacesPath, pod, podsPath,
} from '../fixtures/api-objects.ts';

let server: ApiServerProcess;
const NS = 'deletion';
const MERGE = 'application/merge-patch+json';
before(async () => {
  server = await startApiServer();
  assertOk(await call(server.url, 'POST', namespacesPath, namespace(NS)), 201);
});
after(async () => { await server?.cleanup(); });

const podPath = (name: string) => `${podsPath(NS)}/${name}`;
const cmPath = (name: string) => `${configMapsPath(NS)}/${name}`;
const deleteOptions = (extra: Record<string, unknown>) => ({ kind: 'DeleteOptions', apiVersion: 'v1', ...extra });
const secondsFromNow = (timestamp: string) => (Date.parse(timestamp) - Date.now()) / 1000;

describe('pods', () => {
  test('a pod without a node is deleted at once; DELETE answers with the pod', async () => {
    const created = assertOk(await call(server.url, 'POST', podsPath(NS), pod('unbound')), 201);
    const res = assertOk(await call(server.url, 'DELETE', podPath('unbound')));
    assert.equal(res.kind, 'Pod');
    assert.equal(res.metadata.uid, created.metadata.uid);
    assertStatus(await call(server.url, 'GET', podPath('unbound')), 404, 'NotFound');
  });

  test('a bound pod gets the default 30s grace period and stays until deleted with gracePeriodSeconds=0', async () => {
    assertOk(await call(server.url, 'POST', podsPath(NS), pod('bound', { nodeName: 'node-1' })), 201);
    const watch = await openWatch(server.url, `${podsPath(NS)}?watch=1&fieldSelector=metadata.name%3Dbound`);
    try {
      await watch.until((events) => events.length >= 1); // the initial ADDED
      const marked = assertOk(await call(server.url, 'DELETE', podPath('bound')));
      assert.equal(marked.metadata.deletionGracePeriodSeconds, 30);
      const left = secondsFromNow(marked.metadata.deletionTimestamp);
      assert.ok(left > 25 && left <= 31, `deletionTimestamp is now + 30s, was ${left}s away`);

      const still = assertOk(await call(server.url, 'GET', podPath('bound')));
      assert.equal(still.metadata.deletionTimestamp, marked.metadata.deletionTimestamp);
      assert.equal(still.metadata.deletionGracePeriodSeconds, 30);

      // What the kubelet sends once the containers are gone.
      assertOk(await call(server.url, 'DELETE', podPath('bound'), deleteOptions({ gracePeriodSeconds: 0 })));
      assertStatus(await call(server.url, 'GET', podPath('bound')), 404, 'NotFound');
      await watch.until((events) => events.some((e) => e.type === 'DELETED'));
      assert.deepEqual(watch.events.map((e) => e.type), ['ADDED', 'MODIFIED', 'DELETED']);
      assert.ok(watch.events[1].object.metadata.deletionTimestamp);
    } finally {
      watch.close();
    }
  });

  test('gracePeriodSeconds from DeleteOptions, from the query, and from the pod\'s terminationGracePeriodSeconds', async () => {
    assertOk(await call(server.url, 'POST', podsPath(NS), pod('grace-body', { nodeName: 'node-1' })), 201);
    const byBody = assertOk(await call(server.url, 'DELETE', podPath('grace-body'), deleteOptions({ gracePeriodSeconds: 10 })));
    assert.equal(byBody.metadata.deletionGracePeriodSeconds, 10);

    assertOk(await call(server.url, 'POST', podsPath(NS), pod('grace-query', { nodeName: 'node-1' })), 201);
    const byQuery = assertOk(await call(server.url, 'DELETE', `${podPath('grace-query')}?gracePeriodSeconds=5`));
    assert.equal(byQuery.metadata.deletionGracePeriodSeconds, 5);

    const custom = pod('grace-spec', { nodeName: 'node-1' });
    (custom.spec as any).terminationGracePeriodSeconds = 45;
    assertOk(await call(server.url, 'POST', podsPath(NS), custom), 201);
    const bySpec = assertOk(await call(server.url, 'DELETE', podPath('grace-spec')));
    assert.equal(bySpec.metadata.deletionGracePeriodSeconds, 45);

    // A later delete may shorten the grace period, never lengthen it.
    const longer = assertOk(await call(server.url, 'DELETE', podPath('grace-query'), deleteOptions({ gracePeriodSeconds: 60 })));
    assert.equal(longer.metadata.deletionGracePeriodSeconds, 5);
    const shorter = assertOk(await call(server.url, 'DELETE', podPath('grace-spec'), deleteOptions({ gracePeriodSeconds: 3 })));
    assert.equal(shorter.metadata.deletionGracePeriodSeconds, 3);
    assert.ok(secondsFromNow(shorter.metadata.deletionTimestamp) <= 4);

    for (const name of ['grace-body', 'grace-query', 'grace-spec']) assertOk(await call(server.url, 'DELETE', `${podPath(name)}?gracePeriodSeconds=0`));
    for (const name of ['grace-body', 'grace-query', 'grace-spec']) assertStatus(await call(server.url, 'GET', podPath(name)), 404, 'NotFound');
  });

  test('a terminating pod cannot be bound', async () => {
    assertOk(await call(server.url, 'POST', podsPath(NS), pod('late-bind', { finalizers: ['example.com/hold'] })), 201);
    assertOk(await call(server.url, 'DELETE', podPath('late-bind')));
    const binding = { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'late-bind' }, target: { apiVersion: 'v1', kind: 'Node', name: 'node-1' } };
    assertStatus(await call(server.url, 'POST', `${podPath('late-bind')}/binding`, binding), 409, 'Conflict');
    assertOk(await call(server.url, 'PATCH', podPath('late-bind'), { metadata: { finalizers: null } }, MERGE));
  });
});

describe('finalizers', () => {
  test('a finalizer keeps the object, marked, until a PATCH removes it; then it is gone', async () => {
    const created = assertOk(await call(server.url, 'POST', configMapsPath(NS), configMap('held', { finalizers: ['example.com/hold'] })), 201);
    const watch = await openWatch(server.url, `${configMapsPath(NS)}?watch=1&resourceVersion=${created.metadata.resourceVersion}`);
    try {
      const marked = assertOk(await call(server.url, 'DELETE', cmPath('held')));
      assert.equal(marked.kind, 'ConfigMap', 'an object that is only marked comes back as itself');
      assert.ok(marked.metadata.deletionTimestamp);
      assert.equal(marked.metadata.deletionGracePeriodSeconds, 0);
      const still = assertOk(await call(server.url, 'GET', cmPath('held')));
      assert.deepEqual(still.metadata.finalizers, ['example.com/hold']);
      assert.equal(still.metadata.deletionTimestamp, marked.metadata.deletionTimestamp);

      // Other changes are still allowed while terminating; new finalizers are not.
      assertOk(await call(server.url, 'PATCH', cmPath('held'), { data: { k: 'v2' } }, MERGE));
      assertStatus(await call(server.url, 'PATCH', cmPath('held'), { metadata: { finalizers: ['example.com/hold', 'example.com/more'] } }, MERGE), 422, 'Invalid');
      // A repeated DELETE changes nothing.
      const again = assertOk(await call(server.url, 'DELETE', cmPath('held')));
      assert.equal(again.metadata.deletionTimestamp, marked.metadata.deletionTimestamp);

      assertOk(await call(server.url, 'PATCH', cmPath('held'), { metadata: { finalizers: null } }, MERGE));
      assertStatus(await call(server.url, 'GET', cmPath('held')), 404, 'NotFound');
      await watch.until((events) => events.some((e) => e.type === 'DELETED'));
      assert.deepEqual(watch.events.map((e) => e.type), ['MODIFIED', 'MODIFIED', 'DELETED']);
    } finally {
      watch.close();
    }
  });

  test('with two finalizers, removing one keeps the object; removing the last deletes it', async () => {
    assertOk(await call(server.url, 'POST', configMapsPath(NS), configMap('held-2', { finalizers: ['example.com/a', 'example.com/b'] })), 201);
    assertOk(await call(server.url, 'DELETE', cmPath('held-2')));
    const one = assertOk(await call(server.url, 'GET', cmPath('held-2')));
    assertOk(await call(server.url, 'PUT', cmPath('held-2'), { ...one, metadata: { ...one.metadata, finalizers: ['example.com/b'] } }));
    assert.deepEqual(assertOk(await call(server.url, 'GET', cmPath('held-2'))).metadata.finalizers, ['example.com/b']);
    assertOk(await call(server.url, 'PATCH', cmPath('held-2'), [{ op: 'remove', path: '/metadata/finalizers' }], 'application/json-patch+json'));
    assertStatus(await call(server.url, 'GET', cmPath('held-2')), 404, 'NotFound');
  });
});

describe('responses and preconditions', () => {
  test('an immediate delete of a configmap answers with a Success Status naming it', async () => {
    const created = assertOk(await call(server.url, 'POST', configMapsPath(NS), configMap('gone')), 201);
    const status = assertOk(await call(server.url, 'DELETE', cmPath('gone')));
    assert.equal(status.kind, 'Status');
    assert.equal(status.status, 'Success');
    assert.equal(status.details.name, 'gone');
    assert.equal(status.details.kind, 'configmaps');
    assert.equal(status.details.uid, created.metadata.uid);
    assertStatus(await call(server.url, 'DELETE', cmPath('gone')), 404, 'NotFound');
  });

  test('preconditions: a uid or resourceVersion mismatch is 409 and the object stays; matching ones delete', async () => {
    const created = assertOk(await call(server.url, 'POST', configMapsPath(NS), configMap('pre')), 201);
    const badUid = assertStatus(await call(server.url, 'DELETE', cmPath('pre'), deleteOptions({ preconditions: { uid: '00000000-0000-0000-0000-000000000000' } })), 409, 'Conflict');
    assert.match(badUid.message, /precondition/i);
    const badRv = assertStatus(await call(server.url, 'DELETE', cmPath('pre'), deleteOptions({ preconditions: { resourceVersion: '1' } })), 409, 'Conflict');
    assert.match(badRv.message, /precondition/i);
    assertOk(await call(server.url, 'GET', cmPath('pre')));
    assertOk(await call(server.url, 'DELETE', cmPath('pre'), deleteOptions({ preconditions: { uid: created.metadata.uid, resourceVersion: created.metadata.resourceVersion } })));
    assertStatus(await call(server.url, 'GET', cmPath('pre')), 404, 'NotFound');
  });

  test('invalid DeleteOptions are 422 Invalid (kube validates them as a DeleteOptions object)', async () => {
    assertOk(await call(server.url, 'POST', configMapsPath(NS), configMap('bad-options')), 201);
    const status = assertStatus(await call(server.url, 'DELETE', `${cmPath('bad-options')}?propagationPolicy=Bogus`), 422, 'Invalid');
    assert.ok(status.details.causes.some((c: any) => c.field === 'propagationPolicy'), JSON.stringify(status));
    assertStatus(await call(server.url, 'DELETE', cmPath('bad-options'), deleteOptions({ propagationPolicy: 'Orphan', orphanDependents: true })), 422, 'Invalid');
    assertOk(await call(server.url, 'GET', cmPath('bad-options')));
  });

  test('a DeleteOptions body that is not JSON is 400', async () => {
    assertStatus(await call(server.url, 'DELETE', cmPath('bad-options'), '{"gracePeriodSeconds":'), 400, 'BadRequest');
  });
});

describe('propagationPolicy', () => {
  test('Orphan adds the orphan finalizer (body and query forms)', async () => {
    assertOk(await call(server.url, 'POST', deploymentsPath(NS), deployment('orphan-body')), 201);
    const byBody = assertOk(await call(server.url, 'DELETE', `${deploymentsPath(NS)}/orphan-body`, deleteOptions({ propagationPolicy: 'Orphan' })));
    assert.deepEqual(byBody.metadata.finalizers, ['orphan']);
    assert.ok(byBody.metadata.deletionTimestamp);

    assertOk(await call(server.url, 'POST', deploymentsPath(NS), deployment('orphan-query')), 201);
    assertOk(await call(server.url, 'DELETE', `${deploymentsPath(NS)}/orphan-query?propagationPolicy=Orphan`));
    const got = assertOk(await call(server.url, 'GET', `${deploymentsPath(NS)}/orphan-query`));
    assert.deepEqual(got.metadata.finalizers, ['orphan']);

    // The legacy orphanDependents=true means the same.
    assertOk(await call(server.url, 'POST', deploymentsPath(NS), deployment('orphan-legacy')), 201);
    const legacy = assertOk(await call(server.url, 'DELETE', `${deploymentsPath(NS)}/orphan-legacy`, deleteOptions({ orphanDependents: true })));
    assert.deepEqual(legacy.metadata.finalizers, ['orphan']);
  });

  test('Foreground adds foregroundDeletion; Background deletes at once', async () => {
    assertOk(await call(server.url, 'POST', deploymentsPath(NS), deployment('fg')), 201);
    const fg = assertOk(await call(server.url, 'DELETE', `${deploymentsPath(NS)}/fg?propagationPolicy=Foreground`));
    assert.deepEqual(fg.metadata.finalizers, ['foregroundDeletion']);
    assertOk(await call(server.url, 'GET', `${deploymentsPath(NS)}/fg`));

    assertOk(await call(server.url, 'POST', deploymentsPath(NS), deployment('bg')), 201);
    const bg = assertOk(await call(server.url, 'DELETE', `${deploymentsPath(NS)}/bg`, deleteOptions({ propagationPolicy: 'Background' })));
    assert.equal(bg.kind, 'Status');
    assertStatus(await call(server.url, 'GET', `${deploymentsPath(NS)}/bg`), 404, 'NotFound');
  });

  test('the GC finalizers hold the object like any other until removed', async () => {
    for (const name of ['orphan-body', 'orphan-query', 'orphan-legacy', 'fg']) {
      assertOk(await call(server.url, 'PATCH', `${deploymentsPath(NS)}/${name}`, { metadata: { finalizers: null } }, MERGE));
      assertStatus(await call(server.url, 'GET', `${deploymentsPath(NS)}/${name}`), 404, 'NotFound');
    }
  });
});

describe('deletecollection', () => {
  test('deletes what the label selector matches and answers with the deleted objects', async () => {
    for (const [name, team] of [['dc-1', 'a'], ['dc-2', 'a'], ['dc-3', 'b']]) {
      assertOk(await call(server.url, 'POST', configMapsPath(NS), configMap(name, { labels: { group: 'dc', team } })), 201);
    }
    const res = assertOk(await call(server.url, 'DELETE', `${configMapsPath(NS)}?labelSelector=${encodeURIComponent('group=dc,team=a')}`));
    assert.equal(res.kind, 'ConfigMapList');
    assert.deepEqual(names(res), ['dc-1', 'dc-2']);
    const left = assertOk(await call(server.url, 'GET', `${configMapsPath(NS)}?labelSelector=group%3Ddc`));
    assert.deepEqual(names(left), ['dc-3']);
  });

  test('applies DeleteOptions to every object: bound pods get the grace period', async () => {
    for (const name of ['dcp-1', 'dcp-2']) assertOk(await call(server.url, 'POST', podsPath(NS), pod(name, { labels: { group: 'dcp' }, nodeName: 'node-1' })), 201);
    assertOk(await call(server.url, 'DELETE', `${podsPath(NS)}?labelSelector=group%3Ddcp&gracePeriodSeconds=20`));
    const marked = assertOk(await call(server.url, 'GET', `${podsPath(NS)}?labelSelector=group%3Ddcp`));
    assert.deepEqual(names(marked), ['dcp-1', 'dcp-2']);
    for (const p of marked.items) assert.equal(p.metadata.deletionGracePeriodSeconds, 20);
    assertOk(await call(server.url, 'DELETE', `${podsPath(NS)}?labelSelector=group%3Ddcp`, deleteOptions({ gracePeriodSeconds: 0 })));
    assert.deepEqual(names(assertOk(await call(server.url, 'GET', `${podsPath(NS)}?labelSelector=group%3Ddcp`))), []);
  });

  test('does not reach into other namespaces', async () => {
    assertOk(await call(server.url, 'POST', namespacesPath, namespace('deletion-other')), 201);
    assertOk(await call(server.url, 'POST', configMapsPath('deletion-other'), configMap('keep', { labels: { group: 'wide' } })), 201);
    assertOk(await call(server.url, 'POST', configMapsPath(NS), configMap('drop', { labels: { group: 'wide' } })), 201);
    assertOk(await call(server.url, 'DELETE', `${configMapsPath(NS)}?labelSelector=group%3Dwide`));
    assertOk(await call(server.url, 'GET', `${configMapsPath('deletion-other')}/keep`));
    assertStatus(await call(server.url, 'GET', cmPath('drop')), 404, 'NotFound');
  });
});
