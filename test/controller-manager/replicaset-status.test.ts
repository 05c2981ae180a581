// ReplicaSet status: ready versus available (minReadySeconds), fullyLabeledReplicas, observedGeneration,
// and no status write when nothing changed.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { resources } from '../../shared/api/registry.ts';
import { podsOwnedBy, podTemplate, startCluster, until, type Cluster } from './workloads-harness.ts';

describe('ReplicaSet status', () => {
  let cluster: Cluster;
  before(async () => {
    cluster = await startCluster({ controllers: ['replicaset'] });
  });
  after(async () => cluster?.stop());

  test('availableReplicas waits minReadySeconds after readiness', async () => {
    await cluster.replicaSets.create('default', {
      metadata: { name: 'slow' },
      spec: { replicas: 2, minReadySeconds: 2, selector: { matchLabels: { app: 'slow' } }, template: podTemplate({ app: 'slow' }) },
    } as never);
    const ready = await until(async () => { const s = (await cluster.replicaSets.get('default', 'slow')).status; return s.readyReplicas === 2 && s; }, 'ready');
    const readyAt = Date.now();
    assert.equal(ready.availableReplicas ?? 0, 0, 'not available yet');
    // Nothing else happens to these pods: the controller must come back by itself once they are available.
    const available = await until(async () => { const s = (await cluster.replicaSets.get('default', 'slow')).status; return s.availableReplicas === 2 && s; }, 'available', 10_000);
    assert.ok(Date.now() - readyAt >= 1000, 'availability came after minReadySeconds');
    assert.equal(available.readyReplicas, 2);
  });

  test('fullyLabeledReplicas counts pods with every template label; observedGeneration follows spec changes', async () => {
    const rs = await cluster.replicaSets.create('default', {
      metadata: { name: 'labels' },
      spec: { replicas: 2, selector: { matchLabels: { app: 'labels' } }, template: podTemplate({ app: 'labels', extra: 'x' }) },
    } as never);
    await until(async () => (await cluster.replicaSets.get('default', 'labels')).status.fullyLabeledReplicas === 2, 'fully labeled 2');
    const [first] = podsOwnedBy(cluster, rs.metadata.uid);
    await cluster.pods.patch('default', first.metadata!.name!, { metadata: { labels: { extra: null } } });
    const status = await until(async () => { const s = (await cluster.replicaSets.get('default', 'labels')).status; return s.fullyLabeledReplicas === 1 && s; }, 'fully labeled 1');
    assert.equal(status.replicas, 2, 'the pod still matches the selector');
    assert.equal(status.observedGeneration, 1);
    // A template change bumps generation; status says it was seen.
    await cluster.replicaSets.patch('default', 'labels', { spec: { template: { metadata: { labels: { app: 'labels', extra: 'y' } } } } });
    const seen = await until(async () => { const cur = await cluster.replicaSets.get('default', 'labels'); return cur.status.observedGeneration === 2 && cur; }, 'observedGeneration 2');
    assert.equal(seen.metadata.generation, 2);
    assert.equal(seen.status.fullyLabeledReplicas ?? 0, 0, 'no pod has extra=y');
  });

  test('an unchanged status is not written again', async () => {
    await cluster.replicaSets.create('default', {
      metadata: { name: 'quiet' },
      spec: { replicas: 1, selector: { matchLabels: { app: 'quiet' } }, template: podTemplate({ app: 'quiet' }) },
    } as never);
    const settled = await until(async () => { const cur = await cluster.replicaSets.get('default', 'quiet'); return cur.status.availableReplicas === 1 && cur; }, 'settled');
    await until(() => cluster.informers.informerFor(resources.replicasets).get('default', 'quiet')?.metadata.resourceVersion === settled.metadata.resourceVersion, 'the cache caught up');
    for (let i = 0; i < 3; i++) await cluster.controllers.replicaset.reconcile('default/quiet');
    const after = await cluster.replicaSets.get('default', 'quiet');
    assert.equal(after.metadata.resourceVersion, settled.metadata.resourceVersion);
  });
});
