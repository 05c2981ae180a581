// Optimistic concurrency as kube-apiserver does it: of two writes from the same resourceVersion exactly
// one wins and the other gets 409 Conflict; unpinned patches are retried on the latest object and
// both land; of two creates of one name exactly one succeeds; a pod is bound once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startApiServer, type ApiServerProcess } from '../helpers/apiserver.ts';
import { call } from '../helpers/http.ts';
import { assertOk, assertStatus, configMap, configMapsPath, deployment, deploymentsPath, namespace, namespacesPath, pod, podsPath } from '../fixtures/api-objects.ts';

let server: ApiServerProcess;
const NS = 'concurrency';
const ROUNDS = 20;
before(async () => {
  server = await startApiServer();
  assertOk(await call(server.url, 'POST', namespacesPath, namespace(NS)), 201);
});
after(async () => { await server?.cleanup(); });

test(`two PUTs from the same resourceVersion: exactly one wins, the other is 409 (${ROUNDS} rounds)`, async () => {
  const path = `${configMapsPath(NS)}/contended`;
  assertOk(await call(server.url, 'POST', configMapsPath(NS), configMap('contended', { data: { round: '-1' } })), 201);
  for (let round = 0; round < ROUNDS; round++) {
    const current = assertOk(await call(server.url, 'GET', path));
    const [a, b] = await Promise.all(['a', 'b'].map((writer) =>
      call(server.url, 'PUT', path, { ...current, data: { round: String(round), writer } })));
    const codes = [a.status, b.status].sort();
    assert.deepEqual(codes, [200, 409], `round ${round}: ${JSON.stringify([a.body, b.body])}`);
    const [winner, loser] = a.status === 200 ? [a, b] : [b, a];
    assertStatus(loser, 409, 'Conflict');
    const stored = assertOk(await call(server.url, 'GET', path));
    assert.deepEqual(stored.data, (winner.body as any).data, 'the stored object is the winner\'s');
    assert.equal(stored.metadata.resourceVersion, (winner.body as any).metadata.resourceVersion);
    assert.ok(Number(stored.metadata.resourceVersion) > Number(current.metadata.resourceVersion));
  }
});

test(`the same race on a deployment's spec moves generation once per winning write (${ROUNDS} rounds)`, async () => {
  const path = `${deploymentsPath(NS)}/contended`;
  const created = assertOk(await call(server.url, 'POST', deploymentsPath(NS), deployment('contended')), 201);
  for (let round = 0; round < ROUNDS; round++) {
    const current = assertOk(await call(server.url, 'GET', path));
    const results = await Promise.all([1, 2].map((k) =>
      call(server.url, 'PUT', path, { ...current, spec: { ...current.spec, replicas: 100 + round * 10 + k } })));
    assert.deepEqual(results.map((r) => r.status).sort(), [200, 409]);
  }
  const final = assertOk(await call(server.url, 'GET', path));
  assert.equal(final.metadata.generation, created.metadata.generation + ROUNDS);
});

test('concurrent unpinned merge patches are all applied (the server retries on the latest object)', async () => {
  const path = `${configMapsPath(NS)}/patched`;
  assertOk(await call(server.url, 'POST', configMapsPath(NS), configMap('patched', { data: {} })), 201);
  const writers = 10;
  const results = await Promise.all(Array.from({ length: writers }, (_, i) =>
    call(server.url, 'PATCH', path, { data: { [`k${i}`]: String(i) } }, 'application/merge-patch+json')));
  for (const r of results) assertOk(r);
  const stored = assertOk(await call(server.url, 'GET', path));
  assert.equal(Object.keys(stored.data).length, writers, JSON.stringify(stored.data));
});

test(`two creates of one name: exactly one 201, the other 409 AlreadyExists (${ROUNDS} rounds)`, async () => {
  for (let round = 0; round < ROUNDS; round++) {
    const name = `race-${round}`;
    const results = await Promise.all([1, 2].map((k) => call(server.url, 'POST', configMapsPath(NS), configMap(name, { data: { k: String(k) } }))));
    assert.deepEqual(results.map((r) => r.status).sort(), [201, 409]);
    assertStatus(results.find((r) => r.status === 409)!, 409, 'AlreadyExists');
  }
});

test('two bindings of one pod at once: exactly one succeeds', async () => {
  for (let round = 0; round < 5; round++) {
    const name = `bind-race-${round}`;
    assertOk(await call(server.url, 'POST', podsPath(NS), pod(name)), 201);
    const results = await Promise.all(['node-a', 'node-b'].map((nodeName) =>
      call(server.url, 'POST', `${podsPath(NS)}/${name}/binding`, { apiVersion: 'v1', kind: 'Binding', metadata: { name }, target: { apiVersion: 'v1', kind: 'Node', name: nodeName } })));
    assert.deepEqual(results.map((r) => r.status).sort(), [201, 409], JSON.stringify(results.map((r) => r.body)));
    const bound = assertOk(await call(server.url, 'GET', `${podsPath(NS)}/${name}`));
    assert.ok(['node-a', 'node-b'].includes(bound.spec.nodeName));
  }
});
