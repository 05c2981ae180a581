// The kubelet as a node: registration (labels, capacity, conditions, addresses, endpoint, system info),
// the Lease heartbeat, status reported again when the API's copy differs, and --nodes N in one process.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startApiServer, type ApiServerProcess } from '../helpers/apiserver.ts';
import { apiFor, httpGet, startCluster, startKubelet, until, type Api, type Cluster } from './harness.ts';

describe('kubelet node registration and heartbeat', () => {
  let cluster: Cluster;
  before(async () => {
    cluster = await startCluster({
      nodeName: 'kn-1', nodeIP: '127.1.1.1',
      args: ['--cpu', '2', '--memory', '4Gi', '--max-pods', '20', '--node-labels', 'tier=edge,zone=z1', '--node-lease-renew-interval', '1s', '--node-status-update-frequency', '1s'],
    });
  });
  after(async () => cluster?.stop());

  test('registers the Node with labels, capacity, Ready and the kubelet endpoint', async () => {
    const node = await until(async () => {
      const n = await cluster.nodes.get('', 'kn-1');
      return n.status?.conditions?.length ? n : undefined;
    }, 'node status');
    const labels = node.metadata.labels ?? {};
    assert.equal(labels['kubernetes.io/hostname'], 'kn-1');
    assert.equal(labels['kubernetes.io/os'], 'linux');
    assert.ok(labels['kubernetes.io/arch']);
    assert.equal(labels.tier, 'edge');
    assert.equal(labels.zone, 'z1');
    assert.equal(node.status.capacity?.cpu, '2');
    assert.equal(node.status.capacity?.memory, '4Gi');
    assert.equal(node.status.capacity?.pods, '20');
    assert.deepEqual(node.status.allocatable?.cpu, '2');
    const byType = Object.fromEntries((node.status.conditions ?? []).map((c) => [c.type, c]));
    assert.equal(byType.Ready.status, 'True');
    assert.equal(byType.Ready.reason, 'KubeletReady');
    assert.equal(byType.Ready.message, 'kubelet is posting ready status');
    for (const t of ['MemoryPressure', 'DiskPressure', 'PIDPressure']) assert.equal(byType[t].status, 'False', t);
    assert.deepEqual(node.status.addresses, [{ type: 'InternalIP', address: '127.1.1.1' }, { type: 'Hostname', address: 'kn-1' }]);
    const port = node.status.daemonEndpoints?.kubeletEndpoint.Port;
    assert.equal(`http://127.1.1.1:${port}`, cluster.kubelet.url);
    assert.equal(node.status.nodeInfo?.kubeletVersion, 'v1.32.0-k8ts');
    assert.equal(node.status.nodeInfo?.operatingSystem, 'linux');
    assert.deepEqual(await httpGet(`${cluster.kubelet.url}/healthz`), { status: 200, body: 'ok' });
  });

  test('holds and renews its Lease in kube-node-lease', async () => {
    const first = await until(() => cluster.leases.get('kube-node-lease', 'kn-1').catch(() => undefined), 'lease');
    assert.equal(first.spec.holderIdentity, 'kn-1');
    assert.equal(first.spec.leaseDurationSeconds, 40);
    assert.match(first.spec.renewTime ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    const renewed = await until(async () => {
      const l = await cluster.leases.get('kube-node-lease', 'kn-1');
      return Date.parse(l.spec.renewTime!) > Date.parse(first.spec.renewTime!) && l;
    }, 'a later renewTime', 10_000);
    const node = await cluster.nodes.get('', 'kn-1');
    assert.deepEqual(renewed.metadata.ownerReferences?.map((o) => [o.kind, o.name, o.uid]), [['Node', 'kn-1', node.metadata.uid]]);
  });

  test('reports its status again when the API shows something else', async () => {
    const node = await cluster.nodes.get('', 'kn-1');
    const conditions = (node.status.conditions ?? []).map((c) => (c.type === 'Ready' ? { ...c, status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.' } : c));
    await cluster.nodes.patch('', 'kn-1', { status: { conditions } }, 'strategic', 'status');
    const back = await until(async () => {
      const n = await cluster.nodes.get('', 'kn-1');
      const ready = n.status.conditions?.find((c) => c.type === 'Ready');
      return ready?.status === 'True' && ready;
    }, 'Ready back to True', 10_000);
    assert.equal(back.reason, 'KubeletReady');
  });
});

describe('kubelet with --nodes 5', () => {
  let apiserver: ApiServerProcess;
  let api: Api;
  let kubelet: Awaited<ReturnType<typeof startKubelet>>;
  before(async () => {
    apiserver = await startApiServer();
    api = apiFor(apiserver.url);
    kubelet = await startKubelet(apiserver.url, ['--nodes', '5', '--node-name-prefix', 'sim', '--node-ip', '127.1.1.11']);
  });
  after(async () => {
    await kubelet?.kill();
    await api?.client.close();
    await apiserver?.cleanup();
  });

  test('registers five Ready nodes on consecutive IPs, each with its Lease', async () => {
    const nodes = await until(async () => {
      const list = await api.nodes.list();
      const ready = list.items.filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
      return ready.length === 5 && ready;
    }, '5 ready nodes');
    const seen = nodes.map((n) => [n.metadata.name, n.status.addresses?.find((a) => a.type === 'InternalIP')?.address]).sort();
    assert.deepEqual(seen, [['sim-1', '127.1.1.11'], ['sim-2', '127.1.1.12'], ['sim-3', '127.1.1.13'], ['sim-4', '127.1.1.14'], ['sim-5', '127.1.1.15']]);
    const leases = await until(async () => {
      const l = await api.leases.list('kube-node-lease');
      return l.items.length === 5 && l.items;
    }, '5 leases');
    assert.deepEqual(leases.map((l) => l.spec.holderIdentity).sort(), ['sim-1', 'sim-2', 'sim-3', 'sim-4', 'sim-5']);
    // Each node has its own kubelet server on its own IP.
    for (const n of nodes) {
      const ip = n.status.addresses?.find((a) => a.type === 'InternalIP')?.address;
      assert.deepEqual(await httpGet(`http://${ip}:${n.status.daemonEndpoints?.kubeletEndpoint.Port}/healthz`), { status: 200, body: 'ok' });
    }
  });
});
