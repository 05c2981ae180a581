// Node IPAM (range allocator): each node gets the next free subnet of --cluster-cidr as spec.podCIDR
// and spec.podCIDRs; subnets nodes already hold are never handed out again (also after a restart);
// a deleted node's subnet goes back to the pool; an exhausted range is a CIDRNotAvailable event.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { newNodeIpamController } from '../../controller-manager/controllers/node-ipam.ts';
import { CidrSet } from '../../controller-manager/controllers/cidr-set.ts';
import { resources } from '../../shared/api/registry.ts';
import { NodeWorkloadCluster } from './node-workload-harness.ts';

describe('CidrSet', () => {
  test('cuts the cluster CIDR into node subnets, round-robin, and frees them', () => {
    const set = new CidrSet('127.64.0.0/10', 24);
    assert.equal(set.size, 2 ** 14);
    assert.equal(set.allocateNext(), '127.64.0.0/24');
    assert.equal(set.allocateNext(), '127.64.1.0/24');
    set.release('127.64.0.0/24');
    assert.equal(set.allocateNext(), '127.64.2.0/24', 'a released subnet is not handed straight back');
    assert.ok(set.occupy('127.64.3.0/24'));
    assert.equal(set.allocateNext(), '127.64.4.0/24');
    assert.equal(set.occupy('10.0.0.0/24'), false, 'outside the cluster CIDR');
    assert.throws(() => new CidrSet('127.64.0.0/10', 8), /mask size/);
    assert.throws(() => new CidrSet('127.64.0.0/8', 25), /too big/);
  });

  test('a bigger block occupies every subnet it covers; exhaustion returns nothing', () => {
    const set = new CidrSet('127.65.0.0/22', 24);
    assert.ok(set.occupy('127.65.0.0/23'));
    assert.equal(set.allocated, 2);
    assert.equal(set.allocateNext(), '127.65.2.0/24');
    assert.equal(set.allocateNext(), '127.65.3.0/24');
    assert.equal(set.allocateNext(), undefined);
  });
});

const cidrOf = async (cluster: NodeWorkloadCluster, name: string) => {
  const nodes = await cluster.observe(resources.nodes);
  return cluster.until(`a podCIDR on ${name}`, () => {
    const node = nodes.get('', name);
    return node?.spec.podCIDR ? node : undefined;
  });
};

async function cidrNotAvailable(cluster: NodeWorkloadCluster, node: string, count: number) {
  const events = await cluster.observe(resources.events);
  return cluster.until(`${count} CIDRNotAvailable event(s) for ${node}`, () => {
    const found = events.list().filter((e) => e.involvedObject.name === node && e.reason === 'CIDRNotAvailable');
    return found.length >= count ? found : undefined;
  });
}

describe('node IPAM in 127.64.0.0/10', () => {
  let cluster: NodeWorkloadCluster;
  before(async () => {
    cluster = await NodeWorkloadCluster.start();
    await cluster.run([newNodeIpamController], { clusterCIDR: '127.64.0.0/10', nodeCIDRMaskSize: 24 });
  });
  after(async () => { await cluster?.stop(); });

  test('every new node gets its own /24 in spec.podCIDR and spec.podCIDRs', async () => {
    for (const name of ['ipam-a', 'ipam-b', 'ipam-c']) await cluster.createNode(name);
    const nodes = await Promise.all(['ipam-a', 'ipam-b', 'ipam-c'].map((n) => cidrOf(cluster, n)));
    const cidrs = nodes.map((n) => n.spec.podCIDR!);
    assert.equal(new Set(cidrs).size, 3, `distinct: ${cidrs}`);
    for (const node of nodes) {
      assert.match(node.spec.podCIDR!, /^127\.(6[4-9]|[7-9]\d|1[01]\d|12[0-7])\.\d+\.0\/24$/);
      assert.deepEqual(node.spec.podCIDRs, [node.spec.podCIDR]);
    }
    assert.deepEqual([...cidrs].sort(), ['127.64.0.0/24', '127.64.1.0/24', '127.64.2.0/24']);
  });
});

describe('node IPAM: existing CIDRs, release, exhaustion, restart', () => {
  let cluster: NodeWorkloadCluster;
  const settings = { clusterCIDR: '127.66.0.0/22', nodeCIDRMaskSize: 24 };
  before(async () => {
    cluster = await NodeWorkloadCluster.start();
    // Holds the first subnet before the controller starts.
    await cluster.createNode('old', { podCIDR: '127.66.0.0/24' });
  });
  after(async () => { await cluster?.stop(); });

  test('a subnet an existing node holds is never handed out again', async () => {
    const first = await cluster.run([newNodeIpamController], settings);
    for (const name of ['n1', 'n2', 'n3']) await cluster.createNode(name);
    const got = await Promise.all(['n1', 'n2', 'n3'].map(async (n) => (await cidrOf(cluster, n)).spec.podCIDR));
    assert.deepEqual([...got].sort(), ['127.66.1.0/24', '127.66.2.0/24', '127.66.3.0/24']);
    assert.equal((await cluster.api(resources.nodes).get('', 'old')).spec.podCIDR, '127.66.0.0/24', 'the old node keeps its subnet');

    await cluster.createNode('n4');
    const events = await cidrNotAvailable(cluster, 'n4', 1);
    assert.equal(events[0].message, 'Node n4 status is now: CIDRNotAvailable');
    assert.equal(events[0].type, 'Normal');
    assert.equal((await cluster.api(resources.nodes).get('', 'n4')).spec.podCIDR, undefined);
    await first.stop();
  });

  test('after a restart the pool is rebuilt from the nodes; a deleted node frees its subnet for a waiting one', async () => {
    await cluster.run([newNodeIpamController], settings);
    const freed = (await cluster.api(resources.nodes).get('', 'n2')).spec.podCIDR!;
    // The restarted controller (a new event recorder: a new Event) finds the range still exhausted.
    await cidrNotAvailable(cluster, 'n4', 2);
    assert.equal((await cluster.api(resources.nodes).get('', 'n4')).spec.podCIDR, undefined);
    await cluster.api(resources.nodes).delete('', 'n2');
    const n4 = await cidrOf(cluster, 'n4');
    assert.equal(n4.spec.podCIDR, freed);
    assert.deepEqual(n4.spec.podCIDRs, [freed]);
  });
});

test('without --cluster-cidr node IPAM is off (as kube without --allocate-node-cidrs)', () => {
  const ctx = { settings: { clusterCIDR: '', nodeCIDRMaskSize: 24 }, logger: { info: () => undefined } } as never;
  const controller = newNodeIpamController(ctx);
  assert.equal(controller.name, 'nodeipam');
  assert.equal(controller.queue.length, 0);
  assert.throws(() => newNodeIpamController({ settings: { clusterCIDR: 'not-a-cidr', nodeCIDRMaskSize: 24 } } as never), /invalid IPv4 CIDR/);
});
