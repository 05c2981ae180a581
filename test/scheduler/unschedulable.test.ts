// A pod that fits nowhere: PodScheduled=False with kube's message (counts of each reason, sorted), a
// FailedScheduling warning with the same text; then a node that fits is added and the pod is scheduled
// at once — moved by the node event, not by a timer (an unschedulable pod otherwise waits 5 minutes).
// Likewise a pod that waits for room is scheduled when a bound pod is deleted and frees it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '../../shared/api/core.ts';
import { eventsFor, isBound, nodeObject, podObject, resetCluster, runScheduler, startCluster, waitForPod, type TestCluster } from './fixtures.ts';

let cluster: TestCluster;
before(async () => { cluster = await startCluster(); });
after(async () => { await cluster.cleanup(); });

const scheduledCondition = (pod: Pod) => pod.status.conditions?.find((c) => c.type === 'PodScheduled');

test('unschedulable pod: condition, event, then scheduled when a fitting node appears', async () => {
  await cluster.nodes.create('', nodeObject('small-1', { cpu: '1' }));
  await cluster.nodes.create('', nodeObject('small-2', { cpu: '1' }));
  await cluster.nodes.create('', nodeObject('cordoned', { cpu: '8', unschedulable: true }));
  await cluster.nodes.create('', nodeObject('labelled', { cpu: '8', labels: { disk: 'hdd' } }));
  await cluster.pods.create('default', podObject('big', { cpu: '2', spec: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'disk', operator: 'NotIn', values: ['hdd'] }] }] } } } } as never }));
  const running = runScheduler(cluster);
  try {
    const expected = "0/4 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 1 node(s) were unschedulable, 2 Insufficient cpu.";
    const pending = await waitForPod(cluster, 'default', 'big', (p) => scheduledCondition(p)?.status === 'False');
    const condition = scheduledCondition(pending)!;
    assert.equal(condition.reason, 'Unschedulable');
    assert.equal(condition.message, expected);
    assert.ok(condition.lastTransitionTime);
    assert.equal(pending.spec.nodeName, undefined);

    await running.scheduler.recorder.flush();
    const failed = (await eventsFor(cluster, 'default', 'big')).filter((e) => e.reason === 'FailedScheduling');
    assert.equal(failed.length, 1);
    assert.equal(failed[0].type, 'Warning');
    assert.equal(failed[0].message, expected);
    assert.equal(failed[0].involvedObject.kind, 'Pod');
    assert.equal(failed[0].involvedObject.uid, pending.metadata.uid);
    assert.equal(failed[0].source?.component, 'default-scheduler');
    assert.equal(running.scheduler.queue.lengths.unschedulable, 1);

    const added = Date.now();
    await cluster.nodes.create('', nodeObject('roomy', { cpu: '4' }));
    const bound = await waitForPod(cluster, 'default', 'big', isBound, 5_000);
    assert.equal(bound.spec.nodeName, 'roomy');
    // The first back-off is 1 s: the node event moves the pod, it is retried once that has passed.
    assert.ok(Date.now() - added < 3_000, `scheduled ${Date.now() - added} ms after the node was added`);
    assert.equal(scheduledCondition(bound)?.status, 'True');
    assert.equal(running.scheduler.stats.attempts, 2);
  } finally {
    await running.stop();
  }
});

test('no nodes at all: kube\'s message, and retried with back-off until a node exists', async () => {
  for (const n of (await cluster.nodes.list()).items) await cluster.nodes.delete('', n.metadata.name!);
  await cluster.pods.create('default', podObject('lonely', { cpu: '100m' }));
  const running = runScheduler(cluster, { podInitialBackoffMs: 200, podMaxBackoffMs: 400 });
  try {
    const pending = await waitForPod(cluster, 'default', 'lonely', (p) => scheduledCondition(p)?.status === 'False');
    assert.equal(scheduledCondition(pending)?.message, 'no nodes available to schedule pods');
    await cluster.nodes.create('', nodeObject('first'));
    assert.equal((await waitForPod(cluster, 'default', 'lonely', isBound)).spec.nodeName, 'first');
  } finally {
    await running.stop();
  }
});

test('a pod waiting for room is scheduled when a bound pod is deleted and frees it', async () => {
  await resetCluster(cluster);
  await cluster.nodes.create('', nodeObject('full', { cpu: '1' }));
  await cluster.pods.create('default', podObject('occupant', { cpu: '1', spec: { nodeName: 'full' } }));
  await cluster.pods.create('default', podObject('waiting', { cpu: '1' }));
  const running = runScheduler(cluster);
  try {
    const pending = await waitForPod(cluster, 'default', 'waiting', (p) => scheduledCondition(p)?.status === 'False');
    assert.equal(scheduledCondition(pending)?.message, '0/1 nodes are available: 1 Insufficient cpu.');
    const deleted = Date.now();
    await cluster.pods.delete('default', 'occupant', { gracePeriodSeconds: 0 });
    const bound = await waitForPod(cluster, 'default', 'waiting', isBound, 5_000);
    assert.equal(bound.spec.nodeName, 'full');
    // Moved by the pod's delete event once its 1 s back-off has passed, not by the 5-minute flush.
    assert.ok(Date.now() - deleted < 3_000, `scheduled ${Date.now() - deleted} ms after the bound pod was deleted`);
    assert.equal(running.scheduler.stats.attempts, 2);
  } finally {
    await running.stop();
  }
});
