// Node lifecycle and taint-based eviction: a node whose kubelet stops renewing its Lease is marked
// Unknown and tainted unreachable within grace period + monitor period; its pods are marked not
// Ready, and evicted once their tolerationSeconds (counted from the taint's timeAdded) run out; a pod
// that tolerates the taint forever stays. When the kubelet is back the taints go and pending evictions
// are cancelled. Ready=False gives the not-ready taints instead; an untolerated NoExecute taint evicts
// at once; a restarted eviction controller recomputes deadlines from timeAdded.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { newNodeLifecycleController } from '../../controller-manager/controllers/node-lifecycle.ts';
import { newTaintEvictionController } from '../../controller-manager/controllers/taint-eviction.ts';
import type { Pod } from '../../shared/api/pod.ts';
import type { Toleration } from '../../shared/api/pod-spec.ts';
import { resources } from '../../shared/api/registry.ts';
import { NodeWorkloadCluster, type RunningControllers } from './node-workload-harness.ts';

const NS = 'lifecycle';
const GRACE_MS = 1500;
const PERIOD_MS = 200;
const TOLERATION_SECONDS = 2;
/** How often the test's kubelets renew their Leases. */
const HEARTBEAT_MS = 300;

let cluster: NodeWorkloadCluster;
let running: RunningControllers;

async function runningPod(name: string, nodeName: string, tolerations?: Toleration[]): Promise<Pod> {
  await cluster.api(resources.pods).create(NS, {
    metadata: { name, labels: { app: name } },
    spec: { containers: [{ name: 'app', image: 'busybox' }], tolerations },
  } as unknown as Pod);
  await cluster.bindPod(NS, name, nodeName);
  return cluster.setPodStatus(NS, name, 'Running');
}

const condition = (node: { status: { conditions?: { type: string }[] } } | undefined, type: string) => node?.status.conditions?.find((c) => c.type === type) as
  { type: string; status: string; reason?: string; message?: string } | undefined;

before(async () => {
  cluster = await NodeWorkloadCluster.start(['--default-unreachable-toleration-seconds', String(TOLERATION_SECONDS), '--default-not-ready-toleration-seconds', String(TOLERATION_SECONDS)]);
  await cluster.api(resources.namespaces).create('', { metadata: { name: NS } } as never);
  running = await cluster.run([newNodeLifecycleController, newTaintEvictionController], { nodeMonitorGracePeriodMs: GRACE_MS, nodeMonitorPeriodMs: PERIOD_MS });
  await Promise.all([cluster.observe(resources.nodes), cluster.observe(resources.pods), cluster.observe(resources.events)]);
});
after(async () => { await cluster?.stop(); });

describe('a node that stops heartbeating', () => {
  let stopDeadHeartbeats: () => void;

  test('a new node is registered; the API server gave its pods the default tolerations', async () => {
    await cluster.createNode('alive');
    cluster.startHeartbeats('alive', HEARTBEAT_MS);
    await cluster.createNode('dead');
    stopDeadHeartbeats = cluster.startHeartbeats('dead', HEARTBEAT_MS);
    const events = await cluster.observe(resources.events);
    const registered = await cluster.until('RegisteredNode for dead', () => events.list().find((e) => e.involvedObject.name === 'dead' && e.reason === 'RegisteredNode'));
    assert.equal(registered.message, 'Node dead event: Registered Node dead in Controller');
    assert.equal(registered.involvedObject.kind, 'Node');

    const pod = await runningPod('default-tol', 'dead');
    assert.deepEqual(pod.spec.tolerations?.find((t) => t.key === 'node.kubernetes.io/unreachable'), { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: TOLERATION_SECONDS });
    await runningPod('forever', 'dead', [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' }]);
    await runningPod('long', 'dead', [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 3600 }]);
    await runningPod('elsewhere', 'alive');
  });

  test('is marked Unknown and tainted unreachable within grace period + monitor period', async () => {
    stopDeadHeartbeats();
    const lastRenew = Date.now();
    const nodes = await cluster.observe(resources.nodes);
    const unknown = await cluster.until('dead Ready=Unknown', () => {
      const node = nodes.get('', 'dead');
      return condition(node, 'Ready')?.status === 'Unknown' ? node : undefined;
    });
    const elapsed = Date.now() - lastRenew;
    // The last renewal was up to one heartbeat before the test stopped them.
    assert.ok(elapsed >= GRACE_MS - HEARTBEAT_MS, `marked after ${elapsed}ms, before the grace period`);
    assert.ok(elapsed <= GRACE_MS + PERIOD_MS + 1500, `marked after ${elapsed}ms`);
    const ready = condition(unknown, 'Ready')!;
    assert.equal(ready.reason, 'NodeStatusUnknown');
    assert.equal(ready.message, 'Kubelet stopped posting node status.');
    assert.equal(condition(unknown, 'MemoryPressure')?.status, 'Unknown');
    assert.equal(condition(unknown, 'DiskPressure')?.reason, 'NodeStatusNeverUpdated');
    assert.equal(condition(unknown, 'PIDPressure')?.message, 'Kubelet never posted node status.');

    const tainted = await cluster.until('unreachable taints on dead', () => {
      const node = nodes.get('', 'dead');
      return node?.spec.taints?.some((t) => t.key === 'node.kubernetes.io/unreachable' && t.effect === 'NoExecute') ? node : undefined;
    });
    const taints = tainted.spec.taints!.filter((t) => t.key === 'node.kubernetes.io/unreachable');
    assert.deepEqual(taints.map((t) => t.effect).sort(), ['NoExecute', 'NoSchedule']);
    for (const t of taints) assert.ok(t.timeAdded, 'taints carry timeAdded');
    assert.ok(Date.now() - lastRenew <= GRACE_MS + PERIOD_MS + 2000, 'tainted within grace + period');

    const alive = nodes.get('', 'alive')!;
    assert.equal(condition(alive, 'Ready')?.status, 'True', 'a node that keeps renewing its Lease stays Ready');
    assert.equal(alive.spec.taints, undefined);
  });

  test('NodeNotReady is recorded and the node\'s pods stop being Ready', async () => {
    const events = await cluster.observe(resources.events);
    const pods = await cluster.observe(resources.pods);
    const notReady = await cluster.until('NodeNotReady for dead', () => events.list().find((e) => e.involvedObject.name === 'dead' && e.reason === 'NodeNotReady'));
    assert.equal(notReady.message, 'Node dead status is now: NodeNotReady');
    await cluster.until('pods on dead not Ready', () => {
      const onDead = pods.list().filter((p) => p.spec.nodeName === 'dead');
      return onDead.length === 3 && onDead.every((p) => condition(p, 'Ready')?.status === 'False') ? true : undefined;
    });
    assert.equal(condition(pods.get(NS, 'elsewhere'), 'Ready')?.status, 'True');
    await cluster.until('NodeNotReady event on a pod', () => events.list().find((e) => e.involvedObject.name === 'forever' && e.reason === 'NodeNotReady' && e.type === 'Warning'));
  });

  test('a pod is evicted when its tolerationSeconds run out; one tolerating forever stays', async () => {
    const pods = await cluster.observe(resources.pods);
    const nodes = await cluster.observe(resources.nodes);
    const evicted = await cluster.until('default-tol evicted', () => {
      const p = pods.get(NS, 'default-tol');
      return p?.metadata.deletionTimestamp ? p : undefined;
    }, 10_000);
    const taint = nodes.get('', 'dead')!.spec.taints!.find((t) => t.key === 'node.kubernetes.io/unreachable' && t.effect === 'NoExecute')!;
    const waited = Date.now() - Date.parse(taint.timeAdded!);
    // timeAdded is whole seconds: it may be up to 1s earlier than the taint really went on.
    assert.ok(waited >= TOLERATION_SECONDS * 1000 - 50, `evicted ${waited}ms after the taint`);
    assert.ok(waited <= TOLERATION_SECONDS * 1000 + 2500, `evicted ${waited}ms after the taint`);
    assert.equal(condition(evicted, 'DisruptionTarget')?.reason, 'DeletionByTaintManager');
    const events = await cluster.observe(resources.events);
    const e = await cluster.until('TaintManagerEviction', () => events.list().find((ev) => ev.involvedObject.name === 'default-tol' && ev.reason === 'TaintManagerEviction'));
    assert.equal(e.message, `Marking for deletion Pod ${NS}/default-tol`);
    assert.equal(pods.get(NS, 'forever')?.metadata.deletionTimestamp, undefined);
    assert.equal(pods.get(NS, 'long')?.metadata.deletionTimestamp, undefined);
  });

  test('when the kubelet is back the node is Ready, untainted, and pending evictions are cancelled', async () => {
    cluster.startHeartbeats('dead', HEARTBEAT_MS);
    await cluster.renewLease('dead');
    await cluster.postNodeReady('dead', 'True');
    const nodes = await cluster.observe(resources.nodes);
    await cluster.until('dead untainted', () => {
      const node = nodes.get('', 'dead');
      return condition(node, 'Ready')?.status === 'True' && !node?.spec.taints?.length ? true : undefined;
    });
    const events = await cluster.observe(resources.events);
    const cancelled = await cluster.until('eviction of long cancelled', () => events.list().find((e) => e.involvedObject.name === 'long' && e.reason === 'TaintManagerEviction'));
    assert.equal(cancelled.message, `Cancelling deletion of Pod ${NS}/long`);
    assert.equal((await cluster.observe(resources.pods)).get(NS, 'long')?.metadata.deletionTimestamp, undefined);
  });
});

describe('other taints', () => {
  test('Ready=False from the kubelet gives the not-ready taints, removed once Ready again', async () => {
    const nodes = await cluster.observe(resources.nodes);
    await cluster.postNodeReady('alive', 'False');
    const node = await cluster.until('not-ready taints', () => {
      const n = nodes.get('', 'alive');
      return n?.spec.taints?.filter((t) => t.key === 'node.kubernetes.io/not-ready').length === 2 ? n : undefined;
    });
    assert.ok(!node.spec.taints!.some((t) => t.key === 'node.kubernetes.io/unreachable'));
    await cluster.postNodeReady('alive', 'True');
    await cluster.until('not-ready taints removed', () => (nodes.get('', 'alive')?.spec.taints?.length ? undefined : true));
  });

  test('a NoExecute taint a pod does not tolerate evicts it at once', async () => {
    await runningPod('intolerant', 'alive');
    const started = Date.now();
    await cluster.api(resources.nodes).patch('', 'alive', { spec: { taints: [{ key: 'example.com/maintenance', effect: 'NoExecute' }] } }, 'merge');
    const pods = await cluster.observe(resources.pods);
    await cluster.until('intolerant evicted', () => (pods.get(NS, 'intolerant')?.metadata.deletionTimestamp ? true : undefined));
    assert.ok(Date.now() - started < 2000);
    await cluster.api(resources.nodes).patch('', 'alive', { spec: { taints: null } }, 'merge');
  });

  test('a restarted eviction controller counts tolerationSeconds from the taint\'s timeAdded', async () => {
    await running.stop();
    const pod = await runningPod('drained', 'alive', [{ key: 'example.com/drain', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 2 }]);
    await cluster.api(resources.nodes).patch('', 'alive', { spec: { taints: [{ key: 'example.com/drain', effect: 'NoExecute', timeAdded: pod.metadata.creationTimestamp }] } }, 'merge');
    // The toleration runs out while no eviction controller is running.
    await new Promise((r) => setTimeout(r, 2200));
    const started = Date.now();
    await cluster.run([newTaintEvictionController]);
    const pods = await cluster.observe(resources.pods);
    await cluster.until('drained evicted', () => (pods.get(NS, 'drained')?.metadata.deletionTimestamp ? true : undefined));
    assert.ok(Date.now() - started < 1500, 'evicted at once: the deadline counts from timeAdded, not from the restart');
  });
});
