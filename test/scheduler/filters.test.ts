// A pod lands on the only node its filters allow: resources, nodeSelector, node affinity operators,
// taints and tolerations, host ports, cordoned and not-ready nodes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '../../shared/api/core.ts';
import { isBound, nodeObject, podObject, resetCluster, runScheduler, startCluster, waitForPod, type NodeSpecInput, type TestCluster } from './fixtures.ts';

let cluster: TestCluster;
before(async () => { cluster = await startCluster(); });
after(async () => { await cluster.cleanup(); });

/** Creates the nodes and pods, schedules, and returns where each pod went. */
async function schedule(nodes: Record<string, NodeSpecInput>, pods: Pod[]): Promise<Record<string, string>> {
  await resetCluster(cluster);
  for (const [name, spec] of Object.entries(nodes)) await cluster.nodes.create('', nodeObject(name, spec));
  for (const p of pods) await cluster.pods.create('default', p);
  const running = runScheduler(cluster);
  try {
    const placed: Record<string, string> = {};
    for (const p of pods) placed[p.metadata.name!] = (await waitForPod(cluster, 'default', p.metadata.name!, isBound)).spec.nodeName!;
    return placed;
  } finally {
    await running.stop();
  }
}

describe('filters', () => {
  test('resources: cpu and memory against allocatable', async () => {
    const placed = await schedule(
      { 'small-cpu': { cpu: '1' }, 'small-mem': { cpu: '8', memory: '1Gi' }, big: { cpu: '4', memory: '8Gi' } },
      [podObject('needs-2cpu-2gi', { cpu: '2', memory: '2Gi' })],
    );
    assert.deepEqual(placed, { 'needs-2cpu-2gi': 'big' });
  });

  test('resources: what bound pods request counts against the node', async () => {
    await resetCluster(cluster);
    await cluster.nodes.create('', nodeObject('busy', { cpu: '2' }));
    await cluster.nodes.create('', nodeObject('free', { cpu: '2' }));
    // Bound before the scheduler starts: 1500m of busy's 2000m is taken.
    await cluster.pods.create('default', podObject('resident', { cpu: '1500m', spec: { nodeName: 'busy' } }));
    await cluster.pods.create('default', podObject('newcomer', { cpu: '1' }));
    const running = runScheduler(cluster);
    try {
      assert.equal((await waitForPod(cluster, 'default', 'newcomer', isBound)).spec.nodeName, 'free');
    } finally {
      await running.stop();
    }
  });

  test('nodeSelector', async () => {
    const placed = await schedule(
      { ssd: { labels: { disk: 'ssd' } }, hdd: { labels: { disk: 'hdd' } }, plain: {} },
      [podObject('wants-ssd', { spec: { nodeSelector: { disk: 'ssd' } } })],
    );
    assert.deepEqual(placed, { 'wants-ssd': 'ssd' });
  });

  test('node affinity: In, NotIn, Exists, DoesNotExist, Gt, Lt and matchFields', async () => {
    const nodes: Record<string, NodeSpecInput> = {
      'n-gpu': { labels: { zone: 'a', gpu: 'true', cores: '8' } },
      'n-small': { labels: { zone: 'a', cores: '2' } },
      'n-zone-c': { labels: { zone: 'c', cores: '16' } },
      'n-tier-x': { labels: { zone: 'b', cores: '16', tier: 'x' } },
      'n-right': { labels: { zone: 'b', cores: '6' } },
      'n-nozone': { labels: { cores: '1' } },
    };
    const required = (terms: object[]) => ({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } } });
    const placed = await schedule(nodes, [
      // Only n-right: zone a or b, no gpu label, more than 4 cores, tier not x. The second term names no node.
      podObject('in-notin-gt', { spec: required([
        { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a', 'b'] }, { key: 'gpu', operator: 'DoesNotExist' }, { key: 'cores', operator: 'Gt', values: ['4'] }, { key: 'tier', operator: 'NotIn', values: ['x'] }] },
        { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['no-such-node'] }] },
      ]) as never }),
      // Only n-small: has a zone and fewer than 4 cores (n-nozone has no zone).
      podObject('exists-lt', { spec: required([{ matchExpressions: [{ key: 'zone', operator: 'Exists' }, { key: 'cores', operator: 'Lt', values: ['4'] }] }]) as never }),
      // Terms are ORed: the first matches nothing, the second names n-zone-c.
      podObject('fields', { spec: required([
        { matchExpressions: [{ key: 'zone', operator: 'In', values: ['z'] }] },
        { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n-zone-c'] }] },
      ]) as never }),
    ]);
    assert.deepEqual(placed, { 'in-notin-gt': 'n-right', 'exists-lt': 'n-small', fields: 'n-zone-c' });
  });

  test('taints and tolerations', async () => {
    const placed = await schedule(
      {
        gpu: { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] },
        draining: { taints: [{ key: 'maintenance', effect: 'NoExecute' }] },
        other: { taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }] },
      },
      [
        podObject('tolerates-gpu', { spec: { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }] } }),
        podObject('tolerates-maintenance', { spec: { tolerations: [{ key: 'maintenance', operator: 'Exists' }] } }),
      ],
    );
    assert.deepEqual(placed, { 'tolerates-gpu': 'gpu', 'tolerates-maintenance': 'draining' });
  });

  test('host ports', async () => {
    await resetCluster(cluster);
    await cluster.nodes.create('', nodeObject('a'));
    await cluster.nodes.create('', nodeObject('b'));
    await cluster.nodes.create('', nodeObject('c'));
    await cluster.nodes.create('', nodeObject('d'));
    await cluster.nodes.create('', nodeObject('e'));
    await cluster.pods.create('default', podObject('on-a', { spec: { nodeName: 'a' }, containerPorts: [{ containerPort: 80, hostPort: 8080 }] }));
    // On c, 8080 is taken on one address only, but the newcomer binds all addresses (0.0.0.0).
    await cluster.pods.create('default', podObject('on-c', { spec: { nodeName: 'c' }, containerPorts: [{ containerPort: 80, hostPort: 8080, hostIP: '10.0.0.3' }] }));
    await cluster.pods.create('default', podObject('on-d', { spec: { nodeName: 'd' }, containerPorts: [{ containerPort: 80, hostPort: 8080, hostIP: '0.0.0.0' }] }));
    // On e, 8080 is taken for UDP only (no clash), but UDP 5353, which the newcomer also wants, is taken.
    await cluster.pods.create('default', podObject('on-e', { spec: { nodeName: 'e' }, containerPorts: [{ containerPort: 80, hostPort: 8080, protocol: 'UDP' }, { containerPort: 53, hostPort: 5353, protocol: 'UDP' }] }));
    await cluster.pods.create('default', podObject('wants-8080', { containerPorts: [{ containerPort: 80, hostPort: 8080 }, { containerPort: 53, hostPort: 5353, protocol: 'UDP' }] }));
    const running = runScheduler(cluster);
    try {
      assert.equal((await waitForPod(cluster, 'default', 'wants-8080', isBound)).spec.nodeName, 'b');
    } finally {
      await running.stop();
    }
  });

  test('cordoned and not-ready nodes are skipped; tolerating the unschedulable taint allows a cordoned node', async () => {
    const placed = await schedule(
      {
        cordoned: { unschedulable: true },
        'not-ready': { ready: 'False' },
        unknown: { ready: 'Unknown' },
        'no-condition': { ready: undefined },
        ready: {},
      },
      [podObject('plain', { cpu: '100m' })],
    );
    assert.deepEqual(placed, { plain: 'ready' });
    const cordonedOnly = await schedule(
      { cordoned: { unschedulable: true }, 'not-ready': { ready: 'False' } },
      [podObject('tolerant', { spec: { tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }] } })],
    );
    assert.deepEqual(cordonedOnly, { tolerant: 'cordoned' });
  });
});
