// Create, get, list and update over HTTP for several kinds, as kube-apiserver answers them: 201 with
// server-set uid, creationTimestamp and resourceVersion, defaults applied, generation for kinds whose
// strategy keeps one, generateName, namespaced and cluster-wide lists, and PUT semantics (generation
// moves only on spec changes, a no-op update keeps its resourceVersion).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startApiServer, type ApiServerProcess } from '../helpers/apiserver.ts';
import { call } from '../helpers/http.ts';
import {
  assertOk, assertStatus, configMap, configMapsPath, deployment, deploymentsPath, endpointSlice, endpointSlicesPath, lease, leasesPath,
  names, namespace, namespacesPath, node, nodesPath, pod, podsPath,
} from '../fixtures/api-objects.ts';

let server: ApiServerProcess;
const NS = 'crud';
const OTHER = 'crud-other';
before(async () => {
  server = await startApiServer();
  for (const ns of [NS, OTHER]) assertOk(await call(server.url, 'POST', namespacesPath, namespace(ns)), 201);
});
after(async () => { await server?.cleanup(); });

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

/** The fields every created object gets from the server. */
function assertServerSetMeta(obj: any, sentUid?: string) {
  assert.match(obj.metadata.uid, UUID);
  if (sentUid) assert.notEqual(obj.metadata.uid, sentUid, 'the server chooses the uid');
  assert.match(obj.metadata.creationTimestamp, RFC3339);
  assert.ok(Math.abs(Date.parse(obj.metadata.creationTimestamp) - Date.now()) < 60_000, 'creationTimestamp is now');
  assert.match(obj.metadata.resourceVersion, /^[1-9]\d*$/);
}

describe('create', () => {
  test('pod: 201, server-set metadata, defaults, Pending status, no generation', async () => {
    const body = pod('web-1', { labels: { app: 'web' } });
    (body.metadata as any).uid = '11111111-2222-3333-4444-555555555555';
    (body.metadata as any).creationTimestamp = '2001-01-01T00:00:00Z';
    (body as any).status = { phase: 'Running', podIP: '10.9.9.9' };
    const res = await call(server.url, 'POST', podsPath(NS), body);
    const created = assertOk(res, 201);
    assert.equal(created.kind, 'Pod');
    assert.equal(created.apiVersion, 'v1');
    assert.equal(created.metadata.name, 'web-1');
    assert.equal(created.metadata.namespace, NS);
    assert.deepEqual(created.metadata.labels, { app: 'web' });
    assertServerSetMeta(created, '11111111-2222-3333-4444-555555555555');
    assert.notEqual(created.metadata.creationTimestamp, '2001-01-01T00:00:00Z');
    assert.equal(created.metadata.generation, undefined, 'pods have no generation in v1.32');
    // SetDefaults_PodSpec / SetDefaults_Container
    assert.equal(created.spec.restartPolicy, 'Always');
    assert.equal(created.spec.dnsPolicy, 'ClusterFirst');
    assert.equal(created.spec.terminationGracePeriodSeconds, 30);
    assert.equal(created.spec.schedulerName, 'default-scheduler');
    assert.equal(created.spec.containers[0].imagePullPolicy, 'IfNotPresent', 'a tagged image other than :latest is IfNotPresent');
    assert.equal(created.spec.containers[0].terminationMessagePath, '/dev/termination-log');
    assert.equal(created.spec.containers[0].terminationMessagePolicy, 'File');
    // Status is the kubelet's: whatever the client sent, a new pod is Pending.
    assert.equal(created.status.phase, 'Pending');
    assert.equal(created.status.podIP, undefined);
    assert.equal(created.status.qosClass, 'BestEffort');
  });

  test('pod with an untagged image defaults imagePullPolicy to Always', async () => {
    const created = assertOk(await call(server.url, 'POST', podsPath(NS), pod('untagged', { image: 'nginx' })), 201);
    assert.equal(created.spec.containers[0].imagePullPolicy, 'Always');
  });

  test('deployment: generation 1, defaults, client-sent status dropped', async () => {
    const body = { ...deployment('web'), status: { replicas: 7, readyReplicas: 7 } };
    const created = assertOk(await call(server.url, 'POST', deploymentsPath(NS), body), 201);
    assert.equal(created.kind, 'Deployment');
    assert.equal(created.apiVersion, 'apps/v1');
    assertServerSetMeta(created);
    assert.equal(created.metadata.generation, 1);
    assert.equal(created.spec.replicas, 1);
    assert.deepEqual(created.spec.strategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } });
    assert.equal(created.spec.revisionHistoryLimit, 10);
    assert.equal(created.spec.progressDeadlineSeconds, 600);
    assert.equal(created.spec.template.spec.restartPolicy, 'Always');
    assert.equal(created.status?.replicas, undefined, 'status is the controller\'s, not the creator\'s');
  });

  test('configmap: no spec, no generation; data kept as sent', async () => {
    const created = assertOk(await call(server.url, 'POST', configMapsPath(NS), configMap('settings', { data: { a: '1', b: 'two' } })), 201);
    assertServerSetMeta(created);
    assert.equal(created.metadata.generation, undefined);
    assert.deepEqual(created.data, { a: '1', b: 'two' });
  });

  test('node (cluster-scoped): created without a namespace, not reachable under one', async () => {
    const created = assertOk(await call(server.url, 'POST', nodesPath, node('node-a', { zone: 'a' })), 201);
    assertServerSetMeta(created);
    assert.equal(created.metadata.namespace, undefined);
    assert.equal(created.metadata.generation, undefined, 'nodes have no generation');
    const got = assertOk(await call(server.url, 'GET', `${nodesPath}/node-a`));
    assert.equal(got.metadata.uid, created.metadata.uid);
    await assertStatus(await call(server.url, 'GET', `/api/v1/namespaces/${NS}/nodes/node-a`), 404, 'NotFound');
  });

  test('lease: created with its spec; the lease strategy sets no generation', async () => {
    const created = assertOk(await call(server.url, 'POST', leasesPath(NS), lease('leader')), 201);
    assertServerSetMeta(created);
    assert.equal(created.apiVersion, 'coordination.k8s.io/v1');
    assert.equal(created.spec.holderIdentity, 'holder-a');
    assert.equal(created.spec.leaseDurationSeconds, 15);
    // kube's leaseStrategy.PrepareForCreate is empty: no generation.
    assert.equal(created.metadata.generation, undefined);
  });

  test('endpointslice: generation 1 (endpointSliceStrategy sets it), port defaults', async () => {
    const created = assertOk(await call(server.url, 'POST', endpointSlicesPath(NS), endpointSlice('web-abc')), 201);
    assertServerSetMeta(created);
    assert.equal(created.addressType, 'IPv4');
    assert.deepEqual(created.endpoints[0].addresses, ['10.0.0.1']);
    assert.equal(created.ports[0].protocol, 'TCP');
    assert.equal(created.metadata.generation, 1);
  });

  test('service: a spec but no generation (kube\'s svcStrategy sets none)', async () => {
    const body = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } };
    const created = assertOk(await call(server.url, 'POST', `/api/v1/namespaces/${NS}/services`, body), 201);
    assertServerSetMeta(created);
    assert.equal(created.metadata.generation, undefined);
  });

  test('generateName: the server picks a unique name with that prefix', async () => {
    const made = new Set<string>();
    for (let i = 0; i < 3; i++) {
      const res = await call(server.url, 'POST', configMapsPath(NS), { metadata: { generateName: 'gen-' }, data: {} });
      const created = assertOk(res, 201);
      assert.match(created.metadata.name, /^gen-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
      assert.equal(created.metadata.generateName, 'gen-');
      made.add(created.metadata.name);
      assertOk(await call(server.url, 'GET', `${configMapsPath(NS)}/${created.metadata.name}`));
    }
    assert.equal(made.size, 3);
  });

  test('namespace comes from the URL when the body has none, and must agree when it has one', async () => {
    const created = assertOk(await call(server.url, 'POST', configMapsPath(OTHER), configMap('from-url')), 201);
    assert.equal(created.metadata.namespace, OTHER);
    const body = { ...configMap('mismatch'), metadata: { name: 'mismatch', namespace: NS } };
    assertStatus(await call(server.url, 'POST', configMapsPath(OTHER), body), 400, 'BadRequest');
  });
});

describe('get and list', () => {
  test('get returns what create returned', async () => {
    const created = assertOk(await call(server.url, 'POST', configMapsPath(NS), configMap('get-me')), 201);
    const got = assertOk(await call(server.url, 'GET', `${configMapsPath(NS)}/get-me`));
    assert.deepEqual(got, created);
  });

  test('namespaced list, cluster-wide list of a namespaced kind, and an empty list', async () => {
    for (const [ns, name] of [[NS, 'lp-1'], [NS, 'lp-2'], [OTHER, 'lp-3']]) assertOk(await call(server.url, 'POST', podsPath(ns), pod(name, { labels: { set: 'lp' } })), 201);
    const inNs = assertOk(await call(server.url, 'GET', `${podsPath(NS)}?labelSelector=set%3Dlp`));
    assert.equal(inNs.kind, 'PodList');
    assert.equal(inNs.apiVersion, 'v1');
    assert.match(inNs.metadata.resourceVersion, /^\d+$/);
    assert.deepEqual(names(inNs), ['lp-1', 'lp-2']);

    const all = assertOk(await call(server.url, 'GET', '/api/v1/pods?labelSelector=set%3Dlp'));
    assert.equal(all.kind, 'PodList');
    assert.deepEqual(names(all), ['lp-1', 'lp-2', 'lp-3']);
    assert.deepEqual(all.items.map((p: any) => p.metadata.namespace).sort(), [NS, NS, OTHER]);

    // The list's resourceVersion is at least that of every item in it.
    const listRv = Number(all.metadata.resourceVersion);
    for (const item of all.items) assert.ok(Number(item.metadata.resourceVersion) <= listRv);

    const empty = assertOk(await call(server.url, 'GET', '/apis/apps/v1/namespaces/crud-other/deployments'));
    assert.equal(empty.kind, 'DeploymentList');
    assert.deepEqual(empty.items, [], 'an empty list has items: [] (never null)');
  });

  test('cluster-scoped list', async () => {
    assertOk(await call(server.url, 'POST', nodesPath, node('node-b')), 201);
    const list = assertOk(await call(server.url, 'GET', nodesPath));
    assert.equal(list.kind, 'NodeList');
    assert.ok(names(list).includes('node-b'));
  });

  test('leases and endpointslices list in their groups', async () => {
    const leases = assertOk(await call(server.url, 'GET', leasesPath(NS)));
    assert.equal(leases.kind, 'LeaseList');
    assert.equal(leases.apiVersion, 'coordination.k8s.io/v1');
    assert.ok(names(leases).includes('leader'));
    const slices = assertOk(await call(server.url, 'GET', '/apis/discovery.k8s.io/v1/endpointslices'));
    assert.equal(slices.kind, 'EndpointSliceList');
    assert.ok(names(slices).includes('web-abc'));
  });
});

describe('update (PUT)', () => {
  test('with the current resourceVersion: 200 and a new resourceVersion; uid and creationTimestamp kept', async () => {
    const created = assertOk(await call(server.url, 'POST', configMapsPath(NS), configMap('upd', { data: { v: '1' } })), 201);
    const next = { ...created, data: { v: '2' }, metadata: { ...created.metadata, creationTimestamp: '2001-01-01T00:00:00Z' } };
    const updated = assertOk(await call(server.url, 'PUT', `${configMapsPath(NS)}/upd`, next));
    assert.deepEqual(updated.data, { v: '2' });
    assert.ok(Number(updated.metadata.resourceVersion) > Number(created.metadata.resourceVersion));
    assert.equal(updated.metadata.uid, created.metadata.uid);
    assert.equal(updated.metadata.creationTimestamp, created.metadata.creationTimestamp, 'changes to creationTimestamp are ignored');
  });

  test('without a resourceVersion: an unconditional update, allowed for configmaps', async () => {
    assertOk(await call(server.url, 'POST', configMapsPath(NS), configMap('uncond', { data: { v: '1' } })), 201);
    const updated = assertOk(await call(server.url, 'PUT', `${configMapsPath(NS)}/uncond`, configMap('uncond', { data: { v: '2' } })));
    assert.deepEqual(updated.data, { v: '2' });
  });

  test('a uid in the body is a precondition: a different one is 409 Conflict and nothing changes', async () => {
    const created = assertOk(await call(server.url, 'POST', configMapsPath(NS), configMap('uid-pre', { data: { v: '1' } })), 201);
    const next = { ...created, data: { v: '2' }, metadata: { ...created.metadata, uid: '11111111-2222-3333-4444-555555555555' } };
    const status = assertStatus(await call(server.url, 'PUT', `${configMapsPath(NS)}/uid-pre`, next), 409, 'Conflict');
    assert.match(status.message, /Precondition failed: UID in precondition/);
    const got = assertOk(await call(server.url, 'GET', `${configMapsPath(NS)}/uid-pre`));
    assert.deepEqual(got, created);
  });

  test('deployment generation moves on spec changes only; status is ignored on the main resource', async () => {
    const created = assertOk(await call(server.url, 'POST', deploymentsPath(NS), deployment('gen')), 201);
    assert.equal(created.metadata.generation, 1);

    const relabeled = assertOk(await call(server.url, 'PUT', `${deploymentsPath(NS)}/gen`,
      { ...created, metadata: { ...created.metadata, labels: { team: 'a' } }, status: { replicas: 3 } }));
    assert.equal(relabeled.metadata.generation, 1, 'a metadata change does not move generation');
    assert.deepEqual(relabeled.metadata.labels, { team: 'a' });
    assert.equal(relabeled.status?.replicas, undefined, 'status changes only through /status');

    const scaled = assertOk(await call(server.url, 'PUT', `${deploymentsPath(NS)}/gen`, { ...relabeled, spec: { ...relabeled.spec, replicas: 4 } }));
    assert.equal(scaled.metadata.generation, 2);
    assert.equal(scaled.spec.replicas, 4);

    const image = structuredClone(scaled);
    image.spec.template.spec.containers[0].image = 'nginx:1.28';
    const rolled = assertOk(await call(server.url, 'PUT', `${deploymentsPath(NS)}/gen`, image));
    assert.equal(rolled.metadata.generation, 3);
  });

  test('endpointslice generation moves when its endpoints change', async () => {
    const created = assertOk(await call(server.url, 'POST', endpointSlicesPath(NS), endpointSlice('gen-slice')), 201);
    const updated = assertOk(await call(server.url, 'PUT', `${endpointSlicesPath(NS)}/gen-slice`, { ...created, endpoints: [{ addresses: ['10.0.0.2'] }] }));
    assert.equal(updated.metadata.generation, (created.metadata.generation ?? 0) + 1);
    assert.equal(updated.metadata.generation, 2);
  });

  test('a no-op update keeps the resourceVersion', async () => {
    const created = assertOk(await call(server.url, 'POST', deploymentsPath(NS), deployment('noop')), 201);
    const same = assertOk(await call(server.url, 'PUT', `${deploymentsPath(NS)}/noop`, created));
    assert.equal(same.metadata.resourceVersion, created.metadata.resourceVersion);
    assert.equal(same.metadata.generation, 1);
    const got = assertOk(await call(server.url, 'GET', `${deploymentsPath(NS)}/noop`));
    assert.equal(got.metadata.resourceVersion, created.metadata.resourceVersion);
  });

  test('lease update (leader renewal) and node update', async () => {
    const current = assertOk(await call(server.url, 'POST', leasesPath(NS), lease('renewed')), 201);
    const renewed = assertOk(await call(server.url, 'PUT', `${leasesPath(NS)}/renewed`,
      { ...current, spec: { ...current.spec, holderIdentity: 'holder-b', leaseTransitions: 1 } }));
    assert.equal(renewed.spec.holderIdentity, 'holder-b');
    assert.ok(Number(renewed.metadata.resourceVersion) > Number(current.metadata.resourceVersion));

    const n = assertOk(await call(server.url, 'POST', nodesPath, node('node-c')), 201);
    const cordoned = assertOk(await call(server.url, 'PUT', `${nodesPath}/node-c`, { ...n, spec: { ...n.spec, unschedulable: true } }));
    assert.equal(cordoned.spec.unschedulable, true);
    const list = assertOk(await call(server.url, 'GET', `${nodesPath}?fieldSelector=spec.unschedulable%3Dtrue`));
    assert.deepEqual(names(list), ['node-c']);
  });

  test('PUT of an object that does not exist is 404 for a kind that does not allow create-on-update', async () => {
    assertStatus(await call(server.url, 'PUT', `${configMapsPath(NS)}/absent`, configMap('absent')), 404, 'NotFound');
  });
});
