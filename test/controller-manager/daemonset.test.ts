// The DaemonSet controller: one pod per eligible node (nodeSelector, taints), pinned to its node by
// node affinity for the scheduler to bind; pods follow nodes being added, relabelled and deleted;
// status counts what runs where; RollingUpdate replaces pods within maxUnavailable; OnDelete only
// replaces the pods somebody deletes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { newDaemonSetController } from '../../controller-manager/controllers/daemonset.ts';
import type { DaemonSet } from '../../shared/api/apps.ts';
import type { Pod } from '../../shared/api/pod.ts';
import { resources } from '../../shared/api/registry.ts';
import { NodeWorkloadCluster } from './node-workload-harness.ts';

const NS = 'daemons';
let cluster: NodeWorkloadCluster;

before(async () => {
  cluster = await NodeWorkloadCluster.start();
  await cluster.api(resources.namespaces).create('', { metadata: { name: NS } } as never);
  await cluster.createNode('ssd-1', { labels: { disk: 'ssd' } });
  await cluster.createNode('ssd-2', { labels: { disk: 'ssd' } });
  await cluster.createNode('hdd-1', { labels: { disk: 'hdd' } });
  await cluster.createNode('tainted', { labels: { disk: 'ssd' }, taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }] });
  await cluster.run([newDaemonSetController]);
  // The scheduler binds each daemon pod where its affinity pins it; the kubelets run them.
  await cluster.startNodeAgents({ accept: (pod) => pod.metadata.namespace === NS });
});
after(async () => { await cluster?.stop(); });

function daemonSet(name: string, options: { nodeSelector?: Record<string, string>; image?: string; strategy?: DaemonSet['spec']['updateStrategy'] } = {}): DaemonSet {
  return {
    metadata: { name, namespace: NS },
    spec: {
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { nodeSelector: options.nodeSelector, containers: [{ name: 'app', image: options.image ?? 'agent:1' }] },
      },
      updateStrategy: options.strategy,
    },
  } as unknown as DaemonSet;
}

/** The live (not deleting) pods of a DaemonSet, by the node they are bound to. */
async function podsByNode(ds: string): Promise<() => Map<string, Pod[]>> {
  const pods = await cluster.observe(resources.pods);
  return () => {
    const byNode = new Map<string, Pod[]>();
    for (const p of pods.list(NS)) {
      if (p.metadata.labels?.app !== ds || p.metadata.deletionTimestamp) continue;
      const node = p.spec.nodeName ?? '(unbound)';
      byNode.set(node, [...(byNode.get(node) ?? []), p]);
    }
    return byNode;
  };
}

const nodesOf = (m: Map<string, Pod[]>) => [...m.keys()].sort().join(',');

describe('placement', () => {
  test('one pod on each node the selector and taints admit, pinned by node affinity and bound by the scheduler', async () => {
    const created = await cluster.api(resources.daemonsets).create(NS, daemonSet('agent', { nodeSelector: { disk: 'ssd' } }));
    const current = await podsByNode('agent');
    const placed = await cluster.until('agent on ssd-1 and ssd-2', () => {
      const m = current();
      return nodesOf(m) === 'ssd-1,ssd-2' && [...m.values()].every((ps) => ps.length === 1 && ps[0].status.phase === 'Running') ? m : undefined;
    });
    const pod = placed.get('ssd-1')![0];
    assert.deepEqual(pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution, { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['ssd-1'] }] }] });
    assert.equal(pod.metadata.ownerReferences?.[0].uid, created.metadata.uid);
    assert.equal(pod.metadata.ownerReferences?.[0].controller, true);
    assert.match(pod.metadata.labels?.['controller-revision-hash'] ?? '', /^[bcdfghjklmnpqrstvwxz2456789]+$/);
    assert.equal(pod.metadata.labels?.['pod-template-generation'], '1');
    const tolerations = pod.spec.tolerations ?? [];
    for (const [key, effect] of [['node.kubernetes.io/not-ready', 'NoExecute'], ['node.kubernetes.io/unreachable', 'NoExecute'], ['node.kubernetes.io/disk-pressure', 'NoSchedule'], ['node.kubernetes.io/memory-pressure', 'NoSchedule'], ['node.kubernetes.io/pid-pressure', 'NoSchedule'], ['node.kubernetes.io/unschedulable', 'NoSchedule']]) {
      const t = tolerations.find((x) => x.key === key && x.effect === effect);
      assert.ok(t, `toleration ${key}:${effect}`);
      assert.equal(t.operator, 'Exists');
      assert.equal(t.tolerationSeconds, undefined, `${key} is tolerated forever`);
    }

    const daemonSets = await cluster.observe(resources.daemonsets);
    const ds = await cluster.until('status of agent', () => {
      const d = daemonSets.get(NS, 'agent');
      return d?.status.numberAvailable === 2 ? d : undefined;
    });
    assert.deepEqual(
      { desired: ds.status.desiredNumberScheduled, current: ds.status.currentNumberScheduled, ready: ds.status.numberReady, updated: ds.status.updatedNumberScheduled, misscheduled: ds.status.numberMisscheduled, unavailable: ds.status.numberUnavailable, observed: ds.status.observedGeneration },
      { desired: 2, current: 2, ready: 2, updated: 2, misscheduled: 0, unavailable: undefined, observed: ds.metadata.generation },
    );
    const events = await cluster.observe(resources.events);
    assert.ok(events.list().some((e) => e.involvedObject.name === 'agent' && e.reason === 'SuccessfulCreate' && /^Created pod: agent-/.test(e.message ?? '')));
  });

  test('pods follow nodes: a new node gets one, a relabelled node loses it, a deleted node\'s pod goes', async () => {
    const current = await podsByNode('agent');
    await cluster.createNode('ssd-3', { labels: { disk: 'ssd' } });
    await cluster.until('a pod on ssd-3', () => (nodesOf(current()) === 'ssd-1,ssd-2,ssd-3' ? true : undefined));

    await cluster.api(resources.nodes).patch('', 'ssd-2', { metadata: { labels: { disk: 'hdd' } } }, 'merge');
    await cluster.until('no pod on ssd-2', () => (nodesOf(current()) === 'ssd-1,ssd-3' ? true : undefined));

    await cluster.api(resources.nodes).patch('', 'hdd-1', { metadata: { labels: { disk: 'ssd' } } }, 'merge');
    await cluster.until('a pod on hdd-1', () => (nodesOf(current()) === 'hdd-1,ssd-1,ssd-3' ? true : undefined));

    await cluster.api(resources.nodes).delete('', 'ssd-3');
    await cluster.until('no pod on the deleted node', () => (nodesOf(current()) === 'hdd-1,ssd-1' ? true : undefined));

    // Tolerating the taint makes the tainted node eligible.
    await cluster.api(resources.daemonsets).patch(NS, 'agent', { spec: { template: { spec: { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'db', effect: 'NoSchedule' }] } } } }, 'strategic');
    await cluster.until('a pod on the tainted node', () => (nodesOf(current()).split(',').includes('tainted') ? true : undefined));
    const daemonSets = await cluster.observe(resources.daemonsets);
    await cluster.until('desired 3, all updated and available', () => {
      const s = daemonSets.get(NS, 'agent')?.status;
      return s?.desiredNumberScheduled === 3 && s.updatedNumberScheduled === 3 && s.numberAvailable === 3 && s.currentNumberScheduled === 3 ? true : undefined;
    });
  });
});

describe('updates', () => {
  test('RollingUpdate replaces the pods one node at a time (maxUnavailable 1)', async () => {
    await cluster.api(resources.daemonsets).create(NS, daemonSet('roll', { image: 'roll:1' }));
    const current = await podsByNode('roll');
    const daemonSets = await cluster.observe(resources.daemonsets);
    // Every node but the tainted one: ssd-1, ssd-2 and hdd-1.
    await cluster.until('roll available on 3 nodes', () => (daemonSets.get(NS, 'roll')?.status.numberAvailable === 3 ? true : undefined));
    const oldHash = current().get('ssd-1')![0].metadata.labels!['controller-revision-hash'];

    // At no point may more than maxUnavailable nodes be without an available pod.
    let minAvailable = Infinity;
    const pods = await cluster.observe(resources.pods);
    pods.addEventHandler({
      onUpdate: () => {
        const available = [...current().values()].filter((ps) => ps.some((p) => p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))).length;
        minAvailable = Math.min(minAvailable, available);
      },
    });
    await cluster.api(resources.daemonsets).patch(NS, 'roll', { spec: { template: { spec: { containers: [{ name: 'app', image: 'roll:2' }] } } } }, 'strategic');
    const done = await cluster.until('all roll pods updated', () => {
      const m = current();
      const all = [...m.values()].flat();
      return m.size === 3 && all.length === 3 && all.every((p) => p.spec.containers[0].image === 'roll:2' && p.status.phase === 'Running') ? all : undefined;
    }, 30_000);
    assert.ok(done.every((p) => p.metadata.labels!['controller-revision-hash'] !== oldHash));
    assert.ok(done.every((p) => p.metadata.labels!['pod-template-generation'] === '2'));
    assert.ok(minAvailable >= 2, `at least 2 of 3 nodes kept an available pod (saw ${minAvailable})`);
    assert.ok(minAvailable < 3, 'the update did make pods unavailable (one at a time)');
    await cluster.until('status updated 3', () => {
      const d = daemonSets.get(NS, 'roll');
      return d?.status.updatedNumberScheduled === 3 && d.status.numberAvailable === 3 && d.status.observedGeneration === d.metadata.generation ? true : undefined;
    });
  });

  test('OnDelete leaves old pods alone until they are deleted', async () => {
    await cluster.api(resources.daemonsets).create(NS, daemonSet('manual', { image: 'manual:1', nodeSelector: { disk: 'ssd' }, strategy: { type: 'OnDelete' } }));
    const current = await podsByNode('manual');
    const daemonSets = await cluster.observe(resources.daemonsets);
    // ssd-1 and hdd-1 (relabelled ssd); the tainted node is not tolerated.
    await cluster.until('manual available', () => (daemonSets.get(NS, 'manual')?.status.numberAvailable === 2 ? true : undefined));
    await cluster.api(resources.daemonsets).patch(NS, 'manual', { spec: { template: { spec: { containers: [{ name: 'app', image: 'manual:2' }] } } } }, 'strategic');
    await cluster.until('the new generation observed, nothing updated', () => {
      const d = daemonSets.get(NS, 'manual');
      return d && d.status.observedGeneration === d.metadata.generation && d.status.updatedNumberScheduled === undefined ? true : undefined;
    });
    assert.ok([...current().values()].flat().every((p) => p.spec.containers[0].image === 'manual:1'));
    const victim = current().get('ssd-1')![0];
    await cluster.api(resources.pods).delete(NS, victim.metadata.name!);
    const replaced = await cluster.until('a new pod on ssd-1', () => {
      const p = current().get('ssd-1')?.[0];
      return p && p.metadata.uid !== victim.metadata.uid && p.status.phase === 'Running' ? p : undefined;
    });
    assert.equal(replaced.spec.containers[0].image, 'manual:2');
    assert.equal([...current().values()].flat().filter((p) => p.spec.containers[0].image === 'manual:1').length, 1);
    await cluster.until('updatedNumberScheduled 1', () => (daemonSets.get(NS, 'manual')?.status.updatedNumberScheduled === 1 ? true : undefined));
  });

  test('RollingUpdate with maxSurge starts the new pod beside the old one and keeps every node available', async () => {
    await cluster.api(resources.daemonsets).create(NS, daemonSet('surge', { image: 'surge:1', nodeSelector: { disk: 'ssd' }, strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } } }));
    const current = await podsByNode('surge');
    const daemonSets = await cluster.observe(resources.daemonsets);
    await cluster.until('surge available', () => (daemonSets.get(NS, 'surge')?.status.numberAvailable === 2 ? true : undefined));
    let sawTwoOnANode = false;
    let minAvailable = Infinity;
    const pods = await cluster.observe(resources.pods);
    pods.addEventHandler({
      onUpdate: () => {
        const m = current();
        if ([...m.values()].some((ps) => ps.length === 2)) sawTwoOnANode = true;
        minAvailable = Math.min(minAvailable, [...m.values()].filter((ps) => ps.some((p) => p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))).length);
      },
    });
    await cluster.api(resources.daemonsets).patch(NS, 'surge', { spec: { template: { spec: { containers: [{ name: 'app', image: 'surge:2' }] } } } }, 'strategic');
    await cluster.until('all surge pods updated', () => {
      const all = [...current().values()].flat();
      return current().size === 2 && all.length === 2 && all.every((p) => p.spec.containers[0].image === 'surge:2' && p.status.phase === 'Running') ? true : undefined;
    }, 30_000);
    assert.ok(sawTwoOnANode, 'an old and a new pod shared a node during the update');
    assert.equal(minAvailable, 2, 'no node was ever without an available pod');
  });
});
