// The real kubectl's rollout commands against our server and controllers: rollout status (waiting,
// success, and the progress deadline), set image, rollout history, rollout undo (done client-side by
// kubectl 1.32: it patches the Deployment's template from the previous revision's ReplicaSet), and
// rollout pause/resume.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { kubectlFor, kubectlMissing, type Kubectl } from '../helpers/kubectl.ts';
import { podTemplate, startCluster, until, type Cluster } from './workloads-harness.ts';

describe('kubectl rollout against the Deployment controller', { skip: kubectlMissing }, () => {
  let cluster: Cluster;
  let kubectl: Kubectl;
  before(async () => {
    cluster = await startCluster({ controllers: ['replicaset', 'deployment'] });
    kubectl = kubectlFor(cluster.server.url);
  });
  after(async () => cluster?.stop());

  const revisionOf = async (name: string) => (await cluster.deployments.get('default', name)).metadata.annotations?.['deployment.kubernetes.io/revision'];

  test('rollout status, set image, history, undo', async () => {
    await kubectl.run('create', 'deployment', 'web', '--image=nginx:1.27', '--replicas=3');
    const first = await kubectl.run('rollout', 'status', 'deployment/web', '--timeout=60s');
    assert.match(first, /deployment "web" successfully rolled out/);
    assert.equal((await cluster.deployments.get('default', 'web')).status.availableReplicas, 3);

    await kubectl.run('set', 'image', 'deployment/web', 'nginx=nginx:1.28');
    const second = await kubectl.run('rollout', 'status', 'deployment/web', '--timeout=60s');
    assert.match(second, /deployment "web" successfully rolled out/);
    const rolled = await cluster.deployments.get('default', 'web');
    assert.equal(rolled.spec.template.spec.containers[0].image, 'nginx:1.28');
    assert.equal(rolled.status.updatedReplicas, 3);
    assert.equal(await revisionOf('web'), '2');

    const history = await kubectl.run('rollout', 'history', 'deployment/web');
    assert.match(history, /REVISION\s+CHANGE-CAUSE/);
    assert.match(history, /^1\s+<none>$/m);
    assert.match(history, /^2\s+<none>$/m);
    const rev1 = await kubectl.run('rollout', 'history', 'deployment/web', '--revision=1');
    assert.match(rev1, /Image:\s+nginx:1\.27/);

    const undo = await kubectl.run('rollout', 'undo', 'deployment/web');
    assert.match(undo, /deployment\.apps\/web rolled back/);
    const third = await kubectl.run('rollout', 'status', 'deployment/web', '--timeout=60s');
    assert.match(third, /successfully rolled out/);
    const back = await cluster.deployments.get('default', 'web');
    assert.equal(back.spec.template.spec.containers[0].image, 'nginx:1.27');
    assert.equal(back.spec.template.metadata?.labels?.['pod-template-hash'], undefined, 'kubectl strips the hash label');
    // The revision-1 ReplicaSet is reused (no third ReplicaSet) and becomes revision 3.
    await until(async () => (await revisionOf('web')) === '3', 'revision 3 on the Deployment');
    const rsList = (await cluster.replicaSets.list('default', { labelSelector: 'app=web' })).items;
    assert.equal(rsList.length, 2);
    const reused = rsList.find((rs) => rs.spec.template.spec.containers[0].image === 'nginx:1.27')!;
    assert.equal(reused.metadata.annotations?.['deployment.kubernetes.io/revision'], '3');
    assert.equal(reused.metadata.annotations?.['deployment.kubernetes.io/revision-history'], '1');
    assert.equal(reused.spec.replicas, 3);
    await until(() => {
      const pods = cluster.podWatch.list('default').filter((p) => p.metadata?.labels?.app === 'web');
      return pods.length === 3 && pods.every((p) => p.spec?.containers[0].image === 'nginx:1.27');
    }, 'pods back on 1.27');
    const afterUndo = await kubectl.run('rollout', 'history', 'deployment/web');
    assert.match(afterUndo, /^2\s+<none>$/m);
    assert.match(afterUndo, /^3\s+<none>$/m);
    assert.doesNotMatch(afterUndo, /^1\s/m);
  });

  test('rollout pause and resume', async () => {
    await kubectl.run('create', 'deployment', 'pausable', '--image=nginx:1.27', '--replicas=2');
    await kubectl.run('rollout', 'status', 'deployment/pausable', '--timeout=60s');
    // Two revisions, so that undo has somewhere to go back to.
    await kubectl.run('set', 'image', 'deployment/pausable', 'nginx=nginx:1.28');
    await kubectl.run('rollout', 'status', 'deployment/pausable', '--timeout=60s');
    assert.match(await kubectl.run('rollout', 'pause', 'deployment/pausable'), /deployment\.apps\/pausable paused/);
    await kubectl.run('set', 'image', 'deployment/pausable', 'nginx=nginx:1.29');
    await until(async () => (await cluster.deployments.get('default', 'pausable')).status.conditions?.some((c) => c.reason === 'DeploymentPaused'), 'DeploymentPaused');
    const undoPaused = await kubectl.tryRun('rollout', 'undo', 'deployment/pausable');
    assert.notEqual(undoPaused.code, 0);
    assert.match(undoPaused.stderr, /you cannot rollback a paused deployment/);
    assert.equal((await cluster.replicaSets.list('default', { labelSelector: 'app=pausable' })).items.length, 2, 'no new ReplicaSet while paused');
    assert.match(await kubectl.run('rollout', 'resume', 'deployment/pausable'), /deployment\.apps\/pausable resumed/);
    assert.match(await kubectl.run('rollout', 'status', 'deployment/pausable', '--timeout=60s'), /successfully rolled out/);
    assert.equal(await revisionOf('pausable'), '3');
    const pods = cluster.podWatch.list('default').filter((p) => p.metadata?.labels?.app === 'pausable' && !p.metadata?.deletionTimestamp);
    assert.ok(pods.every((p) => p.spec?.containers[0].image === 'nginx:1.29'));
  });

  test('rollout status fails once the progress deadline is exceeded', async () => {
    cluster.kubelet.options.ready = false;
    try {
      await cluster.deployments.create('default', {
        metadata: { name: 'stuck' },
        spec: { replicas: 1, progressDeadlineSeconds: 2, selector: { matchLabels: { app: 'stuck' } }, template: podTemplate({ app: 'stuck' }) },
      } as never);
      const result = await kubectl.tryRun('rollout', 'status', 'deployment/stuck', '--timeout=60s');
      assert.notEqual(result.code, 0);
      assert.match(result.stderr, /deployment "stuck" exceeded its progress deadline/);
      const cond = (await cluster.deployments.get('default', 'stuck')).status.conditions?.find((c) => c.type === 'Progressing');
      assert.equal(cond?.status, 'False');
      assert.equal(cond?.reason, 'ProgressDeadlineExceeded');
    } finally {
      cluster.kubelet.options.ready = true;
    }
  });
});
