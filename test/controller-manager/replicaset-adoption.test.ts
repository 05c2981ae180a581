// ReplicaSet ownership: orphans matching the selector are adopted (and count toward replicas), owned
// pods whose labels stop matching are released and replaced, other controllers' pods are left alone.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { resources } from '../../shared/api/registry.ts';
import { isTerminating, podsOwnedBy, podTemplate, startCluster, until, type Cluster } from './workloads-harness.ts';

describe('ReplicaSet adoption and release', () => {
  let cluster: Cluster;
  before(async () => {
    cluster = await startCluster({ controllers: ['replicaset'] });
  });
  after(async () => cluster?.stop());

  const pod = (name: string, labels: Record<string, string>, ownerReferences?: unknown[]) =>
    cluster.pods.create('default', { metadata: { name, labels, ownerReferences }, spec: podTemplate(labels).spec } as never);

  test('adopts a matching orphan and creates only the missing pods', async () => {
    await pod('orphan-1', { app: 'adopt' });
    // Owned by some other controller: never adopted even though it matches.
    await pod('foreign-1', { app: 'adopt' }, [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'other', uid: '00000000-0000-0000-0000-000000000001', controller: true }]);
    const rs = await cluster.replicaSets.create('default', {
      metadata: { name: 'adopter' },
      spec: { replicas: 2, selector: { matchLabels: { app: 'adopt' } }, template: podTemplate({ app: 'adopt' }) },
    } as never);
    await until(() => podsOwnedBy(cluster, rs.metadata.uid).length === 2, 'two owned pods');
    const orphan = await cluster.pods.get('default', 'orphan-1');
    assert.deepEqual(orphan.metadata?.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'adopter', uid: rs.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    const foreign = await cluster.pods.get('default', 'foreign-1');
    assert.equal(foreign.metadata?.ownerReferences?.[0].name, 'other');
    // Exactly one pod was created: the orphan filled the other slot.
    const owned = podsOwnedBy(cluster, rs.metadata.uid);
    assert.equal(owned.filter((p) => p.metadata?.name !== 'orphan-1').length, 1);
    const status = await until(async () => { const s = (await cluster.replicaSets.get('default', 'adopter')).status; return s.replicas === 2 && s; }, 'status.replicas 2');
    assert.equal(status.replicas, 2);
  });

  test('releases a pod whose labels no longer match, and replaces it', async () => {
    const rs = await cluster.replicaSets.create('default', {
      metadata: { name: 'releaser' },
      spec: { replicas: 2, selector: { matchLabels: { app: 'release' } }, template: podTemplate({ app: 'release' }) },
    } as never);
    const pods = await until(() => { const p = podsOwnedBy(cluster, rs.metadata.uid); return p.length === 2 && p; }, 'two pods');
    const name = pods[0].metadata!.name!;
    await cluster.pods.patch('default', name, { metadata: { labels: { app: 'quarantine' } } });
    await until(async () => !(await cluster.pods.get('default', name)).metadata?.ownerReferences?.length, 'the reference removed');
    await until(() => { const p = podsOwnedBy(cluster, rs.metadata.uid).filter((x) => !isTerminating(x)); return p.length === 2 && !p.some((x) => x.metadata?.name === name); }, 'a replacement');
    // The released pod is left running, not deleted.
    const released = await cluster.pods.get('default', name);
    assert.equal(released.metadata?.deletionTimestamp, undefined);
    assert.deepEqual(released.metadata?.labels, { app: 'quarantine' });
  });

  test('a ReplicaSet being deleted does not adopt', async () => {
    const rs = await cluster.replicaSets.create('default', {
      metadata: { name: 'doomed', finalizers: ['example.com/hold'] },
      spec: { replicas: 0, selector: { matchLabels: { app: 'doomed' } }, template: podTemplate({ app: 'doomed' }) },
    } as never);
    await cluster.replicaSets.delete('default', 'doomed');
    // Once the controllers' caches hold both, a sync would adopt the stray pod if it were allowed to.
    await until(() => !!cluster.informers.informerFor(resources.replicasets).get('default', 'doomed')?.metadata.deletionTimestamp, 'deletionTimestamp in the cache');
    await pod('stray-1', { app: 'doomed' });
    await until(() => !!cluster.informers.informerFor(resources.pods).get('default', 'stray-1'), 'the pod in the cache');
    await cluster.controllers.replicaset.reconcile('default/doomed');
    const stray = await cluster.pods.get('default', 'stray-1');
    assert.equal(stray.metadata?.ownerReferences, undefined);
    assert.equal(podsOwnedBy(cluster, rs.metadata.uid).length, 0);
    await cluster.replicaSets.patch('default', 'doomed', { metadata: { finalizers: null } });
  });
});
