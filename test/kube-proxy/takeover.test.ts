// Two kube-proxies on one host share its loopback network, so each ClusterIP:port is bound by only one
// of them; the other sees the address in use and keeps retrying. kill -9 the holder and the Services
// keep answering through the survivor within a couple of retry periods (measured and printed). Each
// proxy's NodePorts listen on its own node address, so both serve them all along.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startApiServer, type ApiServerProcess } from '../helpers/apiserver.ts';
import {
  createService, endpointsApplied, get, listenerAcquired, startBackend, startKubeProxy, stopBackends, writeEndpointSlice,
  type Backend, type KubeProxyProcess,
} from './harness.ts';

let api: ApiServerProcess | undefined;
const proxies: KubeProxyProcess[] = [];
const backends: Backend[] = [];
after(async () => {
  await Promise.all(proxies.map((p) => p.kill()));
  await stopBackends(backends);
  await api?.cleanup();
});

const SERVICES = ['alpha', 'beta', 'gamma'];

test('kill -9 of the proxy holding the ClusterIP listeners: the other proxy takes them over', async () => {
  api = await startApiServer();
  proxies.push(await startKubeProxy(api.url, 'node-1', '127.1.0.1'), await startKubeProxy(api.url, 'node-2', '127.1.0.2'));
  const [p1, p2] = proxies;
  backends.push(await startBackend('a', '127.64.220.2'), await startBackend('b', '127.64.220.3'));

  const since = proxies.map((p) => p.output.length);
  const services = [];
  for (const name of SERVICES) {
    services.push(await createService(api.url, name, { type: 'NodePort' }));
    await writeEndpointSlice(api.url, name, backends);
  }
  // Every proxy balances every Service; each ClusterIP listener is held by exactly one of them.
  const holders = new Map<string, KubeProxyProcess>();
  for (const svc of services) {
    const listener = `${svc.spec.clusterIP}:8000`;
    for (const [i, p] of proxies.entries()) {
      await endpointsApplied(p, `default/${svc.metadata.name}`, backends.map((b) => b.endpoint), since[i]);
      await listenerAcquired(p, `${p.nodeIP}:${svc.spec.ports[0].nodePort}`, since[i]);
    }
    const holder = await Promise.race(proxies.map((p, i) => listenerAcquired(p, listener, since[i]).then(() => p)));
    const other = holder === p1 ? p2 : p1;
    await other.waitForLog((l) => l.msg === 'listener held elsewhere (address in use), will retry' && l.listener === listener, since[proxies.indexOf(other)]);
    holders.set(listener, holder);
    assert.deepEqual([(await get(svc.spec.clusterIP, 8000)).body, (await get(svc.spec.clusterIP, 8000)).body].sort(), ['a', 'b']);
  }

  // Kill the proxy holding the first Service's listener; the survivor must take over every listener it held.
  const victim = holders.get(`${services[0].spec.clusterIP}:8000`)!;
  const survivor = victim === p1 ? p2 : p1;
  const orphaned = [...holders].filter(([, p]) => p === victim).map(([listener]) => listener);
  const fromNow = survivor.output.length;
  const killedAt = performance.now();
  await victim.kill('SIGKILL');
  const takeover = await Promise.all(orphaned.map(async (listener) => {
    const [host, port] = listener.split(':');
    // Poll with fresh connections until this ClusterIP answers again.
    for (;;) {
      try {
        const reply = await get(host, Number(port), { timeoutMs: 1000 });
        return { listener, ms: performance.now() - killedAt, body: reply.body };
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert.ok(performance.now() - killedAt < 15_000, `${listener} answered again within 15 s`);
    }
  }));
  for (const { listener, ms } of takeover) console.log(`takeover of ${listener} after kill -9 of ${victim.node}: ${ms.toFixed(0)} ms`);
  for (const { listener, ms, body } of takeover) {
    assert.ok(['a', 'b'].includes(body));
    assert.ok(ms < 5000, `${listener} taken over in ${ms.toFixed(0)} ms`);
    const line = await listenerAcquired(survivor, listener, fromNow);
    assert.equal(line.tookOver, true);
  }
  // Every Service answers through the survivor, its NodePorts too; the victim's NodePorts are gone with it.
  for (const svc of services) {
    assert.ok(['a', 'b'].includes((await get(svc.spec.clusterIP, 8000)).body));
    assert.ok(['a', 'b'].includes((await get(survivor.nodeIP, svc.spec.ports[0].nodePort)).body));
    await assert.rejects(get(victim.nodeIP, svc.spec.ports[0].nodePort), /ECONNREFUSED/);
  }
  const listeners = await (await fetch(`${survivor.healthz}/listeners`)).json() as { kind: string; state: string }[];
  assert.equal(listeners.filter((l) => l.kind === 'clusterIP' && l.state === 'held').length, SERVICES.length);
});
