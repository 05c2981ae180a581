// The node side end to end, every component a real process (scripts/cluster.ts `up --fast`: API server,
// schedulers, controller-managers, a kubelet and a kube-proxy per node): a Deployment behind a Service is
// reached through its ClusterIP (kube-proxy → each ready pod, which answers its own name) while it scales
// 3 → 5 → 3; a failing liveness probe restarts a container; `exit 1` ends in CrashLoopBackOff; a graceful
// delete is confirmed by the kubelet; a static pod of an extra kubelet shows as a mirror pod; and the real
// kubectl reads a pod's log through the API server's proxy to the kubelet.
import assert from 'node:assert/strict';
import { get } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { resources } from '../../shared/api/registry.ts';
import { ResourceClient, type ObjectOf } from '../../shared/client/resource-client.ts';
import { newDataDir, startUp, type UpProcess } from '../cluster/cluster-process.ts';
import type { ComponentProcess } from '../fixtures/component-process.ts';
import { openWatch } from '../helpers/http.ts';
import { kubectlFor, kubectlMissing } from '../helpers/kubectl.ts';
import { apiFor, containerStatus, eventsAbout, startKubelet, until, type Api, type Pod } from '../kubelet/harness.ts';

// Ports 23080 (API server) and 25250–25359 (components) and these addresses are this file's alone: the
// failover e2e uses port base 22080 with 127.1.90.x and 127.150/151, the cluster tests 12000–19000 with
// 127.1.200–249.x and 127.140/141, the kubelet tests 127.1.0–7.x and 127.64–66.x.
const PORT_BASE = 23080;
const NODE_IP = '127.1.160.1';
const CLUSTER_CIDR = '127.160.0.0/16';
const SERVICE_RANGE = '127.161.0.0/16';
const STATIC_NODE = 'e2e-static';
const STATIC_NODE_IP = '127.1.160.9';
/** The --fast settings of the launcher's kubelets, for the one started here. */
const FAST_KUBELET = ['--node-lease-duration-seconds', '8', '--node-lease-renew-interval', '1s', '--node-status-update-frequency', '2s'];

type Deployment = ObjectOf<typeof resources.deployments>;
type Service = ObjectOf<typeof resources.services>;

/** One HTTP GET on a connection of its own (kube-proxy balances connections, not requests). */
function answerOf(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = get(url, { agent: false, timeout: 3000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => { body += d; });
      res.on('end', () => (res.statusCode === 200 ? resolve(body.trim()) : reject(new Error(`${url}: ${res.statusCode} ${body}`))));
    });
    req.on('timeout', () => req.destroy(new Error(`${url}: timed out`)));
    req.on('error', reject);
  });
}

/** The pod names answering `requests` sequential requests (failed requests count as "error: ..."). */
async function answers(url: string, requests: number): Promise<string[]> {
  const names: string[] = [];
  for (let i = 0; i < requests; i++) names.push(await answerOf(url).catch((err: Error) => `error: ${err.message}`));
  return names;
}

const sameSet = (a: Iterable<string>, b: Iterable<string>) => {
  const x = new Set(a);
  const y = new Set(b);
  return x.size === y.size && [...x].every((v) => y.has(v));
};

describe('node e2e: a whole cluster of real processes', () => {
  const dataDir = newDataDir();
  const manifestDir = mkdtempSync(join(tmpdir(), 'k8ts-e2e-manifests-'));
  let up: UpProcess;
  let api: Api;
  let deployments: ResourceClient<Deployment>;
  let services: ResourceClient<Service>;
  let staticKubelet: ComponentProcess | undefined;
  // However this process ends, the cluster must not outlive it (`up` stops every process on SIGINT).
  const stopCluster = () => { if (up?.child.exitCode === null) up.child.kill('SIGINT'); };

  before(async () => {
    process.once('exit', stopCluster);
    up = await startUp(['--fast', '--nodes', '2', '--data-dir', dataDir, '--port-base', String(PORT_BASE),
      '--node-ip', NODE_IP, '--cluster-cidr', CLUSTER_CIDR, '--service-cluster-ip-range', SERVICE_RANGE]);
    await up.line(/^cluster ready in/, 60_000);
    api = apiFor(up.apiServerURL);
    deployments = new ResourceClient<Deployment>(api.client, resources.deployments);
    services = new ResourceClient<Service>(api.client, resources.services);
  });
  after(async () => {
    await staticKubelet?.kill();
    await api?.client.close();
    stopCluster();
    await up?.exited;
    process.removeListener('exit', stopCluster);
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(manifestDir, { recursive: true, force: true });
  });

  /** The deployment's pods that are not terminating, once `replicas` of them are Ready. */
  const readyPods = (replicas: number) => until(async () => {
    const pods = (await api.pods.list('default', { labelSelector: 'app=web' })).items.filter((p) => !p.metadata.deletionTimestamp);
    const ready = pods.filter((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
    return pods.length === replicas && ready.length === replicas && ready.map((p) => p.metadata.name!);
  }, `${replicas} web pods Ready`, 20_000);

  test('a Deployment behind a Service: its ClusterIP reaches every ready pod as it scales 3 → 5 → 3', async () => {
    await deployments.create('default', {
      metadata: { name: 'web' },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: {
            containers: [{
              name: 'web', image: 'nginx:1.27', ports: [{ name: 'http', containerPort: 8080 }],
              readinessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 1 },
            }],
          },
        },
      },
    } as unknown as Deployment);
    const service = await services.create('default', { metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 8000, targetPort: 'http' }] } } as unknown as Service);
    const clusterIP = service.spec?.clusterIP;
    assert.match(clusterIP ?? '', /^127\.161\./, 'a ClusterIP from the service range');
    const url = `http://${clusterIP}:8000/`;

    // Each pod answers its own name; round-robin over 3 endpoints shows all of them within 3·3 connections.
    const three = await readyPods(3);
    const seen3 = await until(async () => { const a = await answers(url, 9); return sameSet(a, three) && a; }, 'the ClusterIP answered by exactly the 3 pods');
    assert.equal(new Set(seen3).size, 3);

    await deployments.patch('default', 'web', { spec: { replicas: 5 } }, 'merge');
    const five = await readyPods(5);
    assert.ok(three.every((n) => five.includes(n)), 'scaling up keeps the old pods');
    await until(async () => sameSet(await answers(url, 15), five), 'the ClusterIP answered by exactly the 5 pods');

    await deployments.patch('default', 'web', { spec: { replicas: 3 } }, 'merge');
    const remaining = await readyPods(3);
    const removed = five.filter((n) => !remaining.includes(n));
    assert.equal(removed.length, 2);
    // The kubelet confirms the two deletions once their containers have stopped...
    await until(async () => (await api.pods.list('default', { labelSelector: 'app=web' })).items.length === 3, 'the 2 removed pods gone');
    // ...after which kube-proxy has dropped them and only the 3 remaining pods answer.
    await until(async () => sameSet(await answers(url, 9), remaining), 'the ClusterIP answered by exactly the 3 remaining pods');
    const last = await answers(url, 12);
    assert.deepEqual(last.filter((n) => removed.includes(n) || !remaining.includes(n)), [], 'no answer from a removed pod, no failed request');
  });

  test('a failing liveness probe restarts the container', async () => {
    await api.pods.create('default', {
      metadata: { name: 'unhealthy' },
      spec: {
        containers: [{
          name: 'app', image: 'nginx:1.27', ports: [{ containerPort: 8080 }],
          // Nothing listens on 8081: every probe is refused.
          livenessProbe: { httpGet: { path: '/healthz', port: 8081 }, periodSeconds: 1, failureThreshold: 1 },
        }],
      },
    } as Pod);
    const pod = await until(async () => {
      const p = await api.pods.get('default', 'unhealthy');
      return (containerStatus(p, 'app')?.restartCount ?? 0) >= 1 && p;
    }, 'unhealthy restarted', 20_000);
    assert.ok(pod.spec?.nodeName?.startsWith('node-'), 'scheduled onto a cluster node');
    assert.ok(containerStatus(pod, 'app')?.lastState?.terminated, 'the killed run is the last state');
    // Events are written apart from the status: wait for it too.
    await until(async () => (await eventsAbout(api, 'unhealthy')).some((e) => e.reason === 'Killing' && e.message === 'Container app failed liveness probe, will be restarted'), 'the Killing event of the liveness probe');
  });

  test('a container that exits 1 goes into CrashLoopBackOff', async () => {
    await api.pods.create('default', {
      metadata: { name: 'crasher' },
      spec: { containers: [{ name: 'app', image: 'busybox:1.36', command: ['sh', '-c', 'echo failing; exit 1'] }] },
    } as Pod);
    const status = await until(async () => {
      const s = containerStatus(await api.pods.get('default', 'crasher'), 'app');
      return s?.state?.waiting?.reason === 'CrashLoopBackOff' && s;
    }, 'crasher in CrashLoopBackOff', 20_000);
    assert.ok(status.restartCount >= 1);
    assert.equal(status.lastState?.terminated?.exitCode, 1);
    assert.equal(status.ready, false);
  });

  test('graceful deletion: marked with a deletionTimestamp, then gone once the kubelet has stopped it', async () => {
    await api.pods.create('default', { metadata: { name: 'graceful' }, spec: { containers: [{ name: 'app', image: 'nginx:1.27', ports: [{ containerPort: 8080 }] }] } } as Pod);
    const pod = await until(async () => {
      const p = await api.pods.get('default', 'graceful');
      return p.status?.phase === 'Running' && containerStatus(p, 'app')?.ready && p;
    }, 'graceful Running');
    const url = `http://${pod.status?.podIP}:8080/`;
    assert.equal(await answerOf(url), 'graceful');
    const watch = await openWatch(up.apiServerURL, `/api/v1/namespaces/default/pods?watch=1&fieldSelector=metadata.name%3Dgraceful&resourceVersion=${pod.metadata.resourceVersion}`);
    try {
      const started = Date.now();
      await api.pods.delete('default', 'graceful');
      const events = await watch.until((evs) => evs.some((e) => e.type === 'DELETED'), 20_000);
      // Nothing but the kubelet removes a pod before its 30 s grace period ends.
      assert.ok(Date.now() - started < 15_000, 'gone well within the grace period');
      const marked = events.find((e) => e.type === 'MODIFIED' && e.object.metadata.deletionTimestamp);
      assert.equal(marked?.object.metadata.deletionGracePeriodSeconds, 30, 'first marked for deletion');
      const final = events.filter((e) => e.type === 'MODIFIED').at(-1)!.object as Pod;
      assert.equal(containerStatus(final, 'app')?.state?.terminated?.exitCode, 143, 'the kubelet reported the SIGTERMed container');
      assert.equal((events.find((e) => e.type === 'DELETED')!.object as Pod).metadata.uid, pod.metadata.uid);
    } finally {
      watch.close();
    }
    await assert.rejects(answerOf(url), /ECONNREFUSED/);
    const killing = await until(async () => {
      const messages = (await eventsAbout(api, 'graceful')).filter((e) => e.reason === 'Killing').map((e) => e.message);
      return messages.length > 0 && messages;
    }, 'the kubelet\'s Killing event');
    assert.deepEqual(killing, ['Stopping container app']);
  });

  test('a static pod runs on its kubelet and shows in the API as a mirror pod', async () => {
    writeFileSync(join(manifestDir, 'static-web.yaml'), [
      'apiVersion: v1', 'kind: Pod', 'metadata: {name: static-web, namespace: default, labels: {role: static}}',
      'spec:', '  containers:', '  - {name: web, image: "nginx:1.27", ports: [{containerPort: 8080}]}', '',
    ].join('\n'));
    // Cordoned before it registers (the kubelet adopts the Node), so the scheduler puts nothing else there.
    await api.nodes.create('', { metadata: { name: STATIC_NODE }, spec: { unschedulable: true } } as ObjectOf<typeof resources.nodes>);
    staticKubelet = await startKubelet(up.apiServerURL, ['--hostname-override', STATIC_NODE, '--node-ip', STATIC_NODE_IP,
      '--pod-manifest-path', manifestDir, '--file-check-frequency', '1s', ...FAST_KUBELET]);
    const mirrorName = `static-web-${STATIC_NODE}`;
    const mirror = await until(async () => {
      const p = await api.pods.get('default', mirrorName).catch(() => undefined);
      return p?.status?.phase === 'Running' && p.status.podIP && p;
    }, 'the mirror pod Running', 20_000);
    assert.equal(mirror.spec?.nodeName, STATIC_NODE);
    assert.equal(mirror.metadata.annotations?.['kubernetes.io/config.source'], 'file');
    assert.ok(mirror.metadata.annotations?.['kubernetes.io/config.mirror'], 'config.mirror annotation');
    assert.deepEqual(mirror.metadata.ownerReferences?.map((o) => `${o.kind}/${o.name}`), [`Node/${STATIC_NODE}`]);
    assert.ok(mirror.status.podIP!.startsWith('127.160.'), 'a pod IP from the podCIDR node IPAM gave the new node');
    assert.equal(await answerOf(`http://${mirror.status.podIP}:8080/`), mirrorName);

    // The mirror is only a reflection: deleting it leaves the static pod running, and the kubelet recreates it.
    await api.pods.delete('default', mirrorName, { gracePeriodSeconds: 0 });
    const again = await until(async () => {
      const p = await api.pods.get('default', mirrorName).catch(() => undefined);
      return p && p.metadata.uid !== mirror.metadata.uid && p;
    }, 'the mirror pod recreated', 20_000);
    assert.equal(again.metadata.annotations?.['kubernetes.io/config.mirror'], mirror.metadata.annotations?.['kubernetes.io/config.mirror']);
    assert.equal(await answerOf(`http://${mirror.status.podIP}:8080/`), mirrorName, 'the static pod never stopped');
  });

  test('kubectl logs reads a pod\'s output through the API server and its kubelet', { skip: kubectlMissing }, async () => {
    await api.pods.create('default', {
      metadata: { name: 'echoer' },
      spec: { containers: [{ name: 'app', image: 'busybox:1.36', command: ['sh', '-c', 'for i in 1 2 3; do echo "line $i"; done; sleep 3600'] }] },
    } as Pod);
    await until(async () => (await api.pods.get('default', 'echoer')).status?.phase === 'Running', 'echoer Running');
    const kubectl = kubectlFor(up.apiServerURL);
    const logs = await until(async () => {
      const out = await kubectl.run('logs', 'echoer');
      return out === 'line 1\nline 2\nline 3\n' && out;
    }, 'kubectl logs shows the three lines');
    assert.equal(logs, 'line 1\nline 2\nline 3\n');
    assert.equal(await kubectl.run('logs', 'echoer', '-c', 'app', '--tail=1'), 'line 3\n');
    const missing = await kubectl.tryRun('logs', 'no-such-pod');
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /pods "no-such-pod" not found/);
  });
});
