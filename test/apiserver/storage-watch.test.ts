import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { StoreEvent } from '../../apiserver/storage/interface.ts';
import { EventLog, describeEachBackend } from '../fixtures/storage-backends.ts';
import { StoreModel, randomWrites, workloadKeys } from '../fixtures/storage-model.ts';

describeEachBackend('watch', (kind) => {
  test('events carry prevValue; a delete carries the deleted value; nothing runs before watch() returns', { timeout: 30_000 }, async () => {
    const store = await kind.open();
    const b = store.backend;
    const key = '/registry/pods/default/a';
    const log = new EventLog(b, '/registry/pods/', 0);
    const created = await b.create(key, '{"v":1}');
    const updated = await b.update(key, '{"v":2}', created.modRevision);
    const deleted = await b.delete(key);
    await log.until(deleted.modRevision);
    assert.deepEqual(log.events, [
      { type: 'put', key, value: '{"v":1}', revision: created.modRevision, createRevision: created.modRevision },
      { type: 'put', key, value: '{"v":2}', prevValue: '{"v":1}', revision: updated.modRevision, createRevision: created.modRevision },
      { type: 'delete', key, value: '{"v":2}', prevValue: '{"v":2}', revision: deleted.modRevision, createRevision: created.modRevision },
    ]);

    // A replay is delivered later, never from inside watch() itself.
    const replay = new EventLog(b, '/registry/pods/', 0);
    assert.equal(replay.events.length, 0);
    await replay.until(deleted.modRevision);
    assert.deepEqual(replay.events, log.events);
    await store.dispose();
  });

  for (const historyInMemory of kind.historySizes(100_000, 20)) {
    test(`replay then live, under concurrent writers: every change once, in order (history in memory: ${historyInMemory})`, { timeout: 30_000 }, async () => {
      const store = await kind.open({ historyInMemory });
      const b = store.backend;
      const empty = b.currentRevision();
      const model = new StoreModel();
      const keys = workloadKeys(30);
      await randomWrites(b, model, { keys, writers: 3, opsPerWriter: 40, seed: 1 });
      const mid = empty + Math.floor((b.currentRevision() - empty) / 2);

      const logs: { log: EventLog; prefix: string; after: number }[] = [];
      const watch = (prefix: string, after: number) => logs.push({ log: new EventLog(b, prefix, after), prefix, after });
      watch('', 0);
      watch('/registry/pods/', mid);
      watch('/registry/pods/ns1/', 1);
      watch('', b.currentRevision());
      watch('/registry/configmaps/', b.currentRevision() + 15); // in the future: waits
      const load = randomWrites(b, model, { keys, writers: 4, opsPerWriter: 60, seed: 2 });
      // Watchers that start while writes are in flight, from the past and from now.
      for (let i = 0; i < 5; i++) {
        await b.create(`/registry/pods/ns2/marker-${i}`, '{}').then((kv) => model.record('put', kv));
        watch('/registry/pods/', mid - i);
        watch('', b.currentRevision() - i);
      }
      await load;
      const final = b.currentRevision();

      for (const { log, prefix, after } of logs) {
        const expected = model.eventsAfter(after, prefix);
        await log.until(expected.at(-1)?.revision ?? 0);
        assert.deepEqual(log.events, expected, `watch ${prefix || '(all)'} after ${after}`);
      }
      assert.equal(model.changes.size, final - empty, 'the model saw every revision');
      await store.dispose();
    });
  }

  test('a throwing handler neither breaks other watchers nor loses its own later events', { timeout: 30_000 }, async () => {
    const store = await kind.open();
    const b = store.backend;
    const thrower: StoreEvent[] = [];
    let throwerGot: () => void = () => {};
    const throwerDone = new Promise<void>((resolve) => (throwerGot = resolve));
    b.watch('/registry/', 0, (event) => {
      thrower.push(event);
      if (thrower.length === 2) throwerGot();
      throw new Error('handler bug');
    });
    const healthy = new EventLog(b, '/registry/', 0);
    const a = await b.create('/registry/pods/default/a', '1');
    const c = await b.create('/registry/pods/default/c', '2');
    // Watches that replay history need not move in step (on etcd each reads its own stream).
    await Promise.all([healthy.until(c.modRevision), throwerDone]);
    assert.deepEqual(healthy.revisions, [a.modRevision, c.modRevision]);
    assert.deepEqual(thrower.map((e) => e.revision), [a.modRevision, c.modRevision]);
    await store.dispose();
  });

  test('stop() ends delivery; events come only once the write is committed', { timeout: 30_000 }, async () => {
    const store = await kind.open();
    const b = store.backend;
    const seenAt: number[] = [];
    const committedWhenSeen: boolean[] = [];
    const stopped = new EventLog(b, '', 0);
    let onSeen = () => {};
    const watcher = b.watch('', 0, (event) => {
      // Delivered only after commit: the store already reports the event's revision.
      committedWhenSeen.push(b.currentRevision() >= event.revision);
      seenAt.push(event.revision);
      onSeen();
    });
    const first = await b.create('/registry/pods/default/a', '1');
    await stopped.until(first.modRevision);
    stopped.watcher.stop();
    stopped.watcher.stop(); // idempotent
    const second = await b.create('/registry/pods/default/b', '2');
    // Watches that replay history need not move in step (on etcd each reads its own stream).
    if (!seenAt.includes(second.modRevision)) await new Promise<void>((resolve) => (onSeen = () => seenAt.includes(second.modRevision) && resolve()));
    watcher.stop();
    assert.deepEqual(stopped.revisions, [first.modRevision]);
    assert.deepEqual(seenAt, [first.modRevision, second.modRevision]);
    assert.deepEqual(committedWhenSeen, [true, true]);
    assert.equal(b.watcherCount(), 0);
    await store.dispose();
  });

  test('watching from a future revision waits for it', { timeout: 30_000 }, async () => {
    const store = await kind.open();
    const b = store.backend;
    const start = b.currentRevision();
    const log = new EventLog(b, '', start + 2);
    for (let i = 0; i < 4; i++) await b.create(`/registry/pods/default/p${i}`, '{}');
    await log.until(start + 4);
    assert.deepEqual(log.revisions, [start + 3, start + 4]);
    await store.dispose();
  });
});
