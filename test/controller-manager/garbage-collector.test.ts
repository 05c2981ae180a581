// The garbage collector against a real API server: background, foreground and orphan deletion of a
// ReplicaSet's pods (ownerReferences set by the test), dangling references, and the race where a
// dependent reaches the collector before its owner does.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { resources } from '../../shared/api/registry.ts';
import type { Pod } from '../../shared/api/core.ts';
import type { Deployment, ReplicaSet } from '../../shared/api/apps.ts';
import type { ResourceType } from '../../shared/api/resource-type.ts';
import type { ApiClient } from '../../shared/client/api-client.ts';
import type { ObjectOf } from '../../shared/client/resource-client.ts';
import { InformerFactory } from '../../shared/informer/factory.ts';
import type { InformerOptions, SharedInformer } from '../../shared/informer/informer.ts';
import { newGarbageCollector } from '../../controller-manager/controllers/garbage-collector.ts';
import { TestCluster } from './endpoints-gc-namespace-harness.ts';

const ns = 'default';

function replicaSet(name: string): ReplicaSet {
  const labels = { rs: name };
  return {
    metadata: { name },
    spec: { replicas: 0, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'app', image: 'nginx' }] } } },
  } as unknown as ReplicaSet;
}

const ownerRef = (owner: { apiVersion?: string; kind?: string; metadata: { name?: string; uid?: string } }, block = true) => ({
  apiVersion: owner.apiVersion!, kind: owner.kind!, name: owner.metadata.name!, uid: owner.metadata.uid!, controller: true, blockOwnerDeletion: block,
});

describe('garbage collector', () => {
  let cluster: TestCluster;
  let pods: SharedInformer<Pod>;
  let replicaSets: SharedInformer<ReplicaSet>;

  before(async () => {
    cluster = await TestCluster.start();
    await cluster.run([newGarbageCollector]);
    pods = await cluster.observe(resources.pods);
    replicaSets = await cluster.observe(resources.replicasets);
  });
  after(() => cluster.stop());


  test('background (the default): the owner goes at once, then its dependents', async () => {
    const rs = await cluster.api(resources.replicasets).create(ns, replicaSet('bg'));
    const keeper = await cluster.api(resources.replicasets).create(ns, replicaSet('keeper'));
    const dependents = [];
    for (const name of ['bg-1', 'bg-2', 'bg-3']) dependents.push(await cluster.createPod(ns, name, { rs: 'bg' }, { ownerReferences: [ownerRef(rs)] }));
    await cluster.createPod(ns, 'kept', { rs: 'keeper' }, { ownerReferences: [ownerRef(keeper)] });
    await cluster.api(resources.replicasets).delete(ns, 'bg');
    for (const pod of dependents) await cluster.deleted(pods, pod);
    const kept = await cluster.api(resources.pods).get(ns, 'kept');
    assert.equal(kept.metadata.ownerReferences?.[0].uid, keeper.metadata.uid);
  });

  test('foreground: the owner stays, marked, until its blocking dependents are gone', async () => {
    const rs = await cluster.api(resources.replicasets).create(ns, replicaSet('fg'));
    // fg-1 runs on a node, so its deletion is graceful and takes until the "kubelet" finishes it.
    await cluster.createPod(ns, 'fg-1', { rs: 'fg' }, { ownerReferences: [ownerRef(rs)], nodeName: 'node-a' });
    const fg2 = await cluster.createPod(ns, 'fg-2', { rs: 'fg' }, { ownerReferences: [ownerRef(rs, false)] });
    await cluster.api(resources.replicasets).delete(ns, 'fg', { propagationPolicy: 'Foreground' });
    await cluster.deleted(pods, fg2);
    await cluster.until('fg-1 terminating', () => pods.get(ns, 'fg-1')?.metadata.deletionTimestamp);
    const owner = await cluster.api(resources.replicasets).get(ns, 'fg');
    assert.ok(owner.metadata.deletionTimestamp);
    assert.deepEqual(owner.metadata.finalizers, ['foregroundDeletion']);
    await cluster.finishPodDeletion(ns, 'fg-1');
    await cluster.deleted(replicaSets, rs);
  });

  test('foreground through two levels: Deployment, ReplicaSet, pods', async () => {
    const labels = { app: 'two' };
    const deployment = await cluster.api(resources.deployments).create(ns, {
      metadata: { name: 'two' },
      spec: { replicas: 0, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'app', image: 'nginx' }] } } },
    } as unknown as Deployment);
    const rs = await cluster.api(resources.replicasets).create(ns, { ...replicaSet('two-abc'), metadata: { name: 'two-abc', ownerReferences: [ownerRef(deployment)] } } as ReplicaSet);
    const pod = await cluster.createPod(ns, 'two-abc-1', { rs: 'two-abc' }, { ownerReferences: [ownerRef(rs)] });
    const deployments = await cluster.observe(resources.deployments);
    await cluster.api(resources.deployments).delete(ns, 'two', { propagationPolicy: 'Foreground' });
    await cluster.deleted(pods, pod);
    await cluster.deleted(replicaSets, rs);
    await cluster.deleted(deployments, deployment);
  });

  test('orphan: dependents lose the ownerReference and keep running; then the owner goes', async () => {
    const rs = await cluster.api(resources.replicasets).create(ns, replicaSet('orph'));
    for (const name of ['orph-1', 'orph-2']) await cluster.createPod(ns, name, { rs: 'orph' }, { ownerReferences: [ownerRef(rs)] });
    await cluster.api(resources.replicasets).delete(ns, 'orph', { propagationPolicy: 'Orphan' });
    await cluster.deleted(replicaSets, rs);
    for (const name of ['orph-1', 'orph-2']) {
      const pod = await cluster.api(resources.pods).get(ns, name);
      assert.deepEqual(pod.metadata.ownerReferences ?? [], [], `${name} has no owner any more`);
      assert.equal(pod.metadata.deletionTimestamp, undefined);
    }
  });

  test('a reference to an owner that never existed is dangling: the object goes', async () => {
    const stray = await cluster.createPod(ns, 'stray', { a: 'b' }, { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'nope', uid: '00000000-0000-0000-0000-000000000001', controller: true }] });
    await cluster.deleted(pods, stray);
  });

  test('with one owner alive, only the dangling reference is removed', async () => {
    const alive = await cluster.api(resources.replicasets).create(ns, replicaSet('alive'));
    const doomed = await cluster.api(resources.replicasets).create(ns, replicaSet('doomed'));
    await cluster.createPod(ns, 'shared', { x: 'y' }, { ownerReferences: [ownerRef(alive, false), { ...ownerRef(doomed), controller: false }] });
    await cluster.api(resources.replicasets).delete(ns, 'doomed');
    const pod = await cluster.until('dangling reference removed', () => {
      const p = pods.get(ns, 'shared');
      return p && p.metadata.ownerReferences?.length === 1 ? p : undefined;
    });
    assert.equal(pod.metadata.ownerReferences![0].uid, alive.metadata.uid);
    assert.equal(pod.metadata.deletionTimestamp, undefined);
  });
});

/** An informer factory whose informers of some kinds start only when released: a cache lagging behind the others. */
class LaggingInformers extends InformerFactory {
  private readonly lagging: InformerFactory;

  constructor(client: ApiClient, private readonly lag: ResourceType[]) {
    super(client);
    this.lagging = new InformerFactory(client);
  }

  override informerFor<R extends ResourceType>(type: R, options: Omit<InformerOptions<ObjectOf<R>>, 'logger'> = {}): SharedInformer<ObjectOf<R>> {
    return this.lag.includes(type) ? this.lagging.informerFor(type, options) : super.informerFor(type, options);
  }

  release(): void {
    this.lagging.start();
  }

  override stop(): void {
    super.stop();
    this.lagging.stop();
  }
}

describe('garbage collector, owner not yet in its cache', () => {
  let cluster: TestCluster;
  let informers: LaggingInformers;

  before(async () => {
    cluster = await TestCluster.start();
    // One worker, so keys are handled in the order queued.
    await cluster.run([newGarbageCollector], { workers: 1, informers: (client) => (informers = new LaggingInformers(client, [resources.replicasets])) });
  });
  after(() => cluster.stop());

  test('a dependent whose owner the collector has not seen yet is kept: the owner is checked on the server', async () => {
    const pods = await cluster.observe(resources.pods);
    const rs = await cluster.api(resources.replicasets).create(ns, replicaSet('late'));
    const early = await cluster.createPod(ns, 'early', { rs: 'late' }, { ownerReferences: [ownerRef(rs)] });
    // Queued behind "early": once this one is gone, "early" has been judged.
    const marker = await cluster.createPod(ns, 'marker', { rs: 'none' }, { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'none', uid: '00000000-0000-0000-0000-000000000002' }] });
    await cluster.deleted(pods, marker);
    const now = await cluster.api(resources.pods).get(ns, 'early');
    assert.equal(now.metadata.deletionTimestamp, undefined);
    assert.equal(now.metadata.ownerReferences?.[0].uid, rs.metadata.uid);

    // Once the owner's cache catches up, deleting the owner takes the dependent, as usual.
    informers.release();
    await cluster.api(resources.replicasets).delete(ns, 'late');
    await cluster.deleted(pods, early);
  });
});
