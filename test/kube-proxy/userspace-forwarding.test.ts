// kube-proxy in userspace mode against a real API server: the EndpointSlices are written here, as the
// endpointslice controller would, pointing at HTTP backends started by the test on 127.64.2xx.y:8080
// (high /24s, away from the pod CIDRs node IPAM hands out first) that answer their own name.
// A Service's ClusterIP:port reaches every ready endpoint round-robin;
// endpoints removed or not ready get no new connections, refused ones are skipped, ClientIP affinity
// sticks, NodePorts answer on the node's address only, and open connections outlive endpoint changes.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { startApiServer, type ApiServerProcess } from '../helpers/apiserver.ts';
import {
  createService, endpointsApplied, get, listenerAcquired, startBackend, startKubeProxy, stopBackends, writeEndpointSlice,
  type Backend, type KubeProxyProcess,
} from './harness.ts';

let api: ApiServerProcess;
let proxy: KubeProxyProcess;
const backends: Backend[] = [];
const NODE_IP = '127.1.0.1';

before(async () => {
  api = await startApiServer();
  proxy = await startKubeProxy(api.url, 'node-1', NODE_IP);
});
after(async () => {
  await proxy?.kill('SIGTERM');
  await stopBackends(backends);
  await api?.cleanup();
});

async function backendsOn(subnet: number, names: string[]): Promise<Backend[]> {
  const started = await Promise.all(names.map((name, i) => startBackend(name, `127.64.${200 + subnet}.${i + 2}`)));
  backends.push(...started);
  return started;
}

/** Creates the Service and its slice and waits until the proxy serves them. */
async function serve(name: string, endpoints: { ip: string; ready?: boolean }[], spec: Record<string, unknown> = {}) {
  const since = proxy.output.length;
  const svc = await createService(api.url, name, spec);
  await writeEndpointSlice(api.url, name, endpoints);
  const ready = endpoints.filter((e) => e.ready !== false).map((e) => `${e.ip}:8080`);
  await Promise.all([
    endpointsApplied(proxy, `default/${name}`, ready, since),
    listenerAcquired(proxy, `${svc.spec.clusterIP}:8000`, since),
  ]);
  return svc;
}

const names = async (host: string, port: number, n: number, options: Parameters<typeof get>[2] = {}) => {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push((await get(host, port, options)).body);
  return out;
};

describe('ClusterIP', () => {
  test('connections to ClusterIP:port go to every ready endpoint in turn', async () => {
    const [a, b, c] = await backendsOn(1, ['a', 'b', 'c']);
    const svc = await serve('rr', [a, b, c]);
    const seen = await names(svc.spec.clusterIP, 8000, 9);
    for (let i = 0; i < 9; i += 3) assert.deepEqual(seen.slice(i, i + 3).sort(), ['a', 'b', 'c'], `round ${i / 3}: ${seen.join(' ')}`);
    assert.deepEqual(seen.slice(3, 6), seen.slice(0, 3), 'the same order every round');
  });

  test('an endpoint removed from the slice, or not ready, gets no new connections', async () => {
    const [a, b, c, d] = await backendsOn(2, ['a', 'b', 'c', 'd']);
    const svc = await serve('removal', [a, b, c, { ip: d.ip, ready: false }]);
    assert.deepEqual([...new Set(await names(svc.spec.clusterIP, 8000, 9))].sort(), ['a', 'b', 'c']);
    assert.equal(d.connections, 0, 'the not-ready endpoint got nothing');

    const since = proxy.output.length;
    await writeEndpointSlice(api.url, 'removal', [a, b]);
    await endpointsApplied(proxy, 'default/removal', [a.endpoint, b.endpoint], since);
    const before = c.connections;
    const seen = await names(svc.spec.clusterIP, 8000, 12);
    assert.deepEqual([...new Set(seen)].sort(), ['a', 'b'], seen.join(' '));
    assert.equal(c.connections, before, 'the removed endpoint got no new connection');
  });

  test('a refused endpoint is skipped: every connection reaches a live one', async () => {
    const [a, b] = await backendsOn(3, ['a', 'b']);
    const svc = await serve('refused', [a, { ip: '127.64.203.9' }, b]);
    const seen = await names(svc.spec.clusterIP, 8000, 12);
    assert.equal(seen.length, 12);
    assert.deepEqual([...new Set(seen)].sort(), ['a', 'b'], seen.join(' '));
  });

  test('sessionAffinity ClientIP: each client keeps its endpoint', async () => {
    const [a, b, c] = await backendsOn(4, ['a', 'b', 'c']);
    const svc = await serve('sticky', [a, b, c], { sessionAffinity: 'ClientIP' });
    const picks = new Set<string>();
    for (const client of ['127.0.0.5', '127.0.0.6', '127.0.0.7']) {
      const seen = await names(svc.spec.clusterIP, 8000, 6, { localAddress: client });
      assert.equal(new Set(seen).size, 1, `${client} sticks: ${seen.join(' ')}`);
      picks.add(seen[0]);
    }
    assert.equal(picks.size, 3, 'new clients are still spread round-robin');
  });

  test('sessionAffinity ClientIP ends after sessionAffinityConfig.clientIP.timeoutSeconds', async () => {
    const [a, b] = await backendsOn(5, ['a', 'b']);
    const svc = await serve('sticky-timeout', [a, b], { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 1 } } });
    const first = await names(svc.spec.clusterIP, 8000, 3, { localAddress: '127.0.0.8' });
    assert.equal(new Set(first).size, 1);
    // Idle past the timeout: the client is balanced afresh, and the rotation has moved on to the other endpoint.
    await new Promise((resolve) => setTimeout(resolve, 1300));
    const [next] = await names(svc.spec.clusterIP, 8000, 1, { localAddress: '127.0.0.8' });
    assert.notEqual(next, first[0]);
  });

  test('an open connection to a surviving endpoint outlives endpoint changes', async () => {
    const [a, b, c] = await backendsOn(6, ['a', 'b', 'c']);
    const svc = await serve('survive', [a, b]);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const first = await get(svc.spec.clusterIP, 8000, { agent });
      const kept = first.body === 'a' ? a : b;
      const other = kept === a ? b : a;
      const since = proxy.output.length;
      await writeEndpointSlice(api.url, 'survive', [kept, c]);
      await endpointsApplied(proxy, 'default/survive', [kept.endpoint, c.endpoint], since);
      const second = await get(svc.spec.clusterIP, 8000, { agent });
      assert.equal(second.reusedSocket, true, 'the same connection');
      assert.equal(second.body, kept.name);
      assert.equal(kept.connections, 1, 'one connection to the kept endpoint, all along');
      assert.deepEqual([...new Set(await names(svc.spec.clusterIP, 8000, 6))].sort(), [c.name, kept.name].sort(), `${other.name} is gone`);
    } finally {
      agent.destroy();
    }
  });

  test('a Service port with no endpoints refuses connections; endpoints added later are served at once', async () => {
    const [a] = await backendsOn(7, ['a']);
    const since = proxy.output.length;
    const svc = await createService(api.url, 'late');
    await listenerAcquired(proxy, `${svc.spec.clusterIP}:8000`, since);
    await assert.rejects(get(svc.spec.clusterIP, 8000), /socket hang up|ECONNRESET/);
    const later = proxy.output.length;
    await writeEndpointSlice(api.url, 'late', [a]);
    await endpointsApplied(proxy, 'default/late', [a.endpoint], later);
    assert.equal((await get(svc.spec.clusterIP, 8000)).body, 'a');
  });

  test('deleting the Service releases its listener', async () => {
    const [a] = await backendsOn(8, ['a']);
    const svc = await serve('deleted', [a]);
    const since = proxy.output.length;
    const res = await fetch(`${api.url}/api/v1/namespaces/default/services/deleted`, { method: 'DELETE' });
    assert.equal(res.status, 200);
    await proxy.waitForLog((l) => l.msg === 'listener released' && l.listener === `${svc.spec.clusterIP}:8000`, since);
    await assert.rejects(get(svc.spec.clusterIP, 8000), /ECONNREFUSED/);
  });
});

describe('NodePort', () => {
  test('a NodePort answers on the node address, not on other addresses', async () => {
    const [a, b] = await backendsOn(9, ['a', 'b']);
    const svc = await serve('np', [a, b], { type: 'NodePort' });
    const nodePort = svc.spec.ports[0].nodePort;
    await listenerAcquired(proxy, `${NODE_IP}:${nodePort}`);
    assert.deepEqual((await names(NODE_IP, nodePort, 4)).sort(), ['a', 'a', 'b', 'b']);
    await assert.rejects(get('127.1.0.2', nodePort), /ECONNREFUSED/);
  });

  test('externalTrafficPolicy Local: the NodePort sends only to this node\'s endpoints, the ClusterIP to all', async () => {
    const [a, b] = await backendsOn(10, ['a', 'b']);
    const since = proxy.output.length;
    const svc = await createService(api.url, 'local', { type: 'NodePort', externalTrafficPolicy: 'Local' });
    await writeEndpointSlice(api.url, 'local', [{ ip: a.ip, nodeName: 'node-1' }, { ip: b.ip, nodeName: 'node-2' }]);
    await endpointsApplied(proxy, 'default/local/external', [a.endpoint], since);
    await endpointsApplied(proxy, 'default/local', [a.endpoint, b.endpoint], since);
    await listenerAcquired(proxy, `${NODE_IP}:${svc.spec.ports[0].nodePort}`, since);
    assert.deepEqual([...new Set(await names(NODE_IP, svc.spec.ports[0].nodePort, 4))], ['a']);
  });
});

describe('the process', () => {
  test('/healthz answers kube\'s JSON; /metrics counts the listeners held', async () => {
    const health = await fetch(`${proxy.healthz}/healthz`);
    assert.equal(health.status, 200);
    const body = await health.json() as { lastUpdated: string; currentTime: string; nodeEligible: boolean };
    assert.ok(Date.parse(body.lastUpdated) > 0);
    assert.equal(body.nodeEligible, true);
    const metrics = await (await fetch(`${proxy.healthz}/metrics`)).text();
    const held = /kubeproxy_userspace_listeners\{kind="clusterIP",state="held"\} (\d+)/.exec(metrics);
    assert.ok(held && Number(held[1]) >= 5, metrics);
    const listeners = await (await fetch(`${proxy.healthz}/listeners`)).json() as { kind: string; state: string }[];
    assert.equal(listeners.filter((l) => l.kind === 'clusterIP' && l.state === 'held').length, Number(held![1]));
  });

  test('without --bind-address the node address is the Node\'s InternalIP: NodePorts and /healthz listen there', async () => {
    const node = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-3' }, status: { addresses: [{ type: 'InternalIP', address: '127.1.0.3' }, { type: 'Hostname', address: 'node-3' }] } };
    const res = await fetch(`${api.url}/api/v1/nodes`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(node) });
    assert.equal(res.status, 201);
    const third = await startKubeProxy(api.url, 'node-3', '127.1.0.3', ['--bind-address', '0.0.0.0', '--healthz-bind-address', '0.0.0.0:0']);
    try {
      assert.match(third.healthz, /^http:\/\/127\.1\.0\.3:\d+$/);
      const started = await third.waitForLog((l) => l.msg === 'kube-proxy started');
      assert.equal(started.nodeIP, '127.1.0.3');
      const np = (await (await fetch(`${api.url}/api/v1/namespaces/default/services/np`)).json() as any).spec.ports[0].nodePort;
      await listenerAcquired(third, `127.1.0.3:${np}`);
      assert.ok(['a', 'b'].includes((await get('127.1.0.3', np)).body));
    } finally {
      await third.kill('SIGTERM');
    }
  });

  test('--proxy-mode other than userspace is refused', async () => {
    await assert.rejects(startKubeProxy(api.url, 'node-x', '127.1.0.9', ['--proxy-mode', 'iptables']), /exited with 1:[^]*--proxy-mode .*iptables.* is not supported: .* only the .*userspace.* mode/);
  });
});
