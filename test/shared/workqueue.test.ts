// WorkQueue: client-go's workqueue guarantees — a key is queued once however often it is added, is
// never handed to two workers at once (added while in flight, it comes back once done), failures back
// off exponentially per key, and shutDown wakes waiting workers.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { WorkQueue } from '../../shared/workqueue.ts';

/** Whether `promise` has settled by the time already-queued callbacks have run. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(() => { done = true; });
  await new Promise((resolve) => setImmediate(resolve));
  return done;
}

// The queue's delay timers are unref'd (a process must not stay up for a retry alone); in a real
// component other handles keep the loop running, here this interval does.
let keepAlive: NodeJS.Timeout;
before(() => { keepAlive = setInterval(() => {}, 1_000); });
after(() => clearInterval(keepAlive));

describe('WorkQueue', () => {
  test('deduplicates keys that are waiting, and hands them out in order', async () => {
    const q = new WorkQueue();
    q.add('a');
    q.add('b');
    q.add('a');
    q.add('a');
    assert.equal(q.length, 2);
    assert.equal(await q.get(), 'a');
    assert.equal(await q.get(), 'b');
    assert.equal(q.length, 0);
  });

  test('a key in flight is not handed to a second worker; re-added meanwhile, it returns once done (once)', async () => {
    const q = new WorkQueue();
    q.add('a');
    assert.equal(await q.get(), 'a');
    q.add('a');
    q.add('a');
    assert.equal(q.length, 0, 'not queued while processing');
    const second = q.get();
    assert.equal(await settled(second), false, 'a second worker must not get the key in flight');
    q.done('a');
    assert.equal(await second, 'a');
    q.done('a');
    assert.equal(q.length, 0, 'the two re-adds made one more round, not two');
    const third = q.get();
    assert.equal(await settled(third), false);
    q.add('b');
    assert.equal(await third, 'b', 'a waiting worker is woken by add');
  });

  test('a key done without being re-added is not queued again', async () => {
    const q = new WorkQueue();
    q.add('a');
    await q.get();
    q.done('a');
    assert.equal(q.length, 0);
    q.add('a');
    assert.equal(q.length, 1, 'it can be added again afterwards');
  });

  test('addRateLimited backs off exponentially per key; forget resets it', async () => {
    const q = new WorkQueue({ baseDelayMs: 20, maxDelayMs: 1_000 });
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      const t0 = performance.now();
      q.addRateLimited('k');
      assert.equal(q.length, 0, 'not queued before its delay');
      const key = await q.get();
      delays.push(performance.now() - t0);
      assert.equal(key, 'k');
      q.done('k');
    }
    assert.equal(q.numRequeues('k'), 4);
    // 20, 40, 80, 160 ms (timers fire no earlier than asked).
    [20, 40, 80, 160].forEach((expected, i) => assert.ok(delays[i] >= expected - 2, `retry ${i}: ${delays[i]} ms < ${expected} ms`));
    assert.ok(delays[3] > delays[0] * 3, `no growth: ${delays}`);
    q.forget('k');
    assert.equal(q.numRequeues('k'), 0);
    const t0 = performance.now();
    q.addRateLimited('k');
    await q.get();
    assert.ok(performance.now() - t0 < 150, 'back-off starts over after forget');
    q.shutDown();
  });

  test('the back-off is capped at maxDelayMs', async () => {
    const q = new WorkQueue({ baseDelayMs: 10, maxDelayMs: 30 });
    for (let i = 0; i < 6; i++) {
      const t0 = performance.now();
      q.addRateLimited('k');
      await q.get();
      q.done('k');
      // Uncapped, retries 4 and 5 would wait 160 and 320 ms.
      if (i >= 4) assert.ok(performance.now() - t0 < 120, `retry ${i} not capped: ${performance.now() - t0} ms`);
    }
    assert.equal(q.numRequeues('other'), 0, 'back-off is per key');
    q.shutDown();
  });

  test('addAfter: an earlier pending delay for the same key wins; 0 adds at once', async () => {
    const q = new WorkQueue();
    const t0 = performance.now();
    q.addAfter('k', 30);
    q.addAfter('k', 5_000);
    assert.equal(await q.get(), 'k');
    assert.ok(performance.now() - t0 < 1_000);
    q.done('k');
    q.addAfter('now', 0);
    assert.equal(q.length, 1);
    q.shutDown();
  });

  test('shutDown wakes waiting workers with undefined, drops new adds and pending delays, still hands out what is queued', async () => {
    const q = new WorkQueue();
    const waiting = [q.get(), q.get()];
    q.shutDown();
    assert.deepEqual(await Promise.all(waiting), [undefined, undefined]);
    q.add('x');
    assert.equal(q.length, 0);
    assert.equal(await q.get(), undefined);

    const q2 = new WorkQueue();
    q2.add('queued');
    q2.addAfter('delayed', 10);
    q2.shutDown();
    assert.equal(await q2.get(), 'queued', 'like client-go, items already queued are still handed out');
    assert.equal(await q2.get(), undefined, 'pending delayed adds are dropped');
  });
});
