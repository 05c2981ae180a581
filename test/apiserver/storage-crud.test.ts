import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StorageError, type StorageErrorCode } from '../../apiserver/storage/interface.ts';
import { describeEachBackend } from '../fixtures/storage-backends.ts';

const rejectsWith = (promise: Promise<unknown>, code: StorageErrorCode) =>
  assert.rejects(promise, (err: unknown) => err instanceof StorageError && err.code === code);

describeEachBackend('create, get, update, delete', (kind) => {
  test('an empty store is at revision 1, as etcd; the first write gets revision 2', async () => {
    const store = await kind.open();
    const b = store.backend;
    // A store of its own starts at 1; on a shared etcd cluster an empty prefix starts at etcd's revision.
    const empty = b.currentRevision();
    if (kind.name === 'lmdb') assert.equal(empty, 1);
    assert.equal(b.compactedRevision(), 0);
    assert.deepEqual(await b.list('/registry/pods/'), { kvs: [], revision: empty, more: false });
    const kv = await b.create('/registry/pods/default/a', '{"n":1}');
    assert.deepEqual(kv, { key: '/registry/pods/default/a', value: '{"n":1}', createRevision: empty + 1, modRevision: empty + 1 });
    assert.equal(b.currentRevision(), empty + 1);
    await store.dispose();
  });

  test('each write gets the next revision and CRUD errors are StorageErrors', async () => {
    const store = await kind.open();
    const b = store.backend;
    const key = '/registry/pods/default/a';
    const a = await b.create(key, '{"n":1}');
    await rejectsWith(b.create(key, '{"n":9}'), 'KeyExists');
    assert.deepEqual(await b.get(key), a);

    const a2 = await b.update(key, '{"n":2}', a.modRevision);
    assert.deepEqual(a2, { key, value: '{"n":2}', createRevision: a.createRevision, modRevision: a.modRevision + 1 });
    await assert.rejects(b.update(key, '{"n":3}', a.modRevision), (err: unknown) => {
      // The conflict reports the revision the key is really at.
      return err instanceof StorageError && err.code === 'Conflict' && err.revision === a2.modRevision && err.key === key;
    });
    await rejectsWith(b.update('/registry/pods/default/missing', '{}', 1), 'KeyNotFound');
    await rejectsWith(b.delete('/registry/pods/default/missing'), 'KeyNotFound');
    await rejectsWith(b.delete(key, a.modRevision), 'Conflict');
    assert.equal(b.currentRevision(), a2.modRevision, 'failed writes use no revision');

    const deleted = await b.delete(key, a2.modRevision);
    assert.deepEqual(deleted, { key, value: '{"n":2}', createRevision: a.createRevision, modRevision: a2.modRevision + 1 });
    assert.equal(await b.get(key), null);
    await rejectsWith(b.update(key, '{}', deleted.modRevision), 'KeyNotFound');

    // Re-created, the key starts a new life with a new createRevision.
    const again = await b.create(key, '{"n":4}');
    assert.equal(again.createRevision, deleted.modRevision + 1);
    const gone = await b.delete(key); // unconditional
    assert.equal(gone.modRevision, again.modRevision + 1);
    await store.dispose();
  });

  test('count and get see only the keys under the prefix', async () => {
    const store = await kind.open();
    const b = store.backend;
    await Promise.all([
      b.create('/registry/pods/ns1/a', '{}'),
      b.create('/registry/pods/ns1/b', '{}'),
      b.create('/registry/pods/ns2/a', '{}'),
      b.create('/registry/podtemplates/ns1/a', '{}'),
      b.create('/registry/services/specs/ns1/a', '{}'),
    ]);
    assert.equal(await b.count('/registry/pods/'), 3);
    assert.equal(await b.count('/registry/pods/ns1/'), 2);
    assert.equal(await b.count('/registry/pod'), 4);
    assert.equal(await b.count('/registry/'), 5);
    assert.equal(await b.count(''), 5);
    assert.equal(await b.count('/registry/nodes/'), 0);
    await b.delete('/registry/pods/ns1/a');
    assert.equal(await b.count('/registry/pods/'), 2);
    await store.dispose();
  });

  test('two concurrent updates from the same revision: exactly one wins', async () => {
    const store = await kind.open();
    const b = store.backend;
    const key = '/registry/configmaps/default/race';
    const base = await b.create(key, '{"v":0}');
    for (let round = 0; round < 20; round++) {
      const from = (await b.get(key))!;
      const results = await Promise.allSettled([b.update(key, `{"v":"a${round}"}`, from.modRevision), b.update(key, `{"v":"b${round}"}`, from.modRevision)]);
      const won = results.filter((r) => r.status === 'fulfilled');
      const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      assert.equal(won.length, 1);
      assert.equal(lost.length, 1);
      assert.equal((lost[0].reason as StorageError).code, 'Conflict');
      assert.deepEqual(await b.get(key), won[0].status === 'fulfilled' ? won[0].value : undefined);
    }
    // Two racing creates: one KeyExists.
    const creates = await Promise.allSettled([b.create('/registry/configmaps/default/new', '1'), b.create('/registry/configmaps/default/new', '2')]);
    assert.deepEqual(creates.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
    assert.equal(b.currentRevision(), base.modRevision + 21);
    await store.dispose();
  });

  // lmdb checks and numbers writes in memory before they are durable; etcd orders concurrent requests itself.
  test('compare-and-swap sees writes still in flight, reads do not', { skip: kind.name !== 'lmdb' && 'lmdb only' }, async () => {
    const store = await kind.open();
    const b = store.backend;
    const key = '/registry/secrets/default/s';
    const before = b.currentRevision();
    const creating = b.create(key, '{"v":1}');
    // Not yet durable: invisible to readers and to currentRevision()...
    const read = b.get(key);
    assert.equal(b.currentRevision(), before);
    // ...but already the state later writes are checked against.
    const updating = b.update(key, '{"v":2}', before + 1);
    await rejectsWith(b.create(key, '{"v":3}'), 'KeyExists');
    const [created, updated] = await Promise.all([creating, updating]);
    assert.equal(await read, null);
    assert.equal(created.modRevision, before + 1);
    assert.equal(updated.modRevision, before + 2);
    assert.deepEqual(await b.get(key), updated);
    await store.dispose();
  });

  test('a closed store refuses work with Unavailable', async () => {
    const store = await kind.open();
    const b = store.backend;
    await b.close();
    await rejectsWith(b.get('/x'), 'Unavailable');
    await rejectsWith(b.create('/x', '{}'), 'Unavailable');
    await store.dispose();
  });
});
