// Binding: a successful bind records kube's Scheduled event; a bind that loses to someone else's
// (409: already assigned) leaves the pod where the winner put it, not retried, not marked
// unschedulable, and the scheduler's cache follows the pod to the winner's node; two schedulers
// racing over the same pods bind each exactly once between them.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiClient, type RequestOptions } from '../../shared/client/api-client.ts';
import { eventsFor, eventually, isBound, nodeObject, podObject, resetCluster, runScheduler, startCluster, waitForAllBound, waitForPod, type TestCluster } from './fixtures.ts';

let cluster: TestCluster;
before(async () => { cluster = await startCluster(); });
after(async () => { await cluster.cleanup(); });

test('a bound pod gets a Scheduled event', async () => {
  await resetCluster(cluster);
  await cluster.nodes.create('', nodeObject('only'));
  await cluster.pods.create('default', podObject('web'));
  const running = runScheduler(cluster);
  try {
    const pod = await waitForPod(cluster, 'default', 'web', isBound);
    await running.scheduler.recorder.flush();
    const scheduled = (await eventsFor(cluster, 'default', 'web')).filter((e) => e.reason === 'Scheduled');
    assert.equal(scheduled.length, 1);
    assert.equal(scheduled[0].type, 'Normal');
    assert.equal(scheduled[0].message, 'Successfully assigned default/web to only');
    assert.equal(scheduled[0].involvedObject.uid, pod.metadata.uid);
    assert.equal(scheduled[0].source?.component, 'default-scheduler');
    assert.equal(pod.status.conditions?.find((c) => c.type === 'PodScheduled')?.status, 'True');
  } finally {
    await running.stop();
  }
});

/** A client on which another party binds the pod to `winner` just before this client's own bind. */
class OutracedClient extends ApiClient {
  constructor(server: string, private readonly winner: string) {
    super({ servers: [server] });
  }

  override async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    if (method === 'POST' && path.endsWith('/binding')) {
      const body = options.body as { metadata: { name: string } };
      await super.request('POST', path, { body: { metadata: { name: body.metadata.name }, target: { kind: 'Node', name: this.winner } } });
    }
    return super.request<T>(method, path, options);
  }
}

test('a bind that loses the race (409 already assigned) is handled', async () => {
  await resetCluster(cluster);
  await cluster.nodes.create('', nodeObject('mine'));
  await cluster.nodes.create('', nodeObject('theirs', { labels: { disk: 'hdd' } }));
  // The pod only fits `mine` for this scheduler; someone else puts it on `theirs` first.
  await cluster.pods.create('default', podObject('contested', { cpu: '1', spec: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'disk', operator: 'DoesNotExist' }] }] } } } } as never }));
  const running = runScheduler(cluster, {}, new OutracedClient(cluster.server.url, 'theirs'));
  const { scheduler } = running;
  try {
    const pod = await waitForPod(cluster, 'default', 'contested', isBound);
    assert.equal(pod.spec.nodeName, 'theirs');
    await eventually(() => scheduler.stats.bindFailures === 1, 5_000, 'the failed bind');
    // The cache forgets its assumption and follows the watch to the real node.
    await eventually(() => scheduler.cache.nodeOf('default/contested') === 'theirs', 5_000, 'the cache to follow the pod');
    assert.equal(scheduler.cache.isAssumed('default/contested'), false);
    assert.equal(scheduler.cache.nodeInfo('mine')!.requested.milliCpu, 0);
    assert.equal(scheduler.cache.nodeInfo('theirs')!.requested.milliCpu, 1000);
    assert.equal(scheduler.queue.has('default/contested'), false);
    await scheduler.recorder.flush();
    const failed = (await eventsFor(cluster, 'default', 'contested')).filter((e) => e.reason === 'FailedScheduling');
    assert.equal(failed.length, 1);
    assert.match(failed[0].message!, /^running Bind plugin "DefaultBinder": .*already assigned to node "theirs"/);
    const current = await cluster.pods.get('default', 'contested');
    assert.equal(current.status.conditions?.find((c) => c.type === 'PodScheduled')?.status, 'True');
    assert.equal(scheduler.stats.attempts, 1);
  } finally {
    await running.stop();
  }
});

test('two schedulers racing over the same pods bind each once', async () => {
  await resetCluster(cluster);
  for (let i = 0; i < 5; i++) await cluster.nodes.create('', nodeObject(`n${i}`));
  for (let i = 0; i < 60; i += 20) await Promise.all(Array.from({ length: 20 }, (_, j) => cluster.pods.create('default', podObject(`race-${i + j}`, { cpu: '100m', owner: 'race' }))));
  const a = runScheduler(cluster);
  const b = runScheduler(cluster);
  try {
    const pods = await waitForAllBound(cluster, 'default', 60);
    // The watch can show a bind before its scheduler has read the binding's response.
    await eventually(() => a.scheduler.stats.scheduled + b.scheduler.stats.scheduled === 60, 5_000, 'the two schedulers to count 60 binds');
    for (const s of [a.scheduler, b.scheduler]) {
      // Every loss was recognized as such: nothing left assumed, queued or marked unschedulable.
      await eventually(() => s.cache.podCount === 60 && [...Array(60).keys()].every((i) => !s.cache.isAssumed(`default/race-${i}`)), 5_000, 'caches to settle');
      for (const p of pods) assert.equal(s.cache.nodeOf(`default/${p.metadata.name}`), p.spec.nodeName);
      assert.equal(s.queue.lengths.active + s.queue.lengths.backoff + s.queue.lengths.unschedulable, 0);
    }
    for (const p of (await cluster.pods.list('default')).items) {
      assert.equal(p.status.conditions?.find((c) => c.type === 'PodScheduled')?.status, 'True', p.metadata.name);
    }
  } finally {
    await a.stop();
    await b.stop();
  }
});
