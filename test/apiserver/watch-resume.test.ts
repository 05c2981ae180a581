// Watch from a revision under concurrent writers: watchers that are cut off and resume from the last
// revision they saw end up with exactly the same sequence of events as one that never disconnected:
// every revision once, in order.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startApiServer, type ApiServerProcess } from '../helpers/apiserver.ts';
import { call, openWatch, type WatchEvent } from '../helpers/http.ts';

let server: ApiServerProcess;
before(async () => { server = await startApiServer(); });
after(async () => { await server.cleanup(); });

const NS = 'default';
const cmPath = `/api/v1/namespaces/${NS}/configmaps`;

async function writer(id: number, ops: number, acked: number[]): Promise<void> {
  for (let i = 0; i < ops; i++) {
    const name = `w${id}-${i % 5}`;
    const created = await call(server.url, 'POST', cmPath, { metadata: { name }, data: { i: String(i) } });
    if (created.status === 201) { acked.push(Number(created.body.metadata.resourceVersion)); continue; }
    assert.equal(created.status, 409, JSON.stringify(created.body));
    if (i % 3 === 0) {
      const del = await call(server.url, 'DELETE', `${cmPath}/${name}`);
      assert.equal(del.status, 200);
    } else {
      const upd = await call(server.url, 'PATCH', `${cmPath}/${name}`, { data: { i: String(i) } }, 'application/merge-patch+json');
      assert.equal(upd.status, 200);
      acked.push(Number(upd.body.metadata.resourceVersion));
    }
  }
}

const revisions = (events: WatchEvent[]) => events.map((e) => Number(e.object.metadata.resourceVersion));

/** Watches from `from`, dropping the connection every `cutEvery` events and resuming, until `done()`. */
async function flakyWatcher(from: number, cutEvery: number, lastRevision: () => number | undefined): Promise<WatchEvent[]> {
  const seen: WatchEvent[] = [];
  let rv = from;
  for (;;) {
    const watch = await openWatch(server.url, `${cmPath}?watch=1&resourceVersion=${rv}`);
    assert.equal(watch.status, 200);
    const caughtUp = (events: WatchEvent[]) => {
      const target = lastRevision();
      const latest = events.length ? Number(events.at(-1)!.object.metadata.resourceVersion) : rv;
      return target !== undefined && latest >= target;
    };
    await watch.until((events) => events.length >= cutEvery || caughtUp(events), 20_000);
    watch.close();
    const got = watch.events.slice(0, cutEvery);
    seen.push(...got);
    if (got.length) rv = Number(got.at(-1)!.object.metadata.resourceVersion);
    if (caughtUp(got)) return seen;
  }
}

test('watchers cut off and resuming see every revision once, in order, like an uninterrupted watcher', async () => {
  const list = await call(server.url, 'GET', cmPath);
  const from = Number(list.body.metadata.resourceVersion);
  const reference = await openWatch(server.url, `${cmPath}?watch=1&resourceVersion=${from}`);

  let final: number | undefined;
  const flaky = [3, 7, 11, 20].map((cut) => flakyWatcher(from, cut, () => final));
  const acked: number[] = [];
  await Promise.all([0, 1, 2, 3].map((id) => writer(id, 40, acked)));
  final = Number((await call(server.url, 'GET', cmPath)).body.metadata.resourceVersion);

  const all = await reference.until((events) => events.length > 0 && revisions(events).at(-1)! >= final!);
  reference.close();
  const expected = revisions(all);
  for (let i = 1; i < expected.length; i++) assert.ok(expected[i] > expected[i - 1], 'reference watch in revision order');
  for (const rv of acked) assert.ok(expected.includes(rv), `acknowledged write ${rv} seen on the watch`);

  for (const events of await Promise.all(flaky)) {
    assert.deepEqual(revisions(events), expected, 'a resuming watcher sees the same revisions');
    assert.deepEqual(events.map((e) => e.type), all.map((e) => e.type));
  }
});
