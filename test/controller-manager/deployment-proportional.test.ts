// Resizing a Deployment in the middle of a rollout shares the new size out among its ReplicaSets in
// proportion to their sizes (kube's proportional scaling), never above replicas+maxSurge in total.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ReplicaSet } from '../../shared/api/apps.ts';
import { podTemplate, startCluster, until, type Cluster } from './workloads-harness.ts';

describe('Deployment proportional scaling', () => {
  let cluster: Cluster;
  before(async () => {
    cluster = await startCluster({ controllers: ['replicaset', 'deployment'] });
  });
  after(async () => cluster?.stop());

  const sizes = async () => {
    const list = (await cluster.replicaSets.list('default', { labelSelector: 'app=prop' })).items;
    const rev = (rs: ReplicaSet) => rs.metadata.annotations?.['deployment.kubernetes.io/revision'];
    return { old: list.find((rs) => rev(rs) === '1'), cur: list.find((rs) => rev(rs) === '2') };
  };

  test('a stuck rollout scaled from 10 to 20 grows both ReplicaSets in proportion', async () => {
    await cluster.deployments.create('default', {
      metadata: { name: 'prop' },
      spec: {
        replicas: 10, selector: { matchLabels: { app: 'prop' } }, template: podTemplate({ app: 'prop' }, 'nginx:1.27'),
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 3, maxUnavailable: 2 } },
      },
    } as never);
    await until(async () => (await cluster.deployments.get('default', 'prop')).status.availableReplicas === 10, '10 available', 30_000);
    // New pods never become ready: the rollout goes as far as maxSurge/maxUnavailable allow and stops.
    cluster.kubelet.options.ready = false;
    await cluster.deployments.patch('default', 'prop', { spec: { template: { spec: { containers: [{ name: 'web', image: 'nginx:bad' }] } } } }, 'strategic');
    // 13 allowed in total; 8 must stay available: old 10 -> 8, new 0 -> 3 -> 5.
    const stuck = await until(async () => {
      const s = await sizes();
      return s.old?.spec.replicas === 8 && s.cur?.spec.replicas === 5 && s.cur.status.replicas === 5 && s.old.status.replicas === 8 && s;
    }, 'old 8, new 5', 30_000);
    assert.equal(stuck.old!.metadata.annotations?.['deployment.kubernetes.io/max-replicas'], '13');

    await cluster.deployments.patch('default', 'prop', { spec: { replicas: 20 } });
    // 23 allowed: 10 more, shared 8:5 of 13 -> old +6 (round(8*23/13) = 14), new +4 (round(5*23/13) = 9).
    const scaled = await until(async () => {
      const s = await sizes();
      return s.old?.spec.replicas === 14 && s.cur?.spec.replicas === 9 && s;
    }, 'old 14, new 9', 30_000);
    for (const rs of [scaled.old!, scaled.cur!]) {
      assert.equal(rs.metadata.annotations?.['deployment.kubernetes.io/desired-replicas'], '20');
      assert.equal(rs.metadata.annotations?.['deployment.kubernetes.io/max-replicas'], '23');
    }
    await until(async () => { const s = await sizes(); return s.old?.status.replicas === 14 && s.cur?.status.replicas === 9; }, 'pods follow');
    const live = cluster.podWatch.list('default').filter((p) => p.metadata?.labels?.app === 'prop' && !p.metadata?.deletionTimestamp);
    assert.ok(live.length <= 23, `${live.length} live pods`);

    // Let the new pods become ready: the rollout finishes at 20 on the new ReplicaSet.
    cluster.kubelet.options.ready = true;
    for (const p of cluster.podWatch.list('default').filter((x) => x.metadata?.labels?.app === 'prop')) cluster.kubelet.queue.add(`default/${p.metadata?.name}`);
    await until(async () => {
      const s = await sizes();
      return s.old?.spec.replicas === 0 && s.cur?.spec.replicas === 20 && s.cur.status.availableReplicas === 20;
    }, 'rollout done at 20', 60_000);
  });
});
