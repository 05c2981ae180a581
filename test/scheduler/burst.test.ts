// A burst: 200 pods of 4 owners over 10 nodes are spread evenly (each owner too), and pods that only
// partly fit never overcommit a node — assumed pods count before their binds come back.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '../../shared/api/core.ts';
import { cpuMillis } from '../../shared/api/quantity.ts';
import { eventually, nodeObject, podObject, resetCluster, runScheduler, startCluster, waitForAllBound, waitForPod, type TestCluster } from './fixtures.ts';

let cluster: TestCluster;
before(async () => { cluster = await startCluster(); });
after(async () => { await cluster.cleanup(); });

const countBy = <T>(items: T[], key: (t: T) => string) => {
  const out = new Map<string, number>();
  for (const i of items) out.set(key(i), (out.get(key(i)) ?? 0) + 1);
  return out;
};

async function createPods(pods: Pod[]) {
  // Pending pods are created before the scheduler starts, so they all arrive at once.
  for (let i = 0; i < pods.length; i += 20) await Promise.all(pods.slice(i, i + 20).map((p) => cluster.pods.create('default', p)));
}

test('200 pods over 10 nodes: even spread, per owner too', async () => {
  await resetCluster(cluster);
  for (let i = 0; i < 10; i++) await cluster.nodes.create('', nodeObject(`node-${i}`));
  const owners = ['web', 'api', 'db', 'cache'];
  await createPods(Array.from({ length: 200 }, (_, i) => podObject(`burst-${i}`, { cpu: '100m', memory: '128Mi', owner: owners[i % 4] })));
  const running = runScheduler(cluster);
  try {
    const pods = await waitForAllBound(cluster, 'default', 200);
    const perNode = countBy(pods, (p) => p.spec.nodeName!);
    assert.equal(perNode.size, 10);
    const counts = [...perNode.values()];
    assert.ok(Math.max(...counts) - Math.min(...counts) <= 2, `pods per node: ${JSON.stringify(Object.fromEntries(perNode))}`);
    for (const owner of owners) {
      const mine = countBy(pods.filter((p) => p.metadata.ownerReferences?.[0]?.name === owner), (p) => p.spec.nodeName!);
      assert.equal(mine.size, 10, `${owner} is on ${mine.size} nodes`);
      const c = [...mine.values()];
      assert.ok(Math.max(...c) - Math.min(...c) <= 2, `${owner} per node: ${JSON.stringify(Object.fromEntries(mine))}`);
    }
    // The watch can show a bind before the scheduler has read the binding's response.
    await eventually(() => running.scheduler.stats.scheduled === 200, 5_000, 'the scheduler counts 200 binds');
    assert.equal(running.scheduler.stats.bindFailures, 0);
  } finally {
    await running.stop();
  }
});

test('a burst larger than the cluster never overcommits a node', async () => {
  await resetCluster(cluster);
  // 3 nodes x 4 cpu: twelve 1-cpu pods fit (one node already runs 1 cpu of them), fifteen are asked for.
  for (const n of ['a', 'b', 'c']) await cluster.nodes.create('', nodeObject(n, { cpu: '4' }));
  await cluster.pods.create('default', podObject('resident', { cpu: '1', spec: { nodeName: 'a' } }));
  await createPods(Array.from({ length: 15 }, (_, i) => podObject(`greedy-${i}`, { cpu: '1', owner: 'greedy' })));
  const running = runScheduler(cluster);
  try {
    // Eleven bind; the other four are rejected for cpu.
    await eventually(() => running.scheduler.stats.scheduled === 11 && running.scheduler.queue.lengths.unschedulable === 4, 15_000, '11 bound, 4 unschedulable');
    const pods = (await cluster.pods.list('default')).items;
    const perNode = new Map<string, number>();
    for (const p of pods.filter((p) => p.spec.nodeName)) perNode.set(p.spec.nodeName!, (perNode.get(p.spec.nodeName!) ?? 0) + cpuMillis(p.spec.containers[0].resources.requests!.cpu));
    assert.deepEqual(Object.fromEntries([...perNode].sort()), { a: 4000, b: 4000, c: 4000 });
    const waiting = pods.filter((p) => !p.spec.nodeName);
    assert.equal(waiting.length, 4);
    const pending = await waitForPod(cluster, 'default', waiting[0].metadata.name!, (p) => p.status.conditions?.some((c) => c.type === 'PodScheduled' && c.status === 'False') === true);
    assert.equal(pending.status.conditions!.find((c) => c.type === 'PodScheduled')!.message, '0/3 nodes are available: 3 Insufficient cpu.');
  } finally {
    await running.stop();
  }
});
