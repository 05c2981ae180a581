// Subresources: pods/status and deployments/status (a status write cannot change spec, a spec write
// cannot change status), deployments/scale and replicasets/scale (GET, PUT and the merge patch
// `kubectl scale` sends), pods/binding (sets spec.nodeName and PodScheduled=True, once), and
// metadata.generation moving on spec changes only.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startApiServer, type ApiServerProcess } from '../helpers/apiserver.ts';
import { call } from '../helpers/http.ts';
import {
  assertOk, assertStatus, deployment, deploymentsPath, namespace, namespacesPath, pod, podsPath, replicaSet, replicaSetsPath,
} from '../fixtures/api-objects.ts';

let server: ApiServerProcess;
const NS = 'subresources';
const MERGE = 'application/merge-patch+json';
before(async () => {
  server = await startApiServer();
  assertOk(await call(server.url, 'POST', namespacesPath, namespace(NS)), 201);
});
after(async () => { await server?.cleanup(); });

const binding = (name: string, nodeName: string) => ({ apiVersion: 'v1', kind: 'Binding', metadata: { name }, target: { apiVersion: 'v1', kind: 'Node', name: nodeName } });

describe('pods/status', () => {
  test('a status write changes status only: spec in the body is ignored', async () => {
    const created = assertOk(await call(server.url, 'POST', podsPath(NS), pod('st-1')), 201);
    const body = structuredClone(created);
    body.spec.containers[0].image = 'nginx:9.9';
    body.spec.activeDeadlineSeconds = 60;
    body.status = { ...body.status, phase: 'Running', podIP: '10.1.2.3', conditions: [{ type: 'Ready', status: 'True' }] };
    const updated = assertOk(await call(server.url, 'PUT', `${podsPath(NS)}/st-1/status`, body));
    assert.equal(updated.status.phase, 'Running');
    assert.equal(updated.status.podIP, '10.1.2.3');
    assert.deepEqual(updated.spec, created.spec, 'spec unchanged by a status write');
    assert.ok(Number(updated.metadata.resourceVersion) > Number(created.metadata.resourceVersion));
    const got = assertOk(await call(server.url, 'GET', `${podsPath(NS)}/st-1`));
    assert.deepEqual(got, updated);
  });

  test('GET of pods/status returns the whole pod', async () => {
    const got = assertOk(await call(server.url, 'GET', `${podsPath(NS)}/st-1/status`));
    assert.equal(got.kind, 'Pod');
    assert.equal(got.metadata.name, 'st-1');
    assert.equal(got.status.phase, 'Running');
  });

  test('a spec write cannot change status', async () => {
    const current = assertOk(await call(server.url, 'GET', `${podsPath(NS)}/st-1`));
    const body = structuredClone(current);
    body.spec.containers[0].image = 'nginx:1.28'; // image is one of the mutable pod fields
    body.status.phase = 'Failed';
    const updated = assertOk(await call(server.url, 'PUT', `${podsPath(NS)}/st-1`, body));
    assert.equal(updated.spec.containers[0].image, 'nginx:1.28');
    assert.equal(updated.status.phase, 'Running');
  });

  test('merge patch of pods/status (what the kubelet sends)', async () => {
    assertOk(await call(server.url, 'POST', podsPath(NS), pod('st-2')), 201);
    const patched = assertOk(await call(server.url, 'PATCH', `${podsPath(NS)}/st-2/status`, { status: { phase: 'Running', hostIP: '192.168.0.5' }, spec: { nodeName: 'sneaky' } }, MERGE));
    assert.equal(patched.status.phase, 'Running');
    assert.equal(patched.status.hostIP, '192.168.0.5');
    assert.equal(patched.spec.nodeName, undefined, 'spec.nodeName only through pods/binding');
  });

  test('a status write with a stale resourceVersion is 409', async () => {
    const current = assertOk(await call(server.url, 'GET', `${podsPath(NS)}/st-2`));
    assertOk(await call(server.url, 'PATCH', `${podsPath(NS)}/st-2/status`, { status: { message: 'x' } }, MERGE));
    assertStatus(await call(server.url, 'PUT', `${podsPath(NS)}/st-2/status`, { ...current, status: { ...current.status, phase: 'Succeeded' } }), 409, 'Conflict');
  });
});

describe('deployments/status and generation', () => {
  test('status writes keep generation and spec; spec writes move generation and keep status', async () => {
    const created = assertOk(await call(server.url, 'POST', deploymentsPath(NS), deployment('gen')), 201);
    assert.equal(created.metadata.generation, 1);
    const withStatus = assertOk(await call(server.url, 'PUT', `${deploymentsPath(NS)}/gen/status`,
      { ...created, spec: { ...created.spec, replicas: 9 }, status: { observedGeneration: 1, replicas: 1, readyReplicas: 1 } }));
    assert.equal(withStatus.status.readyReplicas, 1);
    assert.equal(withStatus.spec.replicas, 1, 'spec in a status write is ignored');
    assert.equal(withStatus.metadata.generation, 1, 'a status write does not move generation');

    const withSpec = assertOk(await call(server.url, 'PUT', `${deploymentsPath(NS)}/gen`, { ...withStatus, spec: { ...withStatus.spec, replicas: 2 }, status: {} }));
    assert.equal(withSpec.metadata.generation, 2);
    assert.equal(withSpec.status.readyReplicas, 1, 'status in a spec write is ignored');

    const patchedStatus = assertOk(await call(server.url, 'PATCH', `${deploymentsPath(NS)}/gen/status`, { status: { observedGeneration: 2 } }, MERGE));
    assert.equal(patchedStatus.metadata.generation, 2);
    assert.equal(patchedStatus.status.observedGeneration, 2);
  });
});

describe('scale', () => {
  test('GET deployments/scale is an autoscaling/v1 Scale', async () => {
    const created = assertOk(await call(server.url, 'POST', deploymentsPath(NS), deployment('web', { replicas: 2, labels: { app: 'web', tier: 'front' } })), 201);
    const scale = assertOk(await call(server.url, 'GET', `${deploymentsPath(NS)}/web/scale`));
    assert.equal(scale.kind, 'Scale');
    assert.equal(scale.apiVersion, 'autoscaling/v1');
    assert.equal(scale.metadata.name, 'web');
    assert.equal(scale.metadata.namespace, NS);
    assert.equal(scale.metadata.uid, created.metadata.uid);
    assert.equal(scale.metadata.resourceVersion, created.metadata.resourceVersion);
    assert.equal(scale.spec.replicas, 2);
    assert.equal(scale.status.replicas, 0);
    assert.equal(scale.status.selector, 'app=web,tier=front');
  });

  test('PUT deployments/scale sets spec.replicas and moves generation', async () => {
    const scale = assertOk(await call(server.url, 'GET', `${deploymentsPath(NS)}/web/scale`));
    const updated = assertOk(await call(server.url, 'PUT', `${deploymentsPath(NS)}/web/scale`, { ...scale, spec: { replicas: 5 } }));
    assert.equal(updated.kind, 'Scale');
    assert.equal(updated.spec.replicas, 5);
    const d = assertOk(await call(server.url, 'GET', `${deploymentsPath(NS)}/web`));
    assert.equal(d.spec.replicas, 5);
    assert.equal(d.metadata.generation, 2);
    assert.equal(updated.metadata.resourceVersion, d.metadata.resourceVersion);
  });

  test('PATCH deployments/scale with a merge patch (kubectl scale)', async () => {
    const patched = assertOk(await call(server.url, 'PATCH', `${deploymentsPath(NS)}/web/scale`, { spec: { replicas: 3 } }, MERGE));
    assert.equal(patched.spec.replicas, 3);
    const d = assertOk(await call(server.url, 'GET', `${deploymentsPath(NS)}/web`));
    assert.equal(d.spec.replicas, 3);
    assert.equal(d.metadata.generation, 3);
  });

  test('scale to zero, a stale resourceVersion (409) and a negative count (422)', async () => {
    const zero = assertOk(await call(server.url, 'PATCH', `${deploymentsPath(NS)}/web/scale`, { spec: { replicas: 0 } }, MERGE));
    assert.equal(zero.spec.replicas, 0);
    const stale = { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'web', namespace: NS, resourceVersion: '1' }, spec: { replicas: 4 } };
    assertStatus(await call(server.url, 'PUT', `${deploymentsPath(NS)}/web/scale`, stale), 409, 'Conflict');
    const status = assertStatus(await call(server.url, 'PATCH', `${deploymentsPath(NS)}/web/scale`, { spec: { replicas: -1 } }, MERGE), 422, 'Invalid');
    assert.ok(status.details.causes.some((c: any) => c.field === 'spec.replicas'));
    const d = assertOk(await call(server.url, 'GET', `${deploymentsPath(NS)}/web`));
    assert.equal(d.spec.replicas, 0);
  });

  test('replicasets/scale GET and PUT', async () => {
    assertOk(await call(server.url, 'POST', replicaSetsPath(NS), replicaSet('rs', 1)), 201);
    const scale = assertOk(await call(server.url, 'GET', `${replicaSetsPath(NS)}/rs/scale`));
    assert.equal(scale.kind, 'Scale');
    assert.equal(scale.spec.replicas, 1);
    assert.equal(scale.status.selector, 'app=rs');
    const updated = assertOk(await call(server.url, 'PUT', `${replicaSetsPath(NS)}/rs/scale`, { ...scale, spec: { replicas: 4 } }));
    assert.equal(updated.spec.replicas, 4);
    const rs = assertOk(await call(server.url, 'GET', `${replicaSetsPath(NS)}/rs`));
    assert.equal(rs.spec.replicas, 4);
    assert.equal(rs.metadata.generation, 2);
  });

  test('scale of a missing deployment is 404; pods have no scale subresource', async () => {
    assertStatus(await call(server.url, 'GET', `${deploymentsPath(NS)}/absent/scale`), 404, 'NotFound');
    assertOk(await call(server.url, 'POST', podsPath(NS), pod('no-scale')), 201);
    assertStatus(await call(server.url, 'GET', `${podsPath(NS)}/no-scale/scale`), 404, 'NotFound');
  });
});

describe('pods/binding', () => {
  test('binds once: spec.nodeName and PodScheduled=True; a second binding is 409', async () => {
    const created = assertOk(await call(server.url, 'POST', podsPath(NS), pod('bind-1')), 201);
    const res = await call(server.url, 'POST', `${podsPath(NS)}/bind-1/binding`, binding('bind-1', 'node-a'));
    const body = assertOk(res, 201);
    assert.equal(body.kind, 'Status');
    assert.equal(body.status, 'Success');
    const bound = assertOk(await call(server.url, 'GET', `${podsPath(NS)}/bind-1`));
    assert.equal(bound.spec.nodeName, 'node-a');
    const scheduled = bound.status.conditions.find((c: any) => c.type === 'PodScheduled');
    assert.equal(scheduled?.status, 'True');
    assert.match(scheduled.lastTransitionTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.ok(Number(bound.metadata.resourceVersion) > Number(created.metadata.resourceVersion));
    // The rest of the spec is as it was.
    assert.deepEqual({ ...bound.spec, nodeName: undefined }, { ...created.spec, nodeName: undefined });

    const again = assertStatus(await call(server.url, 'POST', `${podsPath(NS)}/bind-1/binding`, binding('bind-1', 'node-b')), 409, 'Conflict');
    assert.match(again.message, /already assigned to node "node-a"/);
    assert.equal(assertOk(await call(server.url, 'GET', `${podsPath(NS)}/bind-1`)).spec.nodeName, 'node-a');
  });

  test('a plain update cannot set spec.nodeName (422); binding a missing pod is 404', async () => {
    const created = assertOk(await call(server.url, 'POST', podsPath(NS), pod('bind-2')), 201);
    assertStatus(await call(server.url, 'PUT', `${podsPath(NS)}/bind-2`, { ...created, spec: { ...created.spec, nodeName: 'node-x' } }), 422, 'Invalid');
    assertStatus(await call(server.url, 'POST', `${podsPath(NS)}/absent/binding`, binding('absent', 'node-a')), 404, 'NotFound');
  });

  test('a binding without a target is 422; a name that differs from the URL is 400', async () => {
    assertOk(await call(server.url, 'POST', podsPath(NS), pod('bind-3')), 201);
    assertStatus(await call(server.url, 'POST', `${podsPath(NS)}/bind-3/binding`, { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'bind-3' }, target: {} }), 422, 'Invalid');
    assertStatus(await call(server.url, 'POST', `${podsPath(NS)}/bind-3/binding`, binding('other', 'node-a')), 400, 'BadRequest');
    assert.equal(assertOk(await call(server.url, 'GET', `${podsPath(NS)}/bind-3`)).spec.nodeName, undefined);
  });
});
