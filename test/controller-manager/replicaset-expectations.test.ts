// Expectations: a ReplicaSet synced again before its cache has seen its own creates must not create
// more pods; the test drives reconcile() itself, back to back and many times, and watches the count.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ReplicaSetController } from '../../controller-manager/controllers/replicaset.ts';
import { resources } from '../../shared/api/registry.ts';
import { podsOwnedBy, podTemplate, startCluster, until, type Cluster } from './workloads-harness.ts';

describe('ReplicaSet expectations', () => {
  let cluster: Cluster & { startControllers(): Promise<void> };
  let controller: ReplicaSetController;
  before(async () => {
    // No workers: the test is the only one calling reconcile. The kubelet leaves pods alone.
    cluster = await startCluster({ controllers: ['replicaset'], start: false, kubelet: { bind: false, ready: false } });
    controller = cluster.controllers.replicaset as ReplicaSetController;
    cluster.informers.start();
    await cluster.informers.waitForCacheSync();
  });
  after(async () => cluster?.stop());

  test('back-to-back and repeated syncs never create more than spec.replicas', async () => {
    let maxSeen = 0;
    const rs = await cluster.replicaSets.create('default', {
      metadata: { name: 'burst' },
      spec: { replicas: 10, selector: { matchLabels: { app: 'burst' } }, template: podTemplate({ app: 'burst' }) },
    } as never);
    cluster.podWatch.addEventHandler({ onAdd: () => { maxSeen = Math.max(maxSeen, podsOwnedBy(cluster, rs.metadata.uid).length); } });
    const rsCache = cluster.informers.informerFor(resources.replicasets);
    await until(() => rsCache.get('default', 'burst'), 'the ReplicaSet in the cache');
    await controller.reconcile('default/burst');
    // The creates have been answered, but the cache may not show them all yet: without expectations
    // this second sync would create the missing ones again.
    await controller.reconcile('default/burst');
    for (let i = 0; i < 20; i++) {
      await controller.reconcile('default/burst');
      await new Promise((r) => setImmediate(r));
    }
    await until(() => controller.expectations.satisfied('default/burst'), 'expectations met');
    await controller.reconcile('default/burst');
    const list = await cluster.pods.list('default', { labelSelector: 'app=burst' });
    assert.equal(list.items.length, 10);
    assert.ok(maxSeen <= 10, `saw ${maxSeen} pods`);
    await cluster.context.recorder.flush();
    const events = (await cluster.events.list('default')).items.filter((e) => e.involvedObject?.name === 'burst' && e.reason === 'SuccessfulCreate');
    assert.equal(events.length, 10);
  });

  test('a sync with creations still in flight does nothing', async () => {
    const key = 'default/inflight';
    await cluster.replicaSets.create('default', {
      metadata: { name: 'inflight' },
      spec: { replicas: 2, selector: { matchLabels: { app: 'inflight' } }, template: podTemplate({ app: 'inflight' }) },
    } as never);
    await until(() => cluster.informers.informerFor(resources.replicasets).get('default', 'inflight'), 'cache');
    // As if a previous sync had issued two creates the cache has not shown yet.
    controller.expectations.expectCreations(key, 2);
    await controller.reconcile(key);
    assert.equal((await cluster.pods.list('default', { labelSelector: 'app=inflight' })).items.length, 0);
    controller.expectations.creationObserved(key);
    await controller.reconcile(key);
    assert.equal((await cluster.pods.list('default', { labelSelector: 'app=inflight' })).items.length, 0);
    controller.expectations.creationObserved(key);
    await controller.reconcile(key);
    assert.equal((await cluster.pods.list('default', { labelSelector: 'app=inflight' })).items.length, 2);
  });

  test('pending creations block a sync until observed; deletions likewise', async () => {
    const key = 'default/pending';
    await cluster.replicaSets.create('default', {
      metadata: { name: 'pending' },
      spec: { replicas: 3, selector: { matchLabels: { app: 'pending' } }, template: podTemplate({ app: 'pending' }) },
    } as never);
    await until(() => cluster.informers.informerFor(resources.replicasets).get('default', 'pending'), 'cache');
    await controller.reconcile(key);
    await until(() => controller.expectations.satisfied(key), 'creations observed');
    assert.deepEqual(controller.expectations.pending(key), { add: 0, del: 0 });
    await cluster.replicaSets.patch('default', 'pending', { spec: { replicas: 1 } });
    await until(() => cluster.informers.informerFor(resources.replicasets).get('default', 'pending')?.spec.replicas === 1, 'cache sees replicas 1');
    await controller.reconcile(key);
    await controller.reconcile(key);
    await until(() => controller.expectations.satisfied(key), 'deletions observed');
    const list = await cluster.pods.list('default', { labelSelector: 'app=pending' });
    assert.equal(list.items.length, 1, 'exactly two deleted, not four');
  });
});
