// runWorkers, the loop every controller shares (sample-controller's processNextWorkItem): a key whose
// reconcile fails is retried with the queue's per-key exponential back-off, up to maxRetries, then
// dropped and forgotten (logged); a key that succeeds is forgotten, so its next failure starts over.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import { runWorkers, type Reconciler } from '../../shared/controller.ts';
import { WorkQueue } from '../../shared/workqueue.ts';

// The queue's delay timers are unref'd (a retry alone must not keep a process up); in a component
// other handles keep the loop running, here this interval does.
let keepAlive: NodeJS.Timeout;
before(() => { keepAlive = setInterval(() => {}, 1_000); });
after(() => clearInterval(keepAlive));

/** A pino logger whose lines the test reads, with a wait for a line carrying `msg`. */
function capturedLogger() {
  const lines: { msg: string; key?: string }[] = [];
  const waiters = new Set<() => void>();
  const logger = pino({ level: 'debug' }, { write: (line: string) => { lines.push(JSON.parse(line)); waiters.forEach((w) => w()); } });
  const until = (msg: string, timeoutMs = 5_000) => new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => { waiters.delete(check); reject(new Error(`no "${msg}" log line`)); }, timeoutMs);
    const check = () => {
      if (!lines.some((l) => l.msg === msg)) return;
      clearTimeout(timer);
      waiters.delete(check);
      resolve();
    };
    waiters.add(check);
    check();
  });
  return { logger, lines, until };
}

/** A controller whose reconcile fails when `fails` says so; it records when each key was attempted. */
function reconciler(queue: WorkQueue<string>, fails: (key: string, attempt: number) => boolean) {
  const attempts = new Map<string, number[]>();
  const waiters = new Set<() => void>();
  const controller: Reconciler = {
    name: 'test',
    queue,
    async reconcile(key) {
      const times = attempts.get(key) ?? [];
      times.push(performance.now());
      attempts.set(key, times);
      const failed = fails(key, times.length);
      // Told after this attempt has ended (forgotten or re-queued).
      setImmediate(() => waiters.forEach((w) => w()));
      if (failed) throw new Error(`${key} failed`);
    },
  };
  /** Resolves once `key` has been attempted `n` times. */
  const untilAttempts = (key: string, n: number) => new Promise<number[]>((resolve) => {
    const check = () => {
      const times = attempts.get(key) ?? [];
      if (times.length < n) return;
      waiters.delete(check);
      resolve(times);
    };
    waiters.add(check);
    check();
  });
  return { controller, attempts, untilAttempts };
}

describe('runWorkers', () => {
  test('a failing key is retried with growing back-off up to maxRetries, then dropped and forgotten', async () => {
    const queue = new WorkQueue<string>({ baseDelayMs: 50 });
    const { controller, attempts, untilAttempts } = reconciler(queue, () => true);
    const log = capturedLogger();
    const done = runWorkers(controller, { workers: 2, logger: log.logger, maxRetries: 3 });
    try {
      queue.add('bad');
      await log.until('dropping key after too many retries');
      const times = attempts.get('bad')!;
      assert.equal(times.length, 4, 'the first attempt and 3 retries');
      const gaps = times.slice(1).map((t, i) => t - times[i]);
      // 50, 100, 200 ms (timers may fire late, never early).
      gaps.forEach((gap, i) => assert.ok(gap >= 50 * 2 ** i - 2, `retry ${i + 1} after ${gap.toFixed(0)} ms`));
      assert.ok(gaps[2] > gaps[0], `back-off grows: ${gaps.map((g) => g.toFixed(0))}`);
      assert.equal(queue.numRequeues('bad'), 0, 'a dropped key is forgotten');
      assert.equal(log.lines.filter((l) => l.msg === 'reconcile failed; retrying').length, 3);

      // Added again, it starts from the base delay (50 ms; had it not been forgotten, 800 ms).
      queue.add('bad');
      await untilAttempts('bad', 6);
      assert.ok(times[5] - times[4] < 400, `first retry after a fresh add waited ${(times[5] - times[4]).toFixed(0)} ms`);
    } finally {
      queue.shutDown();
      await done;
    }
  });

  test('a key that succeeds is forgotten: its back-off starts over', async () => {
    const queue = new WorkQueue<string>({ baseDelayMs: 50 });
    // Fails on attempts 1 to 4, succeeds on 5, fails on 6.
    const { controller, untilAttempts } = reconciler(queue, (_key, attempt) => attempt !== 5 && attempt <= 6);
    const log = capturedLogger();
    const done = runWorkers(controller, { workers: 1, logger: log.logger, maxRetries: 5 });
    try {
      queue.add('flaky');
      await untilAttempts('flaky', 5);
      assert.equal(queue.numRequeues('flaky'), 0, 'forgotten after the success');
      queue.add('flaky');
      const times = await untilAttempts('flaky', 7);
      // Had the success not reset it, the retry after attempt 6 would wait 800 ms.
      assert.ok(times[6] - times[5] < 400, `after a success the next failure waits the base delay, not ${(times[6] - times[5]).toFixed(0)} ms`);
      assert.equal(log.lines.filter((l) => l.msg === 'dropping key after too many retries').length, 0);
    } finally {
      queue.shutDown();
      await done;
    }
  });
});
