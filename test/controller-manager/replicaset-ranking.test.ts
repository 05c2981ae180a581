// Which pods a ReplicaSet deletes first (kube's ActivePodsWithRanks), and slow-start batching.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '../../shared/api/pod.ts';
import { podsToDelete } from '../../controller-manager/controller-utils/pods-to-delete.ts';
import { slowStartBatch } from '../../controller-manager/controller-utils/slow-start.ts';

const now = Date.parse('2025-01-01T12:00:00Z');
const ago = (seconds: number) => new Date(now - seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

interface PodShape {
  name: string;
  node?: string;
  phase?: string;
  readySince?: number;
  created?: number;
  restarts?: number;
  cost?: string;
}

function pod(p: PodShape): Pod {
  return {
    metadata: { name: p.name, namespace: 'default', uid: `uid-${p.name}`, creationTimestamp: ago(p.created ?? 1000), annotations: p.cost ? { 'controller.kubernetes.io/pod-deletion-cost': p.cost } : undefined },
    spec: { nodeName: p.node, containers: [] },
    status: {
      phase: p.phase ?? 'Running',
      conditions: p.readySince !== undefined ? [{ type: 'Ready', status: 'True', lastTransitionTime: ago(p.readySince) }] : [{ type: 'Ready', status: 'False' }],
      containerStatuses: [{ name: 'c', ready: true, restartCount: p.restarts ?? 0, image: 'x', imageID: '' }],
    },
  } as unknown as Pod;
}

const names = (pods: Pod[]) => pods.map((p) => p.metadata?.name);

describe('pods to delete first', () => {
  test('unassigned, then Pending < Unknown < Running, then not ready', () => {
    const pods = [
      pod({ name: 'running-ready', node: 'n1', readySince: 100 }),
      pod({ name: 'running-unready', node: 'n1' }),
      pod({ name: 'unknown', node: 'n1', phase: 'Unknown' }),
      pod({ name: 'pending', node: 'n1', phase: 'Pending' }),
      pod({ name: 'unassigned', phase: 'Pending' }),
    ];
    assert.deepEqual(names(podsToDelete(pods, pods, 4, now)), ['unassigned', 'pending', 'unknown', 'running-unready']);
  });

  test('lower pod-deletion-cost first, then pods doubled up with related pods', () => {
    const a = pod({ name: 'a', node: 'n1', readySince: 100 });
    const b = pod({ name: 'b', node: 'n2', readySince: 100 });
    const c = pod({ name: 'c', node: 'n3', readySince: 100, cost: '-5' });
    // Another ReplicaSet of the same Deployment has two pods on n2.
    const related = [a, b, c, pod({ name: 'x', node: 'n2', readySince: 100 }), pod({ name: 'y', node: 'n2', readySince: 100 })];
    assert.deepEqual(names(podsToDelete([a, b, c], related, 2, now)), ['c', 'b']);
  });

  test('recently ready first (log2 buckets), then more restarts, then newer', () => {
    // Ready 10 s ago versus 1000 s ago: different buckets, the recent one goes.
    const recent = pod({ name: 'recent', node: 'n1', readySince: 10 });
    const old = pod({ name: 'old', node: 'n2', readySince: 1000 });
    assert.deepEqual(names(podsToDelete([old, recent], [], 1, now)), ['recent']);
    // Same ready time: the one that restarted more goes.
    const calm = pod({ name: 'calm', node: 'n1', readySince: 500, restarts: 0 });
    const flappy = pod({ name: 'flappy', node: 'n2', readySince: 500, restarts: 3 });
    assert.deepEqual(names(podsToDelete([calm, flappy], [], 1, now)), ['flappy']);
    // Not ready, same everything else: the newer goes.
    const newer = pod({ name: 'newer', node: 'n1', created: 30 });
    const older = pod({ name: 'older', node: 'n2', created: 3000 });
    assert.deepEqual(names(podsToDelete([older, newer], [], 1, now)), ['newer']);
  });

  test('asking for all of them returns all', () => {
    const pods = [pod({ name: 'a' }), pod({ name: 'b' })];
    assert.equal(podsToDelete(pods, pods, 5, now).length, 2);
  });
});

describe('slowStartBatch', () => {
  test('batches of 1, 2, 4, ... up to the count', async () => {
    const batches: number[] = [];
    let inFlight = 0;
    const result = await slowStartBatch(10, 1, async () => {
      // Every call of a batch starts before any of them ends.
      if (inFlight === 0) batches.push(0);
      batches[batches.length - 1]++;
      inFlight++;
      await new Promise((r) => setImmediate(r));
      inFlight--;
    });
    assert.deepEqual(batches, [1, 2, 4, 3]);
    assert.equal(result.successes, 10);
    assert.equal(result.error, undefined);
  });

  test('runs 1+2+4+3 calls for 10 and stops after the first failing batch', async () => {
    let calls = 0;
    const ok = await slowStartBatch(10, 1, async () => { calls++; });
    assert.equal(calls, 10);
    assert.equal(ok.successes, 10);
    calls = 0;
    // The 4th call fails (in the batch of 4): that batch finishes, nothing more is tried.
    const failed = await slowStartBatch(10, 1, async () => {
      calls++;
      if (calls === 4) throw new Error('quota');
    });
    assert.equal(calls, 7);
    assert.equal(failed.successes, 6);
    assert.equal((failed.error as Error).message, 'quota');
  });
});
