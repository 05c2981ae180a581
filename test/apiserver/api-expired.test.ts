// 410 Expired once history is compacted: a continue token, a list at an exact old resourceVersion and a
// watch from an old resourceVersion. The server runs with a 1s compaction interval; the compactor
// compacts to the revision that was current one interval earlier, so the tests write, then wait for
// the `apiserver_storage_compacted_revision` gauge on /metrics to pass the revision they hold.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startApiServer, type ApiServerProcess } from '../helpers/apiserver.ts';
import { call, openWatch } from '../helpers/http.ts';
import { assertOk, assertStatus, configMap, configMapsPath, namespace, namespacesPath } from '../fixtures/api-objects.ts';

let server: ApiServerProcess;
const NS = 'expired';
const path = configMapsPath(NS);
before(async () => {
  server = await startApiServer({ args: ['--etcd-compaction-interval', '1s'] });
  assertOk(await call(server.url, 'POST', namespacesPath, namespace(NS)), 201);
  for (let i = 0; i < 5; i++) assertOk(await call(server.url, 'POST', path, configMap(`cm-${i}`)), 201);
});
after(async () => { await server?.cleanup(); });

async function compactedRevision(): Promise<number> {
  const res = await call(server.url, 'GET', '/metrics', undefined, 'application/json', { accept: 'text/plain' });
  const m = /^apiserver_storage_compacted_revision (\d+)/m.exec(String(res.body));
  assert.ok(m, 'the compacted revision gauge is exported');
  return Number(m[1]);
}

/** Keeps writing (so the revision moves on between compactions) until history before `revision` is gone. */
async function waitUntilCompactedPast(revision: number, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let i = 0;
  while ((await compactedRevision()) <= revision) {
    assert.ok(Date.now() < deadline, `revision ${revision} was not compacted within ${timeoutMs}ms`);
    assertOk(await call(server.url, 'PATCH', `${path}/cm-0`, { data: { tick: String(i++) } }, 'application/merge-patch+json'));
    // The compactor runs once a second; polling the gauge is the event we wait on.
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('a continue token from before the compacted revision is 410 Expired', async () => {
  const first = assertOk(await call(server.url, 'GET', `${path}?limit=2`));
  const token = first.metadata.continue;
  assert.equal(typeof token, 'string');
  await waitUntilCompactedPast(Number(first.metadata.resourceVersion));

  const status = assertStatus(await call(server.url, 'GET', `${path}?limit=2&continue=${encodeURIComponent(token)}`), 410, 'Expired');
  assert.match(status.message, /^The provided continue parameter is too old to display a consistent list result\./);
  // kube hands back a token that continues the list at the latest revision (an inconsistent continuation).
  assert.equal(typeof status.metadata?.continue, 'string', `kube sets Status.metadata.continue: ${JSON.stringify(status)}`);
  const rest = assertOk(await call(server.url, 'GET', `${path}?limit=2&continue=${encodeURIComponent(status.metadata.continue)}`));
  assert.deepEqual(rest.items.map((i: any) => i.metadata.name), ['cm-2', 'cm-3']);
});

test('a list at an exact compacted resourceVersion is 410 Expired; a new list works', async () => {
  const list = assertOk(await call(server.url, 'GET', path));
  const rv = Number(list.metadata.resourceVersion);
  // Still readable before compaction.
  assertOk(await call(server.url, 'GET', `${path}?resourceVersion=${rv}&resourceVersionMatch=Exact`));
  await waitUntilCompactedPast(rv);
  const status = assertStatus(await call(server.url, 'GET', `${path}?resourceVersion=${rv}&resourceVersionMatch=Exact`), 410, 'Expired');
  assert.match(status.message, /^too old resource version: /);
  assertOk(await call(server.url, 'GET', path));
});

test('a watch from a compacted resourceVersion gets one ERROR event carrying 410 Expired', async () => {
  const list = assertOk(await call(server.url, 'GET', path));
  const rv = Number(list.metadata.resourceVersion);
  await waitUntilCompactedPast(rv + 1);
  const watch = await openWatch(server.url, `${path}?watch=1&resourceVersion=${rv}`);
  try {
    assert.equal(watch.status, 200);
    await watch.until((events) => events.length >= 1);
    const [event] = watch.events;
    assert.equal(event.type, 'ERROR');
    assert.equal(event.object.kind, 'Status');
    assert.equal(event.object.code, 410);
    assert.equal(event.object.reason, 'Expired');
    assert.match(event.object.message, /too old resource version/);
  } finally {
    watch.close();
  }
});
