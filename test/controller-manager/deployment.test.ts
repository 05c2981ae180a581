// The Deployment controller with the ReplicaSet controller against a real API server: the first
// ReplicaSet (name, hash label, annotations, owner), its pods, status, conditions and events.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { computeHash } from '../../controller-manager/controllers/deployment/hash.ts';
import { eventsFor, isReady, isTerminating, podsOwnedBy, podTemplate, startCluster, until, type Cluster } from './workloads-harness.ts';

describe('Deployment controller', () => {
  let cluster: Cluster;
  before(async () => {
    cluster = await startCluster({ controllers: ['replicaset', 'deployment'] });
  });
  after(async () => cluster?.stop());

  test('creates one ReplicaSet for the template, and its pods', async () => {
    const d = await cluster.deployments.create('default', {
      metadata: { name: 'web', annotations: { team: 'blue' } },
      spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: podTemplate({ app: 'web' }) },
    } as never);
    const rs = await until(async () => {
      const list = (await cluster.replicaSets.list('default')).items.filter((r) => r.metadata.ownerReferences?.[0]?.uid === d.metadata.uid);
      return list.length === 1 && list[0];
    }, 'a ReplicaSet');
    const hash = rs.metadata.labels?.['pod-template-hash'];
    assert.match(hash ?? '', /^[bcdfghjklmnpqrstvwxz2456789]+$/);
    assert.equal(rs.metadata.name, `web-${hash}`);
    assert.deepEqual(rs.spec.selector.matchLabels, { app: 'web', 'pod-template-hash': hash });
    assert.deepEqual(rs.spec.template.metadata?.labels, { app: 'web', 'pod-template-hash': hash });
    assert.deepEqual(rs.metadata.labels, { app: 'web', 'pod-template-hash': hash });
    assert.deepEqual(rs.metadata.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: d.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    assert.equal(rs.metadata.annotations?.['deployment.kubernetes.io/revision'], '1');
    assert.equal(rs.metadata.annotations?.['deployment.kubernetes.io/desired-replicas'], '3');
    // maxSurge defaults to 25%: ceil(0.75) = 1.
    assert.equal(rs.metadata.annotations?.['deployment.kubernetes.io/max-replicas'], '4');
    assert.equal(rs.metadata.annotations?.team, 'blue', "the Deployment's own annotations are copied");
    assert.equal(rs.spec.replicas, 3);

    const pods = await until(() => { const p = podsOwnedBy(cluster, rs.metadata.uid).filter((x) => !isTerminating(x)); return p.length === 3 && p.every(isReady) && p; }, '3 ready pods');
    for (const p of pods) assert.equal(p.metadata?.labels?.['pod-template-hash'], hash);

    const done = await until(async () => { const cur = await cluster.deployments.get('default', 'web'); return cur.status.availableReplicas === 3 && cur; }, 'available 3');
    assert.equal(done.metadata.annotations?.['deployment.kubernetes.io/revision'], '1');
    assert.equal(done.metadata.annotations?.team, 'blue');
    const s = done.status;
    assert.equal(s.observedGeneration, 1);
    assert.equal(s.replicas, 3);
    assert.equal(s.updatedReplicas, 3);
    assert.equal(s.readyReplicas, 3);
    assert.equal(s.unavailableReplicas, undefined, 'zero is omitted, as Go omits it');
    const available = s.conditions?.find((c) => c.type === 'Available');
    assert.equal(available?.status, 'True');
    assert.equal(available?.reason, 'MinimumReplicasAvailable');
    const progressing = await until(async () => {
      const c = (await cluster.deployments.get('default', 'web')).status.conditions?.find((x) => x.type === 'Progressing');
      return c?.reason === 'NewReplicaSetAvailable' && c;
    }, 'Progressing=NewReplicaSetAvailable');
    assert.equal(progressing.status, 'True');
    assert.equal(progressing.message, `ReplicaSet "${rs.metadata.name}" has successfully progressed.`);
    await cluster.context.recorder.flush();
    const events = await eventsFor(cluster, 'web');
    assert.ok(events.some((e) => e.reason === 'ScalingReplicaSet' && e.message === `Scaled up replica set ${rs.metadata.name} from 0 to 3`), JSON.stringify(events.map((e) => e.message)));
  });

  test('scaling a settled Deployment resizes its one ReplicaSet', async () => {
    await cluster.deployments.create('default', {
      metadata: { name: 'sized' },
      spec: { replicas: 2, selector: { matchLabels: { app: 'sized' } }, template: podTemplate({ app: 'sized' }) },
    } as never);
    await until(async () => (await cluster.deployments.get('default', 'sized')).status.availableReplicas === 2, 'available 2');
    await cluster.deployments.patch('default', 'sized', { spec: { replicas: 5 } });
    const rs = await until(async () => {
      const list = (await cluster.replicaSets.list('default', { labelSelector: 'app=sized' })).items;
      return list.length === 1 && list[0].spec.replicas === 5 && list[0];
    }, 'the ReplicaSet at 5');
    assert.equal(rs.metadata.annotations?.['deployment.kubernetes.io/desired-replicas'], '5');
    assert.equal(rs.metadata.annotations?.['deployment.kubernetes.io/max-replicas'], '7');
    assert.equal(rs.metadata.annotations?.['deployment.kubernetes.io/revision'], '1', 'scaling is not a new revision');
    await until(async () => (await cluster.deployments.get('default', 'sized')).status.availableReplicas === 5, 'available 5');
    await cluster.context.recorder.flush();
    const events = await eventsFor(cluster, 'sized');
    assert.ok(events.some((e) => e.message === `Scaled up replica set ${rs.metadata.name} from 2 to 5`), JSON.stringify(events.map((e) => e.message)));
  });

  test('a ReplicaSet name taken by someone else is a hash collision: collisionCount goes up', async () => {
    // Paused from the start, the Deployment creates no ReplicaSet, so the test can take its name first.
    const d = await cluster.deployments.create('default', {
      metadata: { name: 'collide' },
      spec: { replicas: 1, paused: true, selector: { matchLabels: { app: 'collide' } }, template: podTemplate({ app: 'collide' }) },
    } as never);
    const taken = `collide-${computeHash(d.spec.template, undefined)}`;
    await cluster.replicaSets.create('default', {
      metadata: { name: taken },
      spec: { replicas: 0, selector: { matchLabels: { app: 'squatter' } }, template: podTemplate({ app: 'squatter' }) },
    } as never);
    await cluster.deployments.patch('default', 'collide', { spec: { paused: null } });
    const done = await until(async () => { const cur = await cluster.deployments.get('default', 'collide'); return cur.status.availableReplicas === 1 && cur; }, 'rolled out despite the collision');
    assert.equal(done.status.collisionCount, 1);
    const owned = (await cluster.replicaSets.list('default', { labelSelector: 'app=collide' })).items;
    assert.equal(owned.length, 1);
    assert.equal(owned[0].metadata.name, `collide-${computeHash(d.spec.template, 1)}`);
    assert.notEqual(owned[0].metadata.name, taken);
  });

  test('Available is False while fewer than replicas-maxUnavailable pods are available', async () => {
    cluster.kubelet.options.ready = false;
    try {
      await cluster.deployments.create('default', {
        metadata: { name: 'unready' },
        spec: { replicas: 4, selector: { matchLabels: { app: 'unready' } }, template: podTemplate({ app: 'unready' }) },
      } as never);
      const cond = await until(async () => (await cluster.deployments.get('default', 'unready')).status.conditions?.find((c) => c.type === 'Available'), 'Available condition');
      assert.equal(cond.status, 'False');
      assert.equal(cond.reason, 'MinimumReplicasUnavailable');
      const s = await until(async () => { const st = (await cluster.deployments.get('default', 'unready')).status; return st.unavailableReplicas === 4 && st; }, 'unavailable 4');
      assert.equal(s.availableReplicas, undefined);
    } finally {
      cluster.kubelet.options.ready = true;
    }
    // Pods become ready (one kubelet pass per pod): the condition flips.
    for (const p of cluster.podWatch.list('default').filter((x) => x.metadata?.labels?.app === 'unready')) cluster.kubelet.queue.add(`default/${p.metadata?.name}`);
    await until(async () => (await cluster.deployments.get('default', 'unready')).status.conditions?.find((c) => c.type === 'Available')?.status === 'True', 'Available=True');
  });
});
