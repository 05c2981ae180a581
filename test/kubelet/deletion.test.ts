// Pod deletion through the kubelet: a graceful delete marks the pod, the kubelet stops its containers
// (SIGTERM: exit 143), reports their terminated states and then confirms the deletion, after which the
// pod is gone; containers that trap SIGTERM get the grace period (a draining one ends on its own, one
// ignoring TERM is SIGKILLed when it is over); a pod removed from the API without waiting (grace 0) is
// stopped all the same.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { openWatch } from '../helpers/http.ts';
import { containerStatus, eventsAbout, httpGet, podSpec, startCluster, until, type Cluster, type Pod } from './harness.ts';

const NODE = 'kd-1';

describe('kubelet pod deletion', () => {
  let cluster: Cluster;
  before(async () => {
    cluster = await startCluster({ nodeName: NODE, nodeIP: '127.1.4.1', podCIDR: '127.64.4.0/24' });
  });
  after(async () => cluster?.stop());

  const runningPod = async (name: string) => {
    await cluster.pods.create('default', podSpec(name, NODE, {
      containers: [{ name: 'c', image: 'nginx:1.27', ports: [{ containerPort: 8080 }] }, { name: 'side', image: 'busybox:1.36', command: ['sleep', '3600'] }],
    }));
    return until(async () => {
      const p = await cluster.pods.get('default', name);
      return p.status?.phase === 'Running' && p.status.containerStatuses?.every((s) => s.ready) && p;
    }, `${name} running`);
  };

  test('graceful deletion: containers stopped, final status written, then the pod is gone', async () => {
    const pod = await runningPod('graceful');
    const url = `http://${pod.status?.podIP}:8080/`;
    assert.deepEqual(await httpGet(url), { status: 200, body: 'graceful\n' });
    const watch = await openWatch(cluster.apiserver.url, `/api/v1/namespaces/default/pods?watch=1&fieldSelector=metadata.name%3Dgraceful&resourceVersion=${pod.metadata.resourceVersion}`);
    const started = Date.now();
    await cluster.pods.delete('default', 'graceful');
    const events = await watch.until((evs) => evs.some((e) => e.type === 'DELETED'), 15_000);
    assert.ok(Date.now() - started < 10_000, 'gone well within the 30s grace period');
    const marked = events.find((e) => e.type === 'MODIFIED' && e.object.metadata.deletionTimestamp);
    assert.ok(marked, 'first marked for deletion');
    assert.equal(marked.object.metadata.deletionGracePeriodSeconds, 30);
    // Before going, the pod showed its containers terminated by SIGTERM.
    const final = [...events].reverse().find((e) => e.type === 'MODIFIED')!.object as Pod;
    for (const name of ['c', 'side']) {
      const t = containerStatus(final, name)?.state.terminated;
      assert.equal(t?.exitCode, 143, `${name} exit code`);
      assert.equal(t?.reason, 'Error');
    }
    assert.equal(final.status?.phase, 'Failed');
    const deleted = events.find((e) => e.type === 'DELETED')!.object as Pod;
    assert.equal(deleted.metadata.uid, pod.metadata.uid);
    await assert.rejects(cluster.pods.get('default', 'graceful'), /not found/);
    assert.deepEqual(await httpGet(url), { error: 'ECONNREFUSED' });
    const killing = (await eventsAbout(cluster, 'graceful')).filter((e) => e.reason === 'Killing').map((e) => e.message).sort();
    assert.deepEqual(killing, ['Stopping container c', 'Stopping container side']);
  });

  test('the grace period: a container draining on SIGTERM ends on its own, one ignoring it is killed when the period is over', async () => {
    await cluster.pods.create('default', podSpec('draining', NODE, {
      terminationGracePeriodSeconds: 4,
      containers: [
        { name: 'drain', image: 'busybox:1.36', ports: [{ containerPort: 8080 }], command: ['sh', '-c', 'trap "echo draining; sleep 2; exit 0" TERM; sleep 3600'] },
        { name: 'stubborn', image: 'busybox:1.36', command: ['sh', '-c', 'trap "" TERM; sleep 3600'] },
      ],
    }));
    const pod = await until(async () => {
      const p = await cluster.pods.get('default', 'draining');
      return p.status?.phase === 'Running' && p;
    }, 'draining running');
    const url = `http://${pod.status?.podIP}:8080/`;
    const watch = await openWatch(cluster.apiserver.url, `/api/v1/namespaces/default/pods?watch=1&fieldSelector=metadata.name%3Ddraining&resourceVersion=${pod.metadata.resourceVersion}`);
    const started = Date.now();
    await cluster.pods.delete('default', 'draining');
    assert.deepEqual(await httpGet(url), { status: 200, body: 'draining\n' }, 'still serving while it drains');
    const events = await watch.until((evs) => evs.some((e) => e.type === 'DELETED'), 15_000);
    const took = Date.now() - started;
    assert.ok(took >= 4000, `deleted after ${took} ms: not before the 4 s grace period is over`);
    assert.ok(took < 10_000, `deleted after ${took} ms`);
    const marked = events.find((e) => e.type === 'MODIFIED' && e.object.metadata.deletionTimestamp);
    assert.equal(marked?.object.metadata.deletionGracePeriodSeconds, 4);
    const final = events.filter((e) => e.type === 'MODIFIED').at(-1)!.object as Pod;
    const drain = containerStatus(final, 'drain')?.state.terminated;
    const stubborn = containerStatus(final, 'stubborn')?.state.terminated;
    assert.deepEqual([drain?.exitCode, drain?.reason], [0, 'Completed'], 'the drain exited by its trap');
    assert.deepEqual([stubborn?.exitCode, stubborn?.reason], [137, 'Error'], 'SIGKILLed');
    assert.ok(Date.parse(stubborn!.finishedAt!) - Date.parse(drain!.finishedAt!) >= 1000, 'the stubborn one outlived the drain');
  });

  test('a pod deleted with grace 0 is stopped on the node too', async () => {
    const pod = await runningPod('forced');
    const url = `http://${pod.status?.podIP}:8080/`;
    await cluster.pods.delete('default', 'forced', { gracePeriodSeconds: 0 });
    await until(async () => 'error' in (await httpGet(url)), 'port closed after forced deletion');
    await assert.rejects(cluster.pods.get('default', 'forced'), /not found/);
  });
});
