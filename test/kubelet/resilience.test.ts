// The kubelet without its API server: pods keep running (and restarting) while it is away, and what
// happened meanwhile reaches the API once it is back (informers relist, status writes retry). A
// restarted kubelet picks its pods up again: same IP, restart counts carried on.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { containerStatus, httpGet, podSpec, startCluster, startKubelet, until, type Cluster } from './harness.ts';

const NODE = 'kz-1';

describe('kubelet resilience', () => {
  let cluster: Cluster;
  before(async () => {
    cluster = await startCluster({ nodeName: NODE, nodeIP: '127.1.7.1', podCIDR: '127.64.7.0/24', args: ['--container-restart-backoff', '500ms', '--container-restart-backoff-max', '1s', '--node-status-update-frequency', '1s'] });
  });
  after(async () => cluster?.stop());

  const pod = (name: string) => cluster.pods.get('default', name);

  test('pods keep running while the API server is away, and their status catches up after', async () => {
    await cluster.pods.create('default', podSpec('steady', NODE, { containers: [{ name: 'web', image: 'nginx:1.27', ports: [{ containerPort: 8080 }] }] }));
    await cluster.pods.create('default', podSpec('flappy', NODE, { containers: [{ name: 'c', image: 'busybox:1.36', command: ['sh', '-c', 'sleep 0.2; exit 1'] }] }));
    const steady = await until(async () => {
      const p = await pod('steady');
      return p.status?.phase === 'Running' && p;
    }, 'steady running');
    const flappy = await until(async () => {
      const p = await pod('flappy');
      return (containerStatus(p, 'c')?.restartCount ?? 0) >= 1 && p;
    }, 'flappy restarting');
    const countBefore = containerStatus(flappy, 'c')!.restartCount;

    await cluster.apiserver.stop();
    // Away for a few crash loops: the pod on the node still answers.
    await new Promise((r) => setTimeout(r, 4000));
    assert.deepEqual(await httpGet(`http://${steady.status?.podIP}:8080/`), { status: 200, body: 'steady\n' });
    cluster.apiserver = await cluster.apiserver.restart();

    const caughtUp = await until(async () => {
      const p = await pod('flappy');
      return (containerStatus(p, 'c')?.restartCount ?? 0) >= countBefore + 3 && p;
    }, 'restarts made while away reported', 30_000);
    assert.ok(containerStatus(caughtUp, 'c')!.restartCount > countBefore);
    // And the kubelet watches again: a new pod runs.
    await cluster.pods.create('default', podSpec('after', NODE, { containers: [{ name: 'c', image: 'busybox:1.36', command: ['sleep', '3600'] }] }));
    await until(async () => (await pod('after')).status?.phase === 'Running', 'a pod created after the outage runs', 30_000);
  });

  test('a restarted kubelet takes its pods back: same IP, restart count carried on', async () => {
    const before = await until(async () => {
      const p = await pod('steady');
      return p.status?.phase === 'Running' && p;
    }, 'steady running');
    await cluster.kubelet.kill();
    cluster.kubelet = await startKubelet(cluster.apiserver.url, ['--hostname-override', NODE, '--node-ip', '127.1.7.1']);
    const after = await until(async () => {
      const p = await pod('steady');
      const cs = containerStatus(p, 'web');
      return cs?.state.running && cs.restartCount === 1 && p;
    }, 'steady running again after the kubelet restart');
    assert.equal(after.status?.podIP, before.status?.podIP);
    assert.equal(containerStatus(after, 'web')?.lastState.terminated?.exitCode, 255);
    assert.equal(containerStatus(after, 'web')?.lastState.terminated?.reason, 'Unknown');
    assert.deepEqual(await until(async () => {
      const r = await httpGet(`http://${after.status?.podIP}:8080/`);
      return 'status' in r && r;
    }, 'port answering again'), { status: 200, body: 'steady\n' });
  });
});
