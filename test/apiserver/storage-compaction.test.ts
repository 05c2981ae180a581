import { test } from 'node:test';
import assert from 'node:assert/strict';
import { open } from 'lmdb';
import { StorageError, type StorageErrorCode } from '../../apiserver/storage/interface.ts';
import { EventLog, describeEachBackend, type StoreHandle } from '../fixtures/storage-backends.ts';
import { StoreModel, randomWrites, workloadKeys } from '../fixtures/storage-model.ts';

const isStorageError = (code: StorageErrorCode) => (err: unknown) => err instanceof StorageError && err.code === code;

/** lmdb only: the revisions of the history rows on disk. */
async function historyRows(store: StoreHandle): Promise<number[]> {
  await store.backend.close();
  const env = open({ path: store.path!, maxDbs: 4 });
  const rows = [...env.openDB({ name: 'history' }).getKeys()] as number[];
  await env.close();
  return rows;
}

describeEachBackend('compaction', (kind) => {
  test('old revisions become Compacted, newer ones stay right, and the superseded rows are gone', { timeout: 30_000 }, async () => {
    const store = await kind.open();
    let b = store.backend;
    // Revisions below are counted from the empty store's: r(2) is the first write (2 on lmdb).
    const r = (n: number) => b0 + n - 1;
    const b0 = b.currentRevision();
    const a = '/registry/pods/default/a';
    const gone = '/registry/pods/default/b';
    const c = '/registry/pods/default/c';
    const a2 = await b.create(a, '"a1"'); // 2
    const a3 = await b.update(a, '"a2"', a2.modRevision); // 3
    await b.create(gone, '"b1"'); // 4
    await b.delete(gone); // 5
    await b.create(c, '"c1"'); // 6
    await b.update(a, '"a3"', a3.modRevision); // 7
    assert.equal(b.currentRevision(), r(7));

    await b.compact(r(6));
    assert.equal(b.compactedRevision(), r(6));
    await assert.rejects(b.list('/registry/pods/', { revision: r(5) }), isStorageError('Compacted'));
    assert.throws(() => b.watch('/registry/pods/', r(4), () => {}), isStorageError('Compacted'));
    const at6 = await b.list('/registry/pods/', { revision: r(6) });
    assert.deepEqual(at6.kvs, [
      { key: a, value: '"a2"', createRevision: r(2), modRevision: r(3) },
      { key: c, value: '"c1"', createRevision: r(6), modRevision: r(6) },
    ]);
    assert.deepEqual((await b.list('/registry/pods/')).kvs.map((kv) => kv.value), ['"a3"', '"c1"']);

    // Watching from compacted - 1 still works (as etcd: the first change wanted is the compacted one).
    const log = new EventLog(b, '/registry/pods/', r(5));
    await log.until(r(7));
    assert.deepEqual(log.events, [
      { type: 'put', key: c, value: '"c1"', revision: r(6), createRevision: r(6) },
      { type: 'put', key: a, value: '"a3"', prevValue: '"a2"', revision: r(7), createRevision: r(2) },
    ]);

    // Compacting again at or below is a no-op; beyond the current revision is an error.
    await b.compact(r(3));
    assert.equal(b.compactedRevision(), r(6));
    await assert.rejects(b.compact(r(8)), isStorageError('FutureRevision'));

    // What remains on disk: a's newest row before 6 (its value at 6), and rows 6 and 7. The
    // deleted key left nothing behind.
    if (kind.name === 'lmdb') assert.deepEqual(await historyRows(store), [3, 6, 7]);

    // All of it survives a restart: the compacted revision, the reads, the replay with prevValue.
    b = await store.reopen();
    assert.equal(b.compactedRevision(), r(6));
    assert.equal(b.currentRevision(), r(7));
    await assert.rejects(b.list('/registry/pods/', { revision: r(5) }), isStorageError('Compacted'));
    assert.deepEqual((await b.list('/registry/pods/', { revision: r(6) })).kvs, at6.kvs);
    const replay = new EventLog(b, '/registry/pods/', r(5));
    await replay.until(r(7));
    assert.deepEqual(replay.events, log.events);
    assert.equal((await b.create('/registry/pods/default/d', '"d"')).modRevision, r(8));
    await store.dispose();
  });

  test('compacting everything, even at the current revision, keeps the current state and revision', { timeout: 30_000 }, async () => {
    const store = await kind.open();
    let b = store.backend;
    await b.create('/registry/pods/default/a', '1');
    const deleted = await b.delete('/registry/pods/default/a'); // the newest row is a delete
    await b.compact(deleted.modRevision);
    b = await store.reopen();
    assert.equal(b.currentRevision(), deleted.modRevision);
    assert.equal((await b.create('/registry/pods/default/a', '2')).modRevision, deleted.modRevision + 1);
    await store.dispose();
  });

  for (const historyInMemory of kind.historySizes(100_000, 10)) {
    test(`after compaction at random writes, every revision from the compacted one lists and watches right (history in memory: ${historyInMemory})`, { timeout: 30_000 }, async () => {
      const store = await kind.open({ historyInMemory });
      let b = store.backend;
      const empty = b.currentRevision();
      const at = (fraction: number) => empty + Math.floor((b.currentRevision() - empty) * fraction);
      const model = new StoreModel();
      const keys = workloadKeys(24);
      await randomWrites(b, model, { keys, writers: 3, opsPerWriter: 40, seed: 5 });
      await b.compact(at(0.5));
      await randomWrites(b, model, { keys, writers: 3, opsPerWriter: 30, seed: 7 });
      // A second compaction only reads the rows since the first; it must still find what to drop.
      const compactAt = at(0.7);
      await Promise.all([b.compact(compactAt), randomWrites(b, model, { keys, writers: 2, opsPerWriter: 20, seed: 6 })]);

      const check = async () => {
        const current = b.currentRevision();
        for (let revision = compactAt; revision <= current; revision++) {
          assert.deepEqual((await b.list('', { revision })).kvs, model.stateAt(revision), `list at ${revision}`);
        }
        await assert.rejects(b.list('', { revision: compactAt - 1 }), isStorageError('Compacted'));
        const log = new EventLog(b, '', compactAt - 1);
        await log.until(current);
        assert.deepEqual(log.events, model.eventsAfter(compactAt - 1));
        log.watcher.stop();
      };
      await check();

      // On disk: every row from the compacted revision on, and below it only each key's newest
      // row when that is a put.
      if (kind.name === 'lmdb') {
        const kept = new Map<string, { revision: number; deleted: boolean }>();
        for (const c of model.ordered()) if (c.revision < compactAt) kept.set(c.key, { revision: c.revision, deleted: c.type === 'delete' });
        const expectedRows = [
          ...[...kept.values()].filter((k) => !k.deleted).map((k) => k.revision),
          ...[...model.changes.keys()].filter((r) => r >= compactAt),
        ].sort((x, y) => x - y);
        assert.deepEqual(await historyRows(store), expectedRows);
      }

      b = await store.reopen();
      await check();
      await store.dispose();
    });
  }
});
