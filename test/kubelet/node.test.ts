// The kubelet as a node: registration (labels, capacity, conditions, addresses, endpoint, system info),
// the Lease heartbeat, status reported again when the API's copy differs or the report is due (and
// not more often), and --nodes N in one process, each pod going to the node it is bound to.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startApiServer, type ApiServerProcess } from '../helpers/apiserver.ts';
import { openWatch } from '../helpers/http.ts';
import { apiFor, httpGet, podSpec, setPodCIDR, startCluster, startKubelet, until, type Api, type Cluster, type Node, type Pod } from './harness.ts';

describe('kubelet node registration and heartbeat', () => {
  let cluster: Cluster;
  before(async () => {
    cluster = await startCluster({
      nodeName: 'kn-1', nodeIP: '127.1.1.1',
      args: ['--cpu', '2', '--memory', '4Gi', '--max-pods', '20', '--node-labels', 'tier=edge,zone=z1', '--node-lease-renew-interval', '1s',
        '--node-status-update-frequency', '1s', '--node-status-report-frequency', '3s'],
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

  test('with nothing changed, the status is posted once per --node-status-report-frequency, not at every update', async () => {
    const node = await cluster.nodes.get('', 'kn-1');
    const ready = (n: Node) => n.status.conditions!.find((c) => c.type === 'Ready')!;
    const watch = await openWatch(cluster.apiserver.url, `/api/v1/nodes?watch=1&fieldSelector=metadata.name%3Dkn-1&resourceVersion=${node.metadata.resourceVersion}`);
    try {
      const events = await watch.until((evs) => evs.filter((e) => e.type === 'MODIFIED').length >= 3, 20_000);
      const posted = [node, ...events.filter((e) => e.type === 'MODIFIED').map((e) => e.object as Node)];
      for (let i = 1; i < posted.length; i++) {
        // Status is computed every 1 s but only posted 3 s after the last post (heartbeats have second resolution).
        const gap = Date.parse(ready(posted[i]).lastHeartbeatTime!) - Date.parse(ready(posted[i - 1]).lastHeartbeatTime!);
        assert.ok(gap >= 3000, `heartbeat ${i} came ${gap} ms after the one before`);
        assert.equal(ready(posted[i]).lastTransitionTime, ready(node).lastTransitionTime, 'no transition');
      }
    } finally {
      watch.close();
    }
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

  test('each pod runs on the node it is bound to, and on no other', async () => {
    await setPodCIDR(api, 'sim-3', '127.64.1.0/24');
    await api.pods.create('default', podSpec('on-sim-3', 'sim-3', { containers: [{ name: 'c', image: 'nginx:1.27', ports: [{ containerPort: 8080 }] }] }));
    const running = await until(async () => {
      const p = await api.pods.get('default', 'on-sim-3');
      return p.status?.phase === 'Running' && p;
    }, 'on-sim-3 Running');
    assert.equal(running.status?.hostIP, '127.1.1.13');
    assert.match(running.status?.podIP ?? '', /^127\.64\.1\./);
    const nodes = (await api.nodes.list()).items;
    for (const n of nodes) {
      const ip = n.status.addresses?.find((a) => a.type === 'InternalIP')?.address;
      const res = await httpGet(`http://${ip}:${n.status.daemonEndpoints?.kubeletEndpoint.Port}/pods`);
      assert.ok('body' in res, `${n.metadata.name} /pods`);
      const names = (JSON.parse(res.body) as { items: Pod[] }).items.map((p) => p.metadata.name);
      assert.deepEqual(names, n.metadata.name === 'sim-3' ? ['on-sim-3'] : [], `pods of ${n.metadata.name}`);
    }
  });
});
