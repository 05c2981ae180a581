// Two API server processes on one 3-member etcd cluster serve the same data at the same revisions:
// what is written through one is read and watched through the other with the same resourceVersion,
// each server's watches see every change in revision order, and a bookmark never promises a revision
// whose events the watch has not delivered yet.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ApiServerProcess } from '../helpers/apiserver.ts';
import { etcdSkipReason, startApiServerOnEtcd, startEtcdCluster, type EtcdCluster } from '../helpers/etcd.ts';
import { call, openWatch } from '../helpers/http.ts';

const cms = '/api/v1/namespaces/default/configmaps';
const secrets = '/api/v1/namespaces/default/secrets';
const configMap = (name: string, data: Record<string, string> = {}) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data });
const rv = (obj: { metadata: { resourceVersion: string } }) => Number(obj.metadata.resourceVersion);

describe('two API servers on one etcd cluster', { skip: etcdSkipReason() }, () => {
  let cluster: EtcdCluster;
  let a: ApiServerProcess;
  let b: ApiServerProcess;

  before(async () => {
    cluster = await startEtcdCluster({ members: 3 });
    const args = ['--watch-bookmark-interval', '20ms'];
    [a, b] = await Promise.all([startApiServerOnEtcd(cluster, args), startApiServerOnEtcd(cluster, args)]);
  });
  after(async () => {
    await Promise.all([a?.cleanup(), b?.cleanup()]);
    await cluster?.stop();
  });

  test('a write through one is read, listed and watched through the other at the same resourceVersion', { timeout: 30_000 }, async () => {
    const listed = await call(b.url, 'GET', cms);
    assert.equal(listed.status, 200);
    const watch = await openWatch(b.url, `${cms}?watch=1&resourceVersion=${listed.body.metadata.resourceVersion}`);
    try {
      const created = await call(a.url, 'POST', cms, configMap('shared', { v: '1' }));
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const got = await call(b.url, 'GET', `${cms}/shared`);
      assert.equal(got.status, 200);
      assert.equal(got.body.metadata.resourceVersion, created.body.metadata.resourceVersion);
      assert.equal(got.body.metadata.uid, created.body.metadata.uid);
      assert.deepEqual(got.body.data, { v: '1' });

      // Updated through B with the resourceVersion A handed out: B's compare-and-swap agrees.
      const updated = await call(b.url, 'PUT', `${cms}/shared`, { ...got.body, data: { v: '2' } });
      assert.equal(updated.status, 200, JSON.stringify(updated.body));
      const stale = await call(a.url, 'PUT', `${cms}/shared`, { ...got.body, data: { v: 'stale' } });
      assert.equal(stale.status, 409, 'A sees the write B made');
      const viaA = await call(a.url, 'GET', cms);
      assert.ok(rv(viaA.body) >= rv(updated.body));
      assert.deepEqual(viaA.body.items.map((i: { data: unknown }) => i.data), [{ v: '2' }]);

      const events = await watch.until((e) => e.length >= 2);
      assert.deepEqual(events.map((e) => [e.type, e.object.metadata.resourceVersion]), [
        ['ADDED', created.body.metadata.resourceVersion],
        ['MODIFIED', updated.body.metadata.resourceVersion],
      ]);
    } finally {
      watch.close();
    }
  });

  test('under writes through both, each watch sees every change once, in revision order, and no bookmark runs ahead of its events', { timeout: 60_000 }, async () => {
    const start = (await call(a.url, 'GET', cms)).body.metadata.resourceVersion;
    const watches = await Promise.all([a, b].map((s) => openWatch(s.url, `${cms}?watch=1&allowWatchBookmarks=true&resourceVersion=${start}`)));
    try {
      // Configmaps (watched) and secrets (not watched: they move etcd's revision under the watch)
      // written through both servers at once.
      const writes: number[] = [];
      const writer = async (server: ApiServerProcess, w: number) => {
        for (let i = 0; i < 40; i++) {
          const cm = await call(server.url, 'POST', cms, configMap(`load-${w}-${i}`));
          assert.equal(cm.status, 201, JSON.stringify(cm.body));
          writes.push(rv(cm.body));
          const secret = await call(server.url, 'POST', secrets, { apiVersion: 'v1', kind: 'Secret', metadata: { name: `s-${w}-${i}` } });
          assert.equal(secret.status, 201);
        }
      };
      await Promise.all([writer(a, 0), writer(b, 1), writer(a, 2), writer(b, 3)]);
      writes.sort((x, y) => x - y);

      for (const [i, watch] of watches.entries()) {
        const events = await watch.until((e) => e.filter((x) => x.type === 'ADDED').length >= writes.length);
        const added = events.filter((e) => e.type === 'ADDED').map((e) => rv(e.object));
        assert.deepEqual(added, writes, `server ${i}: every create once, in revision order`);
        // A bookmark at R says: every change up to R has been sent.
        const bookmarks = events.filter((e) => e.type === 'BOOKMARK');
        assert.ok(bookmarks.length > 0, 'bookmarks were sent during the load');
        let seen = 0;
        for (const e of events) {
          if (e.type === 'ADDED') seen++;
          else if (e.type === 'BOOKMARK') {
            const promised = writes.filter((r) => r <= rv(e.object)).length;
            assert.ok(seen >= promised, `server ${i}: bookmark at ${rv(e.object)} came after ${seen} of the ${promised} creates up to it`);
          }
        }
      }
    } finally {
      watches.forEach((w) => w.close());
    }
  });

  test('namespace lifecycle across servers: a namespace made through one is usable at once through the other, and a terminating one refuses creates there', { timeout: 30_000 }, async () => {
    // B has not seen the namespace on its watch yet (or has): either way its admission must accept.
    const ns = await call(a.url, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shared-ns' } });
    assert.equal(ns.status, 201);
    const inB = await call(b.url, 'POST', '/api/v1/namespaces/shared-ns/configmaps', configMap('first'));
    assert.equal(inB.status, 201, JSON.stringify(inB.body));
    const missing = await call(b.url, 'POST', '/api/v1/namespaces/no-such-ns/configmaps', configMap('x'));
    assert.equal(missing.status, 404);
    assert.equal(missing.body.details.kind, 'namespaces');

    // Deleting through A makes it terminating (its spec.finalizers hold it); B refuses new content once
    // its namespace watch has the change, as kube's informer-backed admission does.
    const deleted = await call(a.url, 'DELETE', '/api/v1/namespaces/shared-ns');
    assert.equal(deleted.status, 200);
    const watch = await openWatch(b.url, `/api/v1/namespaces?watch=1&fieldSelector=metadata.name%3Dshared-ns&resourceVersion=${ns.body.metadata.resourceVersion}`);
    try {
      await watch.until((e) => e.some((ev) => ev.object.metadata.deletionTimestamp));
    } finally {
      watch.close();
    }
    const refused = await call(b.url, 'POST', '/api/v1/namespaces/shared-ns/configmaps', configMap('late'));
    assert.equal(refused.status, 403, JSON.stringify(refused.body));
    assert.equal(refused.body.details.causes[0].reason, 'NamespaceTerminating');
  });
});
