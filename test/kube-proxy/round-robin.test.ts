// The balancer on its own, with a clock the test moves: rotation, endpoint changes, ClientIP affinity
// and its timeout, and the affinity reset after a failed dial.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RoundRobinBalancer } from '../../kube-proxy/round-robin.ts';

const none = { clientIP: false, timeoutMs: 10_800_000 };
const sticky = (timeoutMs: number) => ({ clientIP: true, timeoutMs });

test('rotates over the endpoints; an unchanged update keeps the rotation', () => {
  const lb = new RoundRobinBalancer();
  assert.equal(lb.update('ns/svc', ['e1', 'e2', 'e3'], none), true);
  const round = [lb.next('ns/svc', 'c'), lb.next('ns/svc', 'c'), lb.next('ns/svc', 'c')];
  assert.deepEqual([...round].sort(), ['e1', 'e2', 'e3']);
  assert.equal(lb.update('ns/svc', ['e3', 'e1', 'e2'], none), false, 'same set, other order: no change');
  assert.deepEqual([lb.next('ns/svc', 'c'), lb.next('ns/svc', 'c'), lb.next('ns/svc', 'c')], round);
});

test('a removed endpoint is never picked again; no endpoints gives undefined', () => {
  const lb = new RoundRobinBalancer();
  lb.update('k', ['e1', 'e2', 'e3'], none);
  lb.next('k', 'c');
  lb.update('k', ['e1', 'e3'], none);
  const picks = Array.from({ length: 10 }, () => lb.next('k', 'c'));
  assert.ok(!picks.includes('e2'));
  assert.deepEqual([...new Set(picks)].sort(), ['e1', 'e3']);
  lb.update('k', [], none);
  assert.equal(lb.next('k', 'c'), undefined);
  assert.equal(lb.next('unknown', 'c'), undefined);
});

test('ClientIP affinity: a client keeps its endpoint until idle past the timeout', () => {
  let now = 0;
  const lb = new RoundRobinBalancer(() => now);
  lb.update('k', ['e1', 'e2'], sticky(10_000));
  const first = lb.next('k', '10.0.0.1')!;
  const other = lb.next('k', '10.0.0.2')!;
  assert.notEqual(first, other);
  for (let i = 0; i < 5; i++) {
    now += 9_000; // each use renews the stickiness
    assert.equal(lb.next('k', '10.0.0.1'), first);
  }
  now += 10_000;
  assert.equal(lb.next('k', '10.0.0.3'), first, 'the rotation is back at the first endpoint');
  assert.equal(lb.next('k', '10.0.0.1'), other, 'idle past the timeout: balanced afresh');
  assert.equal(lb.next('k', '10.0.0.2'), first, 'the other client too');
  lb.update('k', [other, 'e3'], sticky(10_000));
  assert.equal(lb.next('k', '10.0.0.1'), other, 'still sticky to a surviving endpoint');
  assert.notEqual(lb.next('k', '10.0.0.2'), first, 'stickiness to a removed endpoint is gone');
});

test('ClientIP affinity: an update keeps clients stuck to surviving endpoints', () => {
  const lb = new RoundRobinBalancer(() => 0);
  lb.update('k', ['e1', 'e2'], sticky(10_000));
  const first = lb.next('k', '10.0.0.1')!;
  const other = lb.next('k', '10.0.0.2')!;
  lb.update('k', [other, 'e3'], sticky(10_000));
  assert.equal(lb.next('k', '10.0.0.2'), other, 'still sticky to a surviving endpoint');
  assert.notEqual(lb.next('k', '10.0.0.1'), first, 'stickiness to a removed endpoint is gone');
});

test('a reset (the sticky endpoint refused) moves the client on and sticks it to the new pick', () => {
  const lb = new RoundRobinBalancer(() => 0);
  lb.update('k', ['e1', 'e2'], sticky(10_000));
  const first = lb.next('k', 'c')!;
  const second = lb.next('k', 'c', true)!;
  assert.notEqual(second, first);
  assert.equal(lb.next('k', 'c'), second);
});

test('stale sticky sessions are cleaned up', () => {
  let now = 0;
  const lb = new RoundRobinBalancer(() => now);
  lb.update('k', ['e1', 'e2'], sticky(1000));
  const first = lb.next('k', 'c')!;
  now = 5000;
  lb.cleanupStaleStickySessions();
  assert.notEqual(lb.next('k', 'c'), first, 'the forgotten client is balanced afresh (the rotation moved on)');
});
