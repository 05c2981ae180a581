// Pausing stops rollouts (the template change is observed, nothing rolls) and shows DeploymentPaused;
// resuming rolls. revisionHistoryLimit deletes the oldest idle ReplicaSets.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { podTemplate, startCluster, until, type Cluster } from './workloads-harness.ts';

describe('Deployment pause, resume and history', () => {
  let cluster: Cluster;
  before(async () => {
    cluster = await startCluster({ controllers: ['replicaset', 'deployment'] });
  });
  after(async () => cluster?.stop());

  const setImage = (name: string, image: string) =>
    cluster.deployments.patch('default', name, { spec: { template: { spec: { containers: [{ name: 'web', image }] } } } }, 'strategic');

  async function complete(name: string, replicas: number) {
    return until(async () => {
      const d = await cluster.deployments.get('default', name);
      const s = d.status;
      return s.observedGeneration === d.metadata.generation && s.updatedReplicas === replicas && s.replicas === replicas && s.availableReplicas === replicas && d;
    }, `${name} complete`, 60_000);
  }

  test('a paused Deployment does not roll out; resuming does', async () => {
    await cluster.deployments.create('default', {
      metadata: { name: 'paused' },
      spec: { replicas: 2, selector: { matchLabels: { app: 'paused' } }, template: podTemplate({ app: 'paused' }, 'nginx:1.27') },
    } as never);
    await complete('paused', 2);
    await cluster.deployments.patch('default', 'paused', { spec: { paused: true } });
    const cond = await until(async () => {
      const c = (await cluster.deployments.get('default', 'paused')).status.conditions?.find((x) => x.type === 'Progressing');
      return c?.reason === 'DeploymentPaused' && c;
    }, 'DeploymentPaused');
    assert.equal(cond.status, 'Unknown');
    assert.equal(cond.message, 'Deployment is paused');
    await setImage('paused', 'nginx:1.28');
    const seen = await until(async () => { const d = await cluster.deployments.get('default', 'paused'); return d.status.observedGeneration === d.metadata.generation && d; }, 'the change observed');
    // Scaling still works while paused.
    await cluster.deployments.patch('default', 'paused', { spec: { replicas: 3 } });
    await until(async () => (await cluster.deployments.get('default', 'paused')).status.availableReplicas === 3, 'scaled to 3 while paused');
    const rsList = (await cluster.replicaSets.list('default', { labelSelector: 'app=paused' })).items;
    assert.equal(rsList.length, 1, 'no new ReplicaSet while paused');
    assert.equal(rsList[0].spec.template.spec.containers[0].image, 'nginx:1.27');
    assert.equal(seen.metadata.annotations?.['deployment.kubernetes.io/revision'], '1');

    await cluster.deployments.patch('default', 'paused', { spec: { paused: null } });
    const done = await complete('paused', 3);
    assert.equal(done.metadata.annotations?.['deployment.kubernetes.io/revision'], '2');
    const pods = await until(() => {
      const p = cluster.podWatch.list('default').filter((x) => x.metadata?.labels?.app === 'paused');
      return p.length === 3 && p.every((x) => x.spec?.containers[0].image === 'nginx:1.28') && p;
    }, 'only new pods');
    assert.equal(pods.length, 3);
    const progressing = await until(async () => {
      const c = (await cluster.deployments.get('default', 'paused')).status.conditions?.find((x) => x.type === 'Progressing');
      return c?.reason === 'NewReplicaSetAvailable' && c;
    }, 'NewReplicaSetAvailable after resume');
    assert.equal(progressing.status, 'True');
  });

  test('revisionHistoryLimit keeps that many old ReplicaSets', async () => {
    await cluster.deployments.create('default', {
      metadata: { name: 'history' },
      spec: { replicas: 1, revisionHistoryLimit: 1, selector: { matchLabels: { app: 'history' } }, template: podTemplate({ app: 'history' }, 'nginx:1.25') },
    } as never);
    await complete('history', 1);
    for (const image of ['nginx:1.26', 'nginx:1.27', 'nginx:1.28']) {
      await setImage('history', image);
      await complete('history', 1);
    }
    const rsList = await until(async () => {
      const list = (await cluster.replicaSets.list('default', { labelSelector: 'app=history' })).items;
      return list.length === 2 && list;
    }, 'two ReplicaSets left', 30_000);
    const revisions = rsList.map((rs) => rs.metadata.annotations?.['deployment.kubernetes.io/revision']).sort();
    assert.deepEqual(revisions, ['3', '4']);
    const current = rsList.find((rs) => rs.metadata.annotations?.['deployment.kubernetes.io/revision'] === '4')!;
    assert.equal(current.spec.template.spec.containers[0].image, 'nginx:1.28');
    assert.equal(current.spec.replicas, 1);
  });
});
