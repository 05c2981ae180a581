import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StorageError, type Backend, type KeyValue } from '../../apiserver/storage/interface.ts';
import { describeEachBackend } from '../fixtures/storage-backends.ts';
import { StoreModel, randomWrites, workloadKeys } from '../fixtures/storage-model.ts';

/** Read everything under `prefix` at `revision` in pages of `limit`, as a paginating client does. */
async function listInPages(b: Backend, prefix: string, revision: number, limit: number): Promise<KeyValue[]> {
  const all: KeyValue[] = [];
  let startKey: string | undefined;
  for (let page = 0; page < 10_000; page++) {
    const result = await b.list(prefix, { revision, startKey, limit });
    assert.equal(result.revision, revision);
    assert.ok(result.kvs.length <= limit);
    all.push(...result.kvs);
    if (!result.more) return all;
    assert.equal(result.kvs.length, limit, 'a page that says more follows is full');
    startKey = result.kvs.at(-1)!.key + '\x00';
  }
  throw new Error('pagination did not end');
}

describeEachBackend('list', (kind) => {
  test('lists in key order, honours startKey and limit, and says when more follow', { timeout: 30_000 }, async () => {
    const store = await kind.open();
    const b = store.backend;
    for (const name of ['c', 'a', 'e', 'b', 'd']) await b.create(`/registry/pods/default/${name}`, `"${name}"`);
    await b.create('/registry/pods/other/z', '"z"');
    await b.create('/registry/podtemplates/default/t', '"t"');

    const all = await b.list('/registry/pods/default/');
    assert.deepEqual(all.kvs.map((kv) => kv.value), ['"a"', '"b"', '"c"', '"d"', '"e"']);
    assert.equal(all.more, false);
    assert.equal(all.revision, b.currentRevision());

    const page = await b.list('/registry/pods/default/', { startKey: '/registry/pods/default/b', limit: 2 });
    assert.deepEqual(page.kvs.map((kv) => kv.value), ['"b"', '"c"']);
    assert.equal(page.more, true);
    const last = await b.list('/registry/pods/default/', { startKey: '/registry/pods/default/d', limit: 2 });
    assert.deepEqual(last.kvs.map((kv) => kv.value), ['"d"', '"e"']);
    assert.equal(last.more, false, 'exactly limit keys left is not more');

    // A prefix that spans several top-level groups.
    const wide = await b.list('/registry/pod');
    assert.deepEqual(wide.kvs.map((kv) => kv.value), ['"a"', '"b"', '"c"', '"d"', '"e"', '"z"', '"t"']);
    await store.dispose();
  });

  test('a revision newer than the current one is FutureRevision', { timeout: 30_000 }, async () => {
    const store = await kind.open();
    const b = store.backend;
    await b.create('/registry/pods/default/a', '{}');
    await assert.rejects(b.list('/registry/pods/', { revision: b.currentRevision() + 1 }), (err: unknown) => err instanceof StorageError && err.code === 'FutureRevision');
    await store.dispose();
  });

  for (const historyInMemory of kind.historySizes(100_000, 7)) {
    test(`every past revision lists as it was, page by page (history in memory: ${historyInMemory})`, { timeout: 30_000 }, async () => {
      const store = await kind.open({ historyInMemory });
      const b = store.backend;
      const empty = b.currentRevision();
      const model = new StoreModel();
      await randomWrites(b, model, { keys: workloadKeys(40), writers: 4, opsPerWriter: 60, seed: 11 });
      const current = b.currentRevision();
      assert.equal(Math.max(...model.changes.keys()), current);
      assert.equal(model.changes.size, current - empty, 'every revision is an acknowledged write');

      for (let revision = 1; revision <= current; revision += 3) {
        for (const prefix of ['/registry/pods/', '/registry/pods/ns2/', '/registry/']) {
          assert.deepEqual(await listInPages(b, prefix, revision, 4), model.stateAt(revision, prefix), `${prefix} at ${revision}`);
        }
      }
      assert.deepEqual((await b.list('/registry/')).kvs, model.stateAt(current, '/registry/'));

      // Old revisions stay listable after a restart, when the history is only on disk.
      await store.reopen();
      for (let revision = 2; revision <= current; revision += 17) {
        assert.deepEqual(await listInPages(store.backend, '/registry/pods/', revision, 5), model.stateAt(revision, '/registry/pods/'));
      }
      await store.dispose();
    });
  }

  // In process for lmdb; for etcd, 15 MB come over gRPC from another process.
  const budgetMs = kind.name === 'lmdb' ? 50 : 3000;
  test(`a list of 10,000 keys of 1.5 KB takes a few milliseconds (${kind.name}: under ${budgetMs} ms)`, { timeout: 120_000 }, async () => {
    const store = await kind.open();
    const b = store.backend;
    const value = JSON.stringify({ pad: 'x'.repeat(1500) });
    for (let ns = 0; ns < 10; ns++) {
      await Promise.all(Array.from({ length: 1000 }, (_, i) => b.create(`/registry/pods/ns${ns}/pod-${i}`, value)));
    }
    await b.list('/registry/pods/'); // the first list after a burst of creates sorts the keys once
    const started = performance.now();
    const result = await b.list('/registry/pods/');
    const elapsed = performance.now() - started;
    assert.equal(result.kvs.length, 10_000);
    console.log(`${kind.name}: a list of 10,000 keys took ${elapsed.toFixed(1)} ms`);
    assert.ok(elapsed < budgetMs, `list took ${elapsed.toFixed(1)} ms`);
    await store.dispose();
  });
});
