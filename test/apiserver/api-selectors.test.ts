// Label and field selectors on list and on watch. Lists: the whole label grammar (=, ==, !=, in, notin,
// exists, !key) and the field selectors kube supports for pods and events. Watches: an object that
// stops matching is seen as DELETED (carrying its last matching state at the new resourceVersion, as
// kube's watch cache sends it), one that starts matching as ADDED.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startApiServer, type ApiServerProcess } from '../helpers/apiserver.ts';
import { call, openWatch, type WatchEvent } from '../helpers/http.ts';
import { assertOk, configMap, configMapsPath, event, eventsPath, names, namespace, namespacesPath, pod, podsPath } from '../fixtures/api-objects.ts';

let server: ApiServerProcess;
const NS = 'selectors';
const OTHER = 'selectors-other';
before(async () => {
  server = await startApiServer();
  for (const ns of [NS, OTHER]) assertOk(await call(server.url, 'POST', namespacesPath, namespace(ns)), 201);
  const pods = [
    pod('p-a', { labels: { app: 'web', tier: 'front', env: 'prod' }, nodeName: 'node-1' }),
    pod('p-b', { labels: { app: 'web', tier: 'back', env: 'dev' } }),
    pod('p-c', { labels: { app: 'db', tier: 'back' } }),
    pod('p-d', { labels: { app: 'cache' }, schedulerName: 'custom-scheduler' }),
    pod('p-e'),
  ];
  for (const p of pods) assertOk(await call(server.url, 'POST', podsPath(NS), p), 201);
  assertOk(await call(server.url, 'POST', podsPath(OTHER), pod('p-other', { labels: { app: 'web' } })), 201);
  assertOk(await call(server.url, 'POST', eventsPath(NS), event('ev-a', 'p-a', NS)), 201);
  assertOk(await call(server.url, 'POST', eventsPath(NS), event('ev-b', 'p-b', NS)), 201);
});
after(async () => { await server?.cleanup(); });

const q = encodeURIComponent;
async function listPods(query: string, path = podsPath(NS)): Promise<string[]> {
  return names(assertOk(await call(server.url, 'GET', `${path}?${query}`)));
}

describe('label selectors on list', () => {
  const cases: [string, string[]][] = [
    ['app=web', ['p-a', 'p-b']],
    ['app==web', ['p-a', 'p-b']],
    ['app!=web', ['p-c', 'p-d', 'p-e']], // != also matches objects without the key
    ['tier in (front,back)', ['p-a', 'p-b', 'p-c']],
    ['tier in (front)', ['p-a']],
    ['tier notin (front)', ['p-b', 'p-c', 'p-d', 'p-e']], // notin also matches objects without the key
    ['env', ['p-a', 'p-b']],
    ['!env', ['p-c', 'p-d', 'p-e']],
    ['app=web,tier=back', ['p-b']],
    ['app in (web,db),!env', ['p-c']],
    ['app,tier notin (back)', ['p-a', 'p-d']],
    ['app=nothing', []],
    ['', ['p-a', 'p-b', 'p-c', 'p-d', 'p-e']],
  ];
  for (const [selector, expected] of cases) {
    test(`labelSelector=${selector || '(empty)'}`, async () => {
      assert.deepEqual(await listPods(`labelSelector=${q(selector)}`), expected);
    });
  }

  test('a cluster-wide list applies the selector across namespaces', async () => {
    assert.deepEqual(await listPods(`labelSelector=${q('app=web')}`, '/api/v1/pods'), ['p-a', 'p-b', 'p-other']);
  });
});

describe('field selectors on list', () => {
  const cases: [string, string[]][] = [
    ['metadata.name=p-a', ['p-a']],
    ['metadata.name==p-b', ['p-b']],
    ['metadata.name!=p-a', ['p-b', 'p-c', 'p-d', 'p-e']],
    ['metadata.namespace=selectors', ['p-a', 'p-b', 'p-c', 'p-d', 'p-e']],
    ['spec.nodeName=node-1', ['p-a']],
    ['spec.nodeName=', ['p-b', 'p-c', 'p-d', 'p-e']], // what the scheduler watches: unscheduled pods
    ['spec.nodeName!=', ['p-a']],
    ['status.phase=Pending', ['p-a', 'p-b', 'p-c', 'p-d', 'p-e']],
    ['status.phase!=Pending', []],
    ['spec.schedulerName=custom-scheduler', ['p-d']],
    ['spec.schedulerName=default-scheduler,spec.nodeName=', ['p-b', 'p-c', 'p-e']],
  ];
  for (const [selector, expected] of cases) {
    test(`fieldSelector=${selector}`, async () => {
      assert.deepEqual(await listPods(`fieldSelector=${q(selector)}`), expected);
    });
  }

  test('metadata.namespace on a cluster-wide list', async () => {
    assert.deepEqual(await listPods(`fieldSelector=${q(`metadata.namespace=${OTHER}`)}`, '/api/v1/pods'), ['p-other']);
    assert.deepEqual(await listPods(`fieldSelector=${q(`metadata.namespace!=${NS}`)}&labelSelector=${q('app=web')}`, '/api/v1/pods'), ['p-other']);
  });

  test('label and field selectors together', async () => {
    assert.deepEqual(await listPods(`labelSelector=${q('app=web')}&fieldSelector=${q('spec.nodeName=')}`), ['p-b']);
  });

  test('events by involvedObject.name (what kubectl describe asks for)', async () => {
    const list = assertOk(await call(server.url, 'GET', `${eventsPath(NS)}?fieldSelector=${q('involvedObject.name=p-a')}`));
    assert.deepEqual(names(list), ['ev-a']);
    const both = assertOk(await call(server.url, 'GET', `${eventsPath(NS)}?fieldSelector=${q('involvedObject.kind=Pod,involvedObject.namespace=selectors')}`));
    assert.deepEqual(names(both), ['ev-a', 'ev-b']);
  });
});

describe('selectors on watch', () => {
  const summary = (events: WatchEvent[]) => events.map((e) => `${e.type} ${e.object.metadata.name}`);
  const labelPatch = (labels: Record<string, string | null>) => ({ metadata: { labels } });
  const patch = async (path: string, body: unknown) => assertOk(await call(server.url, 'PATCH', path, body, 'application/merge-patch+json'));

  test('label selector: starts matching -> ADDED, changes while matching -> MODIFIED, stops matching -> DELETED', async () => {
    const path = configMapsPath(NS);
    assertOk(await call(server.url, 'POST', path, configMap('w-in', { labels: { role: 'watched' } })), 201);
    assertOk(await call(server.url, 'POST', path, configMap('w-out', { labels: { role: 'other' } })), 201);
    assertOk(await call(server.url, 'POST', path, configMap('w-never', { labels: { role: 'other' } })), 201);
    const rv = assertOk(await call(server.url, 'GET', path)).metadata.resourceVersion;
    const watch = await openWatch(server.url, `${path}?watch=1&resourceVersion=${rv}&labelSelector=${q('role=watched')}`);
    try {
      assert.equal(watch.status, 200);
      await patch(`${path}/w-never`, { data: { ignored: 'yes' } }); // never matches: no event
      const joined = await patch(`${path}/w-out`, labelPatch({ role: 'watched' }));
      await patch(`${path}/w-in`, { data: { key: 'changed' } });
      const left = await patch(`${path}/w-in`, labelPatch({ role: null }));
      assertOk(await call(server.url, 'POST', path, configMap('w-new', { labels: { role: 'watched' } })), 201);
      assertOk(await call(server.url, 'DELETE', `${path}/w-new`));
      await watch.until((events) => events.length >= 5);
      assert.deepEqual(summary(watch.events), ['ADDED w-out', 'MODIFIED w-in', 'DELETED w-in', 'ADDED w-new', 'DELETED w-new']);

      const [added, , deleted] = watch.events;
      assert.equal(added.object.metadata.resourceVersion, joined.metadata.resourceVersion);
      assert.equal(added.object.metadata.labels.role, 'watched');
      // kube sends the last state that matched, at the resourceVersion of the change that ended the match.
      assert.equal(deleted.object.metadata.labels?.role, 'watched');
      assert.equal(deleted.object.metadata.resourceVersion, left.metadata.resourceVersion);
    } finally {
      watch.close();
    }
  });

  test('field selector spec.nodeName: a pod bound to the node is ADDED to that node\'s watch', async () => {
    assertOk(await call(server.url, 'POST', podsPath(NS), pod('to-bind')), 201);
    const rv = assertOk(await call(server.url, 'GET', podsPath(NS))).metadata.resourceVersion;
    const nodeWatch = await openWatch(server.url, `${podsPath(NS)}?watch=1&resourceVersion=${rv}&fieldSelector=${q('spec.nodeName=node-2')}`);
    const pendingWatch = await openWatch(server.url, `${podsPath(NS)}?watch=1&resourceVersion=${rv}&fieldSelector=${q('spec.nodeName=')}`);
    try {
      const binding = { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'to-bind' }, target: { apiVersion: 'v1', kind: 'Node', name: 'node-2' } };
      assertOk(await call(server.url, 'POST', `${podsPath(NS)}/to-bind/binding`, binding), 201);
      await nodeWatch.until((events) => events.length >= 1);
      assert.deepEqual(summary(nodeWatch.events), ['ADDED to-bind']);
      assert.equal(nodeWatch.events[0].object.spec.nodeName, 'node-2');
      await pendingWatch.until((events) => events.length >= 1);
      assert.deepEqual(summary(pendingWatch.events), ['DELETED to-bind']);
    } finally {
      nodeWatch.close();
      pendingWatch.close();
    }
  });

  test('field selector status.phase: status writes move a pod in and out of the watch', async () => {
    const created = assertOk(await call(server.url, 'POST', podsPath(NS), pod('phased', { nodeName: 'node-3' })), 201);
    const watch = await openWatch(server.url, `${podsPath(NS)}?watch=1&resourceVersion=${created.metadata.resourceVersion}&fieldSelector=${q('status.phase=Running')}`);
    try {
      const setPhase = async (phase: string) => {
        const current = assertOk(await call(server.url, 'GET', `${podsPath(NS)}/phased`));
        return assertOk(await call(server.url, 'PUT', `${podsPath(NS)}/phased/status`, { ...current, status: { ...current.status, phase } }));
      };
      await setPhase('Running');
      await setPhase('Succeeded');
      await watch.until((events) => events.length >= 2);
      assert.deepEqual(summary(watch.events), ['ADDED phased', 'DELETED phased']);
      assert.equal(watch.events[0].object.status.phase, 'Running');
    } finally {
      watch.close();
    }
  });

  test('initial events of a selector watch (resourceVersion=0) contain only matching objects', async () => {
    const watch = await openWatch(server.url, `/api/v1/pods?watch=1&resourceVersion=0&labelSelector=${q('app=web')}`);
    try {
      await watch.until((events) => events.length >= 3);
      assert.deepEqual(summary(watch.events).sort(), ['ADDED p-a', 'ADDED p-b', 'ADDED p-other']);
    } finally {
      watch.close();
    }
  });

  test('a bad selector on watch is a 400 Status, not a stream', async () => {
    const res = await call(server.url, 'GET', `${podsPath(NS)}?watch=1&labelSelector=${q('a in (')}`);
    assert.equal(res.status, 400);
    assert.equal((res.body as any).reason, 'BadRequest');
    const field = await call(server.url, 'GET', `${podsPath(NS)}?watch=1&fieldSelector=${q('spec.nope=x')}`);
    assert.equal(field.status, 400);
  });
});
