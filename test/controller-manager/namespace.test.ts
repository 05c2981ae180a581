// The namespace controller (with the garbage collector) against a real API server: a deleted
// namespace is emptied, waits for what takes time to go, and is then removed by the API server.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { resources, resourceTypes } from '../../shared/api/registry.ts';
import type { ConfigMap, Namespace, Pod } from '../../shared/api/core.ts';
import type { Deployment, ReplicaSet } from '../../shared/api/apps.ts';
import type { SharedInformer } from '../../shared/informer/informer.ts';
import { newNamespaceController } from '../../controller-manager/controllers/namespace.ts';
import { newGarbageCollector } from '../../controller-manager/controllers/garbage-collector.ts';
import { TestCluster } from './endpoints-gc-namespace-harness.ts';

let cluster: TestCluster;
let namespaces: SharedInformer<Namespace>;
let pods: SharedInformer<Pod>;

const labels = { app: 'web' };
const template = { metadata: { labels }, spec: { containers: [{ name: 'app', image: 'nginx' }] } };
const condition = (ns: Namespace | undefined, type: string) => ns?.status.conditions?.find((c) => c.type === type);

before(async () => {
  cluster = await TestCluster.start();
  await cluster.run([newNamespaceController, newGarbageCollector]);
  namespaces = await cluster.observe(resources.namespaces);
  pods = await cluster.observe(resources.pods);
});
after(() => cluster.stop());

describe('namespace controller', () => {
  test('deleting a namespace removes pods, configmaps, deployments and the rest, then the namespace', async () => {
    const nsObj = await cluster.api(resources.namespaces).create('', { metadata: { name: 'doomed' } } as Namespace);
    await cluster.api(resources.configmaps).create('doomed', { metadata: { name: 'settings' }, data: { a: '1' } } as unknown as ConfigMap);
    await cluster.api(resources.secrets).create('doomed', { metadata: { name: 'token' }, stringData: { t: 'x' } } as never);
    const deployment = await cluster.api(resources.deployments).create('doomed', { metadata: { name: 'web' }, spec: { replicas: 1, selector: { matchLabels: labels }, template } } as unknown as Deployment);
    const rs = await cluster.api(resources.replicasets).create('doomed', {
      metadata: { name: 'web-1', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: deployment.metadata.uid!, controller: true, blockOwnerDeletion: true }] },
      spec: { replicas: 1, selector: { matchLabels: labels }, template },
    } as unknown as ReplicaSet);
    const rsOwner = [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-1', uid: rs.metadata.uid!, controller: true, blockOwnerDeletion: true }];
    // On a node: its deletion is graceful and waits for the kubelet (this test) to finish it.
    const running = await cluster.createPod('doomed', 'web-1-a', labels, { nodeName: 'node-a', ownerReferences: rsOwner });
    await cluster.createPod('doomed', 'pending', { app: 'other' });
    await cluster.api(resources.services).create('doomed', { metadata: { name: 'web' }, spec: { selector: labels, ports: [{ port: 80 }] } } as never);

    await cluster.api(resources.namespaces).delete('', 'doomed');
    const terminating = await cluster.until('the pod terminating', () => pods.get('doomed', 'web-1-a')?.metadata.deletionTimestamp);
    assert.ok(terminating);

    // While the pod takes its grace period the namespace stays, Terminating, saying what is left.
    const waiting = await cluster.until('content remaining condition', () => {
      const ns = namespaces.get('', 'doomed');
      return condition(ns, 'NamespaceContentRemaining')?.status === 'True' ? ns : undefined;
    });
    assert.equal(waiting.status.phase, 'Terminating');
    assert.deepEqual(waiting.spec.finalizers, ['kubernetes']);
    assert.match(condition(waiting, 'NamespaceContentRemaining')!.message!, /pods\. has 1 resource instances/);
    for (const type of [resources.configmaps, resources.secrets, resources.deployments, resources.replicasets, resources.services]) {
      assert.deepEqual((await cluster.api(type).list('doomed')).items.map((o) => o.metadata?.name), [], `${type.plural} deleted`);
    }

    await cluster.finishPodDeletion('doomed', 'web-1-a');
    await cluster.deleted(pods, running);
    await cluster.deleted(namespaces, nsObj);
    await assert.rejects(cluster.api(resources.namespaces).get('', 'doomed'), /not found/);
    for (const type of resourceTypes.filter((t) => t.namespaced)) {
      assert.equal((await cluster.api(type).list('doomed')).items.length, 0, `no ${type.plural} left`);
    }
  });

  test('an object held by a finalizer keeps the namespace until the finalizer is removed', async () => {
    const nsObj = await cluster.api(resources.namespaces).create('', { metadata: { name: 'held' } } as Namespace);
    await cluster.api(resources.configmaps).create('held', { metadata: { name: 'pinned', finalizers: ['example.com/hold'] } } as unknown as ConfigMap);
    await cluster.api(resources.namespaces).delete('', 'held');
    const waiting = await cluster.until('finalizers remaining condition', () => {
      const ns = namespaces.get('', 'held');
      return condition(ns, 'NamespaceFinalizersRemaining')?.status === 'True' ? ns : undefined;
    });
    assert.match(condition(waiting, 'NamespaceFinalizersRemaining')!.message!, /example\.com\/hold in 1 resource instances/);
    const pinned = await cluster.api(resources.configmaps).get('held', 'pinned');
    assert.ok(pinned.metadata.deletionTimestamp, 'marked for deletion, held by its finalizer');

    await cluster.api(resources.configmaps).patch('held', 'pinned', { metadata: { finalizers: null } });
    // Nothing announces the finalizer's removal to the namespace controller: at the latest it looks
    // again after half kube's 15 s estimate for finalizers, plus a second.
    await cluster.deleted(namespaces, nsObj, 20_000);
  });
});
