// Recreate: every old pod is gone (terminating ones included) before the first new pod exists.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isReady, podTemplate, startCluster, until, type Cluster } from './workloads-harness.ts';

describe('Deployment Recreate', () => {
  let cluster: Cluster;
  before(async () => {
    cluster = await startCluster({ controllers: ['replicaset', 'deployment'] });
  });
  after(async () => cluster?.stop());

  test('kills all old pods before creating new ones', async () => {
    await cluster.deployments.create('default', {
      metadata: { name: 'recreate' },
      spec: { replicas: 3, strategy: { type: 'Recreate' }, selector: { matchLabels: { app: 'recreate' } }, template: podTemplate({ app: 'recreate' }, 'nginx:1.27') },
    } as never);
    await until(async () => (await cluster.deployments.get('default', 'recreate')).status.availableReplicas === 3, '3 available');
    const pods = () => cluster.podWatch.list('default').filter((p) => p.metadata?.labels?.app === 'recreate');
    let mixed = 0;
    let sawNone = false;
    const check = () => {
      // Terminating pods count: they may still be running.
      const hashes = new Set(pods().map((p) => p.metadata?.labels?.['pod-template-hash']));
      if (hashes.size > 1) mixed++;
      if (hashes.size === 0) sawNone = true;
    };
    cluster.podWatch.addEventHandler({ onAdd: check, onUpdate: check, onDelete: check });
    await cluster.deployments.patch('default', 'recreate', { spec: { template: { spec: { containers: [{ name: 'web', image: 'nginx:1.28' }] } } } }, 'strategic');
    await until(async () => {
      const d = await cluster.deployments.get('default', 'recreate');
      return d.status.observedGeneration === d.metadata.generation && d.status.updatedReplicas === 3 && d.status.availableReplicas === 3 && d.status.replicas === 3;
    }, 'rollout complete', 60_000);
    assert.equal(mixed, 0, 'old and new pods never existed together');
    assert.ok(sawNone, 'there was a moment with no pods at all');
    const now = pods();
    assert.equal(now.length, 3);
    assert.ok(now.every((p) => p.spec?.containers[0].image === 'nginx:1.28' && isReady(p)));
    const rsList = (await cluster.replicaSets.list('default', { labelSelector: 'app=recreate' })).items;
    assert.deepEqual(rsList.map((rs) => [rs.metadata.annotations?.['deployment.kubernetes.io/revision'], rs.spec.replicas]).sort(), [['1', 0], ['2', 3]]);
    // Recreate has no surge: max-replicas equals replicas.
    assert.ok(rsList.every((rs) => rs.metadata.annotations?.['deployment.kubernetes.io/max-replicas'] === '3'));
  });
});
