import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KeyValue } from '../../apiserver/storage/interface.ts';
import { EventLog, describeEachBackend } from '../fixtures/storage-backends.ts';
import { StoreModel, randomWrites, workloadKeys } from '../fixtures/storage-model.ts';

describeEachBackend('restart', (kind) => {
  test('data, revisions and history survive a restart; a watch resumes across it', { timeout: 30_000 }, async () => {
    const store = await kind.open({ historyInMemory: 50 });
    let b = store.backend;
    const model = new StoreModel();
    await randomWrites(b, model, { keys: workloadKeys(20), writers: 3, opsPerWriter: 40, seed: 3 });
    const before = { revision: b.currentRevision(), all: await b.list('') };
    // A client watching before the restart, that got up to `seen`.
    const seen = Math.floor(before.revision / 3);

    b = await store.reopen();
    assert.equal(b.currentRevision(), before.revision);
    assert.equal(b.compactedRevision(), 0);
    assert.deepEqual(await b.list(''), before.all);
    assert.deepEqual(before.all.kvs, model.stateAt(before.revision));
    for (const kv of before.all.kvs) assert.deepEqual(await b.get(kv.key), kv);

    const resumed = new EventLog(b, '', seen);
    const next = await b.create('/registry/pods/ns9/after-restart', '{}');
    model.record('put', next);
    assert.equal(next.modRevision, before.revision + 1, 'revisions continue above the old ones');
    await resumed.until(next.modRevision);
    assert.deepEqual(resumed.events, model.eventsAfter(seen));
    await store.dispose();
  });

  test('close() waits for writes in flight', { timeout: 30_000 }, async () => {
    const store = await kind.open();
    const writes: Promise<KeyValue>[] = [];
    for (let i = 0; i < 200; i++) writes.push(store.backend.create(`/registry/pods/default/p${i}`, `{"i":${i}}`));
    await store.backend.close();
    const acknowledged = await Promise.all(writes);
    const b = await store.reopen();
    assert.equal(await b.count('/registry/pods/'), 200);
    assert.equal(b.currentRevision(), Math.max(...acknowledged.map((kv) => kv.modRevision)));
    await store.dispose();
  });
});
