// The pod start-up benchmark (kube's pod start-up SLI, density-test style): a real API server, a
// controller-manager (node IPAM gives every node a podCIDR), ONE kubelet process hosting 100 simulated
// nodes (127.2.0.1 …) with --fast's lease and status timings, and a scheduler, each its own process.
// Pods are bare pods like a real app's (a port and an httpGet readiness probe each); a watch times each
// from its create to bound, Running and Ready. Two phases:
//   1. steady: 1,000 pods created at --qps (100/s), below the cluster's throughput, as kube's SLO
//      presumes (p99 create → Running ≤ 5 s; the target here is 1 s);
//   2. burst: another 1,000 created as fast as the API server takes them: what queueing costs when
//      creates outrun the pipeline, and the pipeline's throughput end to end.
// Also the kubelet's memory per node (against a one-node kubelet) and per pod, its CPU, and the API
// server's memory.
//   node --import tsx scripts/bench-pods.ts [--pods 1000 --burst 1000 --nodes 100 --qps 100 --concurrency 32 --kube-timings]
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import { FAST_FLAGS } from './cluster/layout.ts';
import { startComponent, type ComponentProcess } from './bench/pods-components.ts';
import { PodStartupWatch } from './bench/pods-startup-watch.ts';
import { cpuSecondsOf, machineBusySeconds, memoryOf, startServer, waitForQuiet, type ServerProcess } from './bench/processes.ts';
import { count, distributionOf, mb, ms, ratio, table, type Distribution } from './bench/stats.ts';

const { values: flags } = parseArgs({
  options: {
    pods: { type: 'string', default: '1000' },
    burst: { type: 'string', default: '1000' },
    nodes: { type: 'string', default: '100' },
    qps: { type: 'string', default: '100' },
    concurrency: { type: 'string', default: '32' },
    'node-ip': { type: 'string', default: '127.2.0.1' },
    'cluster-cidr': { type: 'string', default: '127.176.0.0/12' },
    'kube-timings': { type: 'boolean', default: false },
  },
});
const PODS = Number(flags.pods);
const BURST = Number(flags.burst);
const NODES = Number(flags.nodes);
const QPS = Number(flags.qps);
const CONCURRENCY = Number(flags.concurrency);
const TARGET_P99_MS = 1000;
const KUBE_SLO_P99_MS = 5000;
/** A one-node kubelet, measured first: what a kubelet process costs before its nodes do. */
const BASELINE_NODE = 'bench-baseline';
const BASELINE_IP = '127.2.255.1';
const NODE_PREFIX = 'bench-node';
const kubeletTimings = flags['kube-timings'] ? [] : FAST_FLAGS.kubelet;
const REST_WINDOW_MS = 3000;

const say = (line = '') => console.log(line);
const secs = (milliseconds: number) => `${(milliseconds / 1000).toFixed(2)} s`;
const cores = (cpuSeconds: number, wallMs: number) => `${(cpuSeconds / (wallMs / 1000)).toFixed(2)} cores`;
const podName = (i: number) => `web-${String(i).padStart(5, '0')}`;
const podIndex = (name: string) => (name.startsWith('web-') ? Number(name.slice(4)) : -1);

/** A web app's pod: one container serving 8080, Ready once /healthz answers. */
const podBody = (i: number) => JSON.stringify({
  apiVersion: 'v1', kind: 'Pod',
  metadata: { name: podName(i), labels: { app: 'web', shard: String(i % 10) } },
  spec: {
    containers: [{
      name: 'web', image: 'nginx:1.27', ports: [{ name: 'http', containerPort: 8080 }],
      resources: { requests: { cpu: '100m', memory: '128Mi' } },
      readinessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 10 },
    }],
  },
});

/** The median RSS of `pid` over the rest window (RSS moves with the garbage collector), and its CPU over it. */
async function atRest(pid: number): Promise<{ rss: number; cpuSeconds: number }> {
  const samples: number[] = [];
  const cpuBefore = cpuSecondsOf(pid);
  const end = performance.now() + REST_WINDOW_MS;
  while (performance.now() < end) {
    samples.push(memoryOf(pid).rss);
    await new Promise((r) => setTimeout(r, 200));
  }
  samples.sort((a, b) => a - b);
  return { rss: samples[Math.floor(samples.length / 2)], cpuSeconds: cpuSecondsOf(pid) - cpuBefore };
}

/** Runs `fn` over 0..n-1 with at most `limit` at once. */
async function forEachBounded(n: number, limit: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < n) await fn(next++);
  }));
}

const cpu = cpus();
say(`k8ts pod start-up benchmark — ${new Date().toISOString()}, node ${process.version}, ${cpu.length} CPUs (${cpu[0]?.model.trim() ?? '?'})`);
say(`API server, controller-manager, scheduler, kubelet and this load generator share those ${cpu.length} cores; load average before: ${loadavg().map((l) => l.toFixed(2)).join(' ')}.`);
say(`${count(NODES)} nodes in one kubelet process (${flags['node-ip']} …; ${kubeletTimings.length ? `--fast timings: ${kubeletTimings.join(' ')}` : 'kube\'s default timings'}).`);
say(`Pods: nginx:1.27, port 8080, httpGet readiness probe; steady phase ${count(PODS)} at ${QPS}/s, burst phase ${count(BURST)} as fast as the API server takes them (${CONCURRENCY} at once).`);
say();

const tmp = mkdtempSync(join(tmpdir(), 'k8ts-bench-pods-'));
const started: (ServerProcess | ComponentProcess)[] = [];
let pool: Pool | undefined;
let watch: PodStartupWatch | undefined;
try {
  // --- control plane --------------------------------------------------------------------------------
  const apiserver = await startServer('apiserver/main.ts', ['--port', '0', '--data-dir', join(tmp, 'apiserver')], { env: { LOG_LEVEL: 'warn' } });
  started.push(apiserver);
  const api = apiserver.url;
  const http = new Pool(api, { connections: CONCURRENCY + 4, pipelining: 1 });
  pool = http;
  const call = async (method: 'GET' | 'POST' | 'DELETE', path: string, body?: string) => {
    const res = await http.request({ method, path, headers: body ? { 'content-type': 'application/json' } : {}, body });
    const text = await res.body.text();
    if (res.statusCode >= 300) throw new Error(`${method} ${path}: ${res.statusCode} ${text.slice(0, 300)}`);
    return text;
  };
  const apiRssEmpty = memoryOf(apiserver.pid).rss;
  const controllerManager = await startComponent('controller-manager', 'controller-manager/main.ts', [
    '--master', api, '--leader-elect=false', '--secure-port', '0', '--cluster-cidr', flags['cluster-cidr'],
    ...(flags['kube-timings'] ? [] : FAST_FLAGS.controllerManager),
  ]);
  started.push(controllerManager);

  /** Resolves once `want` of the nodes `isOurs` picks are Ready with a podCIDR (polled: registration is timed coarsely). */
  const nodesReady = async (isOurs: (name: string) => boolean, want: number, timeoutMs = 60_000) => {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const list = JSON.parse(await call('GET', '/api/v1/nodes')) as { items: { metadata: { name: string }; spec?: { podCIDR?: string }; status?: { conditions?: { type: string; status: string }[] } }[] };
      const ready = list.items.filter((n) => isOurs(n.metadata.name) && n.spec?.podCIDR && n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
      if (ready.length >= want) return;
      if (performance.now() > deadline) throw new Error(`only ${ready.length} of ${want} nodes Ready with a podCIDR after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  // --- a one-node kubelet: the process's own cost --------------------------------------------------
  const baselineKubelet = await startComponent('kubelet (1 node)', 'kubelet/main.ts', ['--master', api, '--hostname-override', BASELINE_NODE, '--node-ip', BASELINE_IP, '--port', '0', ...kubeletTimings]);
  await nodesReady((n) => n === BASELINE_NODE, 1);
  const baseline = await atRest(baselineKubelet.pid);
  await baselineKubelet.stop();
  await call('DELETE', `/api/v1/nodes/${BASELINE_NODE}`);

  // --- the 100-node kubelet, then the scheduler -------------------------------------------------------
  const kubeletStart = performance.now();
  const kubelet = await startComponent('kubelet', 'kubelet/main.ts', [
    '--master', api, '--nodes', String(NODES), '--node-name-prefix', NODE_PREFIX, '--node-ip', flags['node-ip'], '--port', '0', ...kubeletTimings,
  ]);
  started.push(kubelet);
  await nodesReady((n) => n.startsWith(`${NODE_PREFIX}-`), NODES);
  say(`[nodes] ${count(NODES)} nodes registered, Ready and given a podCIDR ${secs(performance.now() - kubeletStart)} after the kubelet process started (kubelet CPU ${cpuSecondsOf(kubelet.pid).toFixed(2)} s, start-up included)`);
  const apiCpuBefore = cpuSecondsOf(apiserver.pid);
  const idle = await atRest(kubelet.pid);
  const apiIdle = { rss: memoryOf(apiserver.pid).rss, cpuSeconds: cpuSecondsOf(apiserver.pid) - apiCpuBefore };
  const scheduler = await startComponent('scheduler', 'scheduler/main.ts', ['--master', api, '--leader-elect=false', '--secure-port', '0']);
  started.push(scheduler);

  const rv = (JSON.parse(await call('GET', '/api/v1/namespaces/default/pods?limit=1')) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
  const podsWatch = new PodStartupWatch(PODS + BURST, podIndex);
  watch = podsWatch;
  await podsWatch.start(http, '/api/v1/namespaces/default/pods', rv);
  const created = new Float64Array(PODS + BURST);

  /** Creates pods first..first+n-1 (at `qps`, or unpaced when 0), waits until all are Ready, and reports. */
  const phase = async (label: string, first: number, n: number, qps: number) => {
    if (!(await waitForQuiet(20_000))) say(`  (${label}: the machine did not go quiet within 20 s; other work is running and slows every figure below)`);
    const meters = [kubelet, apiserver, scheduler, controllerManager].map((p) => ({ name: p === apiserver ? 'apiserver' : (p as ComponentProcess).name, pid: p.pid, before: cpuSecondsOf(p.pid) }));
    const machineBefore = machineBusySeconds();
    const selfBefore = process.cpuUsage();
    const t0 = performance.now();
    await forEachBounded(n, CONCURRENCY, async (k) => {
      if (qps > 0) {
        const wait = t0 + (k * 1000) / qps - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      }
      created[first + k] = performance.now();
      await call('POST', '/api/v1/namespaces/default/pods', podBody(first + k));
    });
    const createdMs = performance.now() - t0;
    await podsWatch.until('running', first + n, 120_000);
    const allRunningMs = performance.now() - t0;
    await podsWatch.until('ready', first + n, 120_000);
    const wall = performance.now() - t0;
    const cpuUsed = meters.map((m) => ({ ...m, seconds: cpuSecondsOf(m.pid) - m.before }));
    const self = process.cpuUsage(selfBefore);
    const selfSeconds = (self.user + self.system) / 1e6;
    const others = Math.max(0, machineBusySeconds() - machineBefore - cpuUsed.reduce((s, m) => s + m.seconds, 0) - selfSeconds);

    const span = (to: Float64Array, from: Float64Array) => distributionOf(Array.from({ length: n }, (_, k) => to[first + k] - from[first + k]));
    const latencies: [string, Distribution][] = [
      ['create → bound (scheduler)', span(podsWatch.scheduled, created)],
      ['bound → Running (kubelet)', span(podsWatch.running, podsWatch.scheduled)],
      ['Running → Ready (first probe)', span(podsWatch.ready, podsWatch.running)],
      ['create → Running', span(podsWatch.running, created)],
      ['create → Ready', span(podsWatch.ready, created)],
    ];
    const perNode = new Map<string, number>();
    for (let k = first; k < first + n; k++) perNode.set(podsWatch.nodeOf[k], (perNode.get(podsWatch.nodeOf[k]) ?? 0) + 1);
    const spread = [...perNode.values()];
    say();
    say(`[${label}] ${count(n)} pods created in ${secs(createdMs)} (${count(n / (createdMs / 1000))}/s); all Running ${secs(allRunningMs)}, all Ready ${secs(wall)} after the first create (${count(n / (wall / 1000))} pods/s end to end)`);
    say(table(['pod start-up latency (watch)', 'p50', 'p99', 'max'], latencies.map(([name, d]) => [name, ms(d.p50), ms(d.p99), ms(d.max)])));
    say(`  pods per node: min ${Math.min(...spread)}, max ${Math.max(...spread)} over ${perNode.size} nodes`);
    say(table(['CPU (first create → all Ready)', 'CPU s', 'average'], [
      ...cpuUsed.map((m) => [m.name, m.seconds.toFixed(2), cores(m.seconds, wall)]),
      ['this load generator (creates, watch)', selfSeconds.toFixed(2), cores(selfSeconds, wall)],
      ['everything else on the machine', others.toFixed(2), cores(others, wall)],
    ]));
    say(`  kubelet CPU per pod started: ${ms((cpuUsed[0].seconds * 1000) / n)}`);
    return { running: latencies[3][1], ready: latencies[4][1] };
  };

  const steady = await phase(`steady, ${QPS}/s`, 0, PODS, QPS);
  const loaded = await atRest(kubelet.pid);
  const apiRssLoaded = memoryOf(apiserver.pid).rss;
  const burst = BURST > 0 ? await phase('burst', PODS, BURST, 0) : undefined;
  const full = burst ? await atRest(kubelet.pid) : undefined;

  // --- memory and ratios -----------------------------------------------------------------------------
  say();
  const rest = (c: number) => cores(c, REST_WINDOW_MS);
  say(table(['kubelet process', 'RSS (median over 3 s)', 'CPU at rest'], [
    [`1 node (${BASELINE_NODE})`, mb(baseline.rss), rest(baseline.cpuSeconds)],
    [`${count(NODES)} nodes, no pods`, mb(idle.rss), rest(idle.cpuSeconds)],
    [`${count(NODES)} nodes, ${count(PODS)} pods Ready`, mb(loaded.rss), rest(loaded.cpuSeconds)],
    ...(full ? [[`${count(NODES)} nodes, ${count(PODS + BURST)} pods Ready`, mb(full.rss), rest(full.cpuSeconds)]] : []),
  ]));
  const perNodeBytes = (idle.rss - baseline.rss) / Math.max(1, NODES - 1);
  const perPodBytes = (loaded.rss - idle.rss) / PODS;
  say(`  memory per node: ${(perNodeBytes / 1024).toFixed(0)} kB ((RSS with ${NODES} nodes − RSS with 1) / ${NODES - 1}); per pod: ${(perPodBytes / 1024).toFixed(0)} kB ((RSS with ${PODS} pods − without) / ${PODS})${full ? `, ${((full.rss - loaded.rss) / BURST / 1024).toFixed(0)} kB for the next ${count(BURST)}` : ''}`);
  say(`  API server RSS: ${mb(apiRssEmpty)} empty, ${mb(apiIdle.rss)} with ${NODES} nodes (renewing their leases takes ${rest(apiIdle.cpuSeconds)}), ${mb(apiRssLoaded)} with ${count(PODS)} pods${burst ? `, ${mb(memoryOf(apiserver.pid).rss)} with ${count(PODS + BURST)}` : ''}`);

  say();
  say('[ratios]');
  say(`  steady p99 create → Running / target (${ms(TARGET_P99_MS)}): ${ratio(steady.running.p99 / TARGET_P99_MS)}; / kube's SLO (${ms(KUBE_SLO_P99_MS)}): ${ratio(steady.running.p99 / KUBE_SLO_P99_MS)}`);
  say(`  steady p99 create → Ready / target: ${ratio(steady.ready.p99 / TARGET_P99_MS)}`);
  if (burst) say(`  burst p99 create → Running / target: ${ratio(burst.running.p99 / TARGET_P99_MS)}; / kube's SLO: ${ratio(burst.running.p99 / KUBE_SLO_P99_MS)}; burst p99 / steady p99: ${ratio(burst.running.p99 / steady.running.p99)}`);
  say(`  kubelet RSS with ${count(PODS)} pods / with none: ${ratio(loaded.rss / idle.rss)}; with ${NODES} nodes / with 1: ${ratio(idle.rss / baseline.rss)}`);
  say(`  kubelet RSS / API server RSS (${count(PODS)} pods): ${ratio(loaded.rss / apiRssLoaded)}`);
  say(`  load average at the end: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  say();
  const verdict = steady.running.p99 < TARGET_P99_MS ? 'PASS' : 'MISS';
  say(`${verdict}: steady p99 pod start-up (create → Running) ${ms(steady.running.p99)} ${verdict === 'PASS' ? '<' : '≥'} ${ms(TARGET_P99_MS)}`);
} finally {
  watch?.close();
  await pool?.close();
  // Node components first, the API server last (as the cluster launcher stops them).
  for (const p of [...started].reverse()) await p.stop();
  rmSync(tmp, { recursive: true, force: true });
}
