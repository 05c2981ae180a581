// The ReplicaSet controller against a real API server: creating pods from the template with the
// right name, labels and controller reference, status, events, scaling, and replacing a deleted pod.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { eventsFor, isReady, isTerminating, podsOwnedBy, podTemplate, startCluster, until, type Cluster } from './workloads-harness.ts';

describe('ReplicaSet controller', () => {
  let cluster: Cluster;
  before(async () => {
    cluster = await startCluster({ controllers: ['replicaset'] });
  });
  after(async () => cluster?.stop());

  const activePods = (uid: string | undefined) => podsOwnedBy(cluster, uid).filter((p) => !isTerminating(p));

  test('creates spec.replicas pods from the template, owned by the ReplicaSet', async () => {
    const rs = await cluster.replicaSets.create('default', {
      metadata: { name: 'web', labels: { app: 'web' } },
      spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: { ...podTemplate({ app: 'web', tier: 'front' }), metadata: { labels: { app: 'web', tier: 'front' }, annotations: { note: 'from-template' } } } },
    } as never);
    const pods = await until(() => { const p = activePods(rs.metadata.uid); return p.length === 3 && p; }, '3 pods');
    for (const pod of pods) {
      assert.match(pod.metadata!.name!, /^web-[a-z0-9]{5}$/);
      assert.equal(pod.metadata?.generateName, 'web-');
      assert.deepEqual(pod.metadata?.labels, { app: 'web', tier: 'front' });
      assert.equal(pod.metadata?.annotations?.note, 'from-template');
      assert.deepEqual(pod.metadata?.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: rs.metadata.uid, controller: true, blockOwnerDeletion: true }]);
      assert.equal(pod.spec?.containers[0].image, 'nginx:1.27');
    }
    // The fake kubelet makes them ready; status follows through /status with observedGeneration.
    const status = await until(async () => {
      const cur = await cluster.replicaSets.get('default', 'web');
      return cur.status.readyReplicas === 3 && cur.status.availableReplicas === 3 && cur.status;
    }, 'status with 3 ready replicas');
    assert.equal(status.replicas, 3);
    assert.equal(status.fullyLabeledReplicas, 3);
    assert.equal(status.observedGeneration, 1);
    await cluster.context.recorder.flush();
    const created = (await eventsFor(cluster, 'web')).filter((e) => e.reason === 'SuccessfulCreate');
    assert.equal(created.length, 3);
    const names = new Set(pods.map((p) => `Created pod: ${p.metadata?.name}`));
    for (const e of created) {
      assert.ok(names.has(e.message!), e.message);
      assert.equal(e.type, 'Normal');
      assert.equal(e.involvedObject?.kind, 'ReplicaSet');
    }
  });

  test('scales up and down, deleting the least useful pods first', async () => {
    const rs = await cluster.replicaSets.create('default', {
      metadata: { name: 'scale' },
      spec: { replicas: 2, selector: { matchLabels: { app: 'scale' } }, template: podTemplate({ app: 'scale' }) },
    } as never);
    await until(() => activePods(rs.metadata.uid).filter(isReady).length === 2, '2 ready pods');
    const firstTwo = new Set(activePods(rs.metadata.uid).map((p) => p.metadata?.name));
    // Stop binding and readying: the new pods stay unscheduled and Pending.
    cluster.kubelet.options.bind = false;
    try {
      await cluster.replicaSets.patch('default', 'scale', { spec: { replicas: 4 } });
      await until(() => activePods(rs.metadata.uid).length === 4, '4 pods');
      const pending = activePods(rs.metadata.uid).filter((p) => !firstTwo.has(p.metadata?.name));
      assert.equal(pending.length, 2);
      assert.ok(pending.every((p) => !p.spec?.nodeName));
      // Scale to 2: the two unscheduled ones go, the running ones stay.
      await cluster.replicaSets.patch('default', 'scale', { spec: { replicas: 2 } });
      await until(() => activePods(rs.metadata.uid).length === 2, 'back to 2 pods');
      assert.deepEqual(new Set(activePods(rs.metadata.uid).map((p) => p.metadata?.name)), firstTwo);
    } finally {
      cluster.kubelet.options.bind = true;
    }
    // Among running pods, a not-ready one goes before ready ones.
    await cluster.replicaSets.patch('default', 'scale', { spec: { replicas: 3 } });
    const three = await until(() => { const p = activePods(rs.metadata.uid); return p.length === 3 && p.every(isReady) && p; }, '3 ready pods');
    const victim = three[1].metadata!.name!;
    await cluster.kubelet.markNotReady('default', victim);
    await until(async () => (await cluster.replicaSets.get('default', 'scale')).status.readyReplicas === 2, 'readyReplicas 2');
    await cluster.replicaSets.patch('default', 'scale', { spec: { replicas: 2 } });
    await until(() => activePods(rs.metadata.uid).length === 2, '2 pods');
    assert.ok(!activePods(rs.metadata.uid).some((p) => p.metadata?.name === victim), 'the not-ready pod was deleted');
    await cluster.context.recorder.flush();
    const deleted = (await eventsFor(cluster, 'scale')).filter((e) => e.reason === 'SuccessfulDelete').map((e) => e.message);
    assert.ok(deleted.includes(`Deleted pod: ${victim}`), JSON.stringify(deleted));
    // Down to zero.
    await cluster.replicaSets.patch('default', 'scale', { spec: { replicas: 0 } });
    await until(async () => podsOwnedBy(cluster, rs.metadata.uid).length === 0 && (await cluster.replicaSets.get('default', 'scale')).status.replicas === 0, 'no pods');
  });

  test('replaces a deleted pod', async () => {
    const rs = await cluster.replicaSets.create('default', {
      metadata: { name: 'heal' },
      spec: { replicas: 2, selector: { matchLabels: { app: 'heal' } }, template: podTemplate({ app: 'heal' }) },
    } as never);
    const pods = await until(() => { const p = activePods(rs.metadata.uid); return p.length === 2 && p.every(isReady) && p; }, '2 ready pods');
    const gone = pods[0].metadata!.name!;
    await cluster.pods.delete('default', gone);
    await until(() => { const p = activePods(rs.metadata.uid); return p.length === 2 && !p.some((x) => x.metadata?.name === gone) && p.every(isReady); }, 'a replacement pod');
    assert.equal(podsOwnedBy(cluster, rs.metadata.uid).filter((p) => !isTerminating(p)).length, 2);
  });
});
