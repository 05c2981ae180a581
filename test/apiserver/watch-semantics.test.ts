// Watch details kube clients rely on: initial events, bookmarks, timeoutSeconds, 410 after compaction,
// and a slow reader being cut off without holding anyone else up.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { startApiServer, type ApiServerProcess } from '../helpers/apiserver.ts';
import { call, openWatch } from '../helpers/http.ts';

let server: ApiServerProcess;
before(async () => {
  server = await startApiServer({ args: ['--etcd-compaction-interval', '1s', '--watch-bookmark-interval', '200ms'] });
});
after(async () => { await server.cleanup(); });

const cm = (ns: string) => `/api/v1/namespaces/${ns}/configmaps`;
async function namespace(name: string) {
  const r = await call(server.url, 'POST', '/api/v1/namespaces', { metadata: { name } });
  assert.equal(r.status, 201);
}

async function metric(name: string): Promise<number> {
  const text = (await call(server.url, 'GET', '/metrics')).body as string;
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : NaN;
}

test('resourceVersion=0 starts with the current objects as ADDED, then changes', async () => {
  await namespace('w-initial');
  for (const name of ['a', 'b']) assert.equal((await call(server.url, 'POST', cm('w-initial'), { metadata: { name } })).status, 201);
  const watch = await openWatch(server.url, `${cm('w-initial')}?watch=1&resourceVersion=0`);
  await watch.until((e) => e.length === 2);
  assert.deepEqual(watch.events.map((e) => [e.type, e.object.metadata.name]).sort(), [['ADDED', 'a'], ['ADDED', 'b']]);
  await call(server.url, 'PATCH', `${cm('w-initial')}/a`, { data: { x: '1' } }, 'application/merge-patch+json');
  await watch.until((e) => e.length === 3);
  assert.equal(watch.events[2].type, 'MODIFIED');
  watch.close();
});

test('sendInitialEvents ends its initial events with a marked BOOKMARK; bookmarks then keep coming', async () => {
  await namespace('w-bookmarks');
  assert.equal((await call(server.url, 'POST', cm('w-bookmarks'), { metadata: { name: 'one' } })).status, 201);
  const watch = await openWatch(server.url, `${cm('w-bookmarks')}?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true`);
  await watch.until((e) => e.length >= 2);
  assert.equal(watch.events[0].type, 'ADDED');
  assert.equal(watch.events[1].type, 'BOOKMARK');
  assert.equal(watch.events[1].object.metadata.annotations['k8s.io/initial-events-end'], 'true');
  assert.equal(watch.events[1].object.kind, 'ConfigMap');
  await watch.until((e) => e.filter((x) => x.type === 'BOOKMARK').length >= 3);
  const rvs = watch.events.filter((x) => x.type === 'BOOKMARK').map((x) => Number(x.object.metadata.resourceVersion));
  for (let i = 1; i < rvs.length; i++) assert.ok(rvs[i] >= rvs[i - 1], 'bookmark revisions never go back');
  watch.close();
  const bad = await call(server.url, 'GET', `${cm('w-bookmarks')}?watch=1&sendInitialEvents=true`);
  assert.equal(bad.status, 400);
});

test('timeoutSeconds ends the watch by itself', async () => {
  const watch = await openWatch(server.url, `${cm('default')}?watch=1&timeoutSeconds=1`);
  await watch.until(() => watch.ended, 5000);
  assert.equal(watch.status, 200);
});

test('a revision older than the kept history gets a 410 Expired (ERROR event on watch, Status on list)', async () => {
  await namespace('w-compact');
  const first = await call(server.url, 'POST', cm('w-compact'), { metadata: { name: 'x' } });
  const old = Number(first.body.metadata.resourceVersion);
  // The compactor forgets history older than one interval: keep writing until it has passed `old`.
  for (let i = 0; (await metric('apiserver_storage_compacted_revision')) <= old + 1; i++) {
    assert.ok(i < 100, 'compaction did not happen');
    await call(server.url, 'PATCH', `${cm('w-compact')}/x`, { data: { i: String(i) } }, 'application/merge-patch+json');
    await new Promise((r) => setTimeout(r, 100));
  }
  const watch = await openWatch(server.url, `${cm('w-compact')}?watch=1&resourceVersion=${old - 1}`);
  assert.equal(watch.status, 200);
  await watch.until((e) => e.length === 1);
  assert.equal(watch.events[0].type, 'ERROR');
  assert.equal(watch.events[0].object.code, 410);
  assert.equal(watch.events[0].object.reason, 'Expired');
  watch.close();
  const list = await call(server.url, 'GET', `${cm('w-compact')}?resourceVersion=${old - 1}&resourceVersionMatch=Exact`);
  assert.equal(list.status, 410);
  assert.equal(list.body.reason, 'Expired');
  // The current history is still there for anyone who relists.
  const fresh = await call(server.url, 'GET', cm('w-compact'));
  const resumed = await openWatch(server.url, `${cm('w-compact')}?watch=1&resourceVersion=${fresh.body.metadata.resourceVersion}`);
  await call(server.url, 'PATCH', `${cm('w-compact')}/x`, { data: { last: 'yes' } }, 'application/merge-patch+json');
  await resumed.until((e) => e.some((x) => x.type === 'MODIFIED' && x.object.data.last === 'yes'));
  resumed.close();
});

test('a watcher that does not read is cut off; writes and other watchers go on', async () => {
  await namespace('w-slow');
  const from = (await call(server.url, 'GET', cm('w-slow'))).body.metadata.resourceVersion;
  const { port } = new URL(server.url);
  const socket = connect(Number(port), '127.0.0.1');
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  socket.write(`GET ${cm('w-slow')}?watch=1&resourceVersion=${from} HTTP/1.1\r\nHost: x\r\n\r\n`);
  socket.pause(); // never read: the server's buffer for us fills up
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));

  const healthy = await openWatch(server.url, `${cm('w-slow')}?watch=1&resourceVersion=${from}`);
  const big = 'x'.repeat(200_000);
  const writes = 150; // 30 MB of events: more than the per-watcher bound plus the socket buffers
  for (let i = 0; i < writes; i++) {
    const r = await call(server.url, 'POST', cm('w-slow'), { metadata: { name: `big-${i}` }, data: { big } });
    assert.equal(r.status, 201);
  }
  await healthy.until((e) => e.length === writes, 20_000);
  healthy.close();
  // Drain what the kernel buffered: the stream must end, cut off by the server, before all events.
  let received = '';
  socket.on('data', (d) => { received += d.toString('latin1'); });
  socket.resume();
  await closed;
  const events = received.split('\n').filter((l) => l.startsWith('{"type"')).length;
  assert.ok(events < writes, `slow watcher was cut off (got ${events} of ${writes} events)`);
});
