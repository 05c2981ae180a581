// The scheduling queue: priority then arrival order, back-off of 1 s doubling to 10 s, unschedulable
// pods held until a change may help them, gated pods until their gates are removed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SchedulingQueue } from '../../scheduler/queue.ts';
import { podInfoOf } from '../../scheduler/pod-info.ts';
import { podObject } from './fixtures.ts';

const pod = (name: string, priority = 0, gates?: string[]) => {
  const p = podObject(name, { spec: { priority, schedulingGates: gates?.map((name) => ({ name })) } });
  p.metadata.namespace = 'default';
  return podInfoOf(p);
};
const newQueue = (initialBackoffMs = 1000, maxBackoffMs = 10_000) => new SchedulingQueue({ initialBackoffMs, maxBackoffMs, maxInUnschedulableMs: 300_000 });

test('back-off doubles from the initial to the maximum (kube podInitialBackoff / podMaxBackoff)', () => {
  const q = newQueue();
  assert.deepEqual([1, 2, 3, 4, 5, 6].map((n) => q.backoffDuration(n)), [1000, 2000, 4000, 8000, 10_000, 10_000]);
  q.close();
});

test('higher priority first, then first come first served', async () => {
  const q = newQueue();
  q.add(pod('low-1'));
  q.add(pod('high', 100));
  q.add(pod('low-2'));
  const order = [];
  for (let i = 0; i < 3; i++) order.push((await q.pop())!.podInfo.pod.metadata.name);
  assert.deepEqual(order, ['high', 'low-1', 'low-2']);
  q.close();
  assert.equal(await q.pop(), undefined);
});

test('an unschedulable pod waits for a change that may help, then for the rest of its back-off', async () => {
  const q = newQueue(150, 1000);
  q.add(pod('p'));
  const info = (await q.pop())!;
  info.unschedulablePlugins = new Set(['NodeResourcesFit']);
  const failedAt = Date.now();
  q.addUnschedulableIfNotPresent(info);
  assert.equal(q.lengths.unschedulable, 1);
  assert.equal(q.moveToActiveOrBackoff(() => false), 0);
  assert.equal(q.moveToActiveOrBackoff(), 1);
  assert.equal(q.lengths.backoff, 1);
  const again = (await q.pop())!;
  assert.ok(Date.now() - failedAt >= 140, 'popped only after its back-off');
  assert.equal(again.attempts, 2);
  q.close();
});

test('a pod that failed for no filter (an error, a failed bind) goes to back-off directly', async () => {
  const q = newQueue(100, 1000);
  q.add(pod('p'));
  const info = (await q.pop())!;
  q.addUnschedulableIfNotPresent(info);
  assert.equal(q.lengths.backoff, 1);
  const started = Date.now();
  assert.equal((await q.pop())!.podInfo.key, 'default/p');
  assert.ok(Date.now() - started >= 80);
  q.close();
});

test('gated pods wait until an update removes their gates; deleted pods leave', async () => {
  const q = newQueue();
  q.add(pod('gated', 0, ['example.com/wait']));
  q.add(pod('gone'));
  q.delete('default/gone');
  assert.deepEqual(q.lengths, { active: 0, backoff: 0, unschedulable: 0, gated: 1 });
  q.update(pod('gated'), true);
  assert.equal((await q.pop())!.podInfo.key, 'default/gated');
  q.close();
});
