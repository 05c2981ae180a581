// The scheduler's benchmark: a real API server process with 1,000 Ready nodes (4 cpu, 16Gi, 110 pods)
// and 10,000 pending pods (100 ReplicaSet-like owners x 100 pods, 100m / 128Mi each), then ONE
// kube-scheduler process (scheduler/main.ts). From a watch on pods it measures the time from the
// scheduler's start to every pod bound, the rate overall and in the steady state, how evenly pods and
// each owner's pods are spread, and the memory and CPU of both processes.
//   node --import tsx scripts/bench-scheduler.ts [--nodes 1000 --pods 10000 --owners 100 --bind-concurrency 32]
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import { repoRoot, startApiServer } from '../test/helpers/apiserver.ts';

const { values: flags } = parseArgs({
  options: {
    nodes: { type: 'string', default: '1000' },
    pods: { type: 'string', default: '10000' },
    owners: { type: 'string', default: '100' },
    'bind-concurrency': { type: 'string', default: '' },
    concurrency: { type: 'string', default: '32' },
  },
});
const NODES = Number(flags.nodes);
const PODS = Number(flags.pods);
const OWNERS = Number(flags.owners);
const CREATE_CONCURRENCY = Number(flags.concurrency);
const TARGET = 1000;

const say = (line = '') => console.log(line);
const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const mb = (bytes: number) => `${fmt(bytes / 1024 / 1024)} MB`;
const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** Resident memory of a process, from /proc (bytes). */
function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

/** CPU seconds a process has used (user + system), from /proc/<pid>/stat (in clock ticks of 10 ms). */
function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Runs `fn` over 0..n-1 with at most `limit` at once. */
async function forEachBounded(n: number, limit: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < n) await fn(next++);
  }));
}

const cpu = cpus();
say(`k8ts scheduler benchmark — ${new Date().toISOString()}, node ${process.version}, ${cpu.length} CPUs (${cpu[0]?.model.trim() ?? '?'})`);
say(`API server, scheduler and this load generator (creates, watch) share those ${cpu.length} cores; load average before: ${loadavg().map((l) => l.toFixed(2)).join(' ')}.`);
say(`${fmt(NODES)} nodes (Ready; 4 cpu, 16Gi, 110 pods), ${fmt(PODS)} pending pods of ${OWNERS} owners (100m cpu, 128Mi each), target ${fmt(TARGET)} pods/s.`);
say();

const server = await startApiServer({ args: [] });
const serverPid = server.child.pid!;
const pool = new Pool(server.url, { connections: CREATE_CONCURRENCY, pipelining: 1 });
const post = async (path: string, body: unknown) => {
  const res = await pool.request({ method: 'POST', path, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await res.body.text();
  if (res.statusCode !== 201) throw new Error(`POST ${path}: ${res.statusCode} ${text.slice(0, 300)}`);
};

let scheduler: ReturnType<typeof spawn> | undefined;
try {
  // --- setup: nodes and pending pods ---------------------------------------------------------
  const allocatable = { cpu: '4', memory: '16Gi', pods: '110' };
  let t0 = performance.now();
  await forEachBounded(NODES, CREATE_CONCURRENCY, (i) => {
    const name = `node-${String(i).padStart(4, '0')}`;
    return post('/api/v1/nodes', {
      apiVersion: 'v1', kind: 'Node',
      metadata: { name, labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux' } },
      status: { capacity: allocatable, allocatable, conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' }] },
    });
  });
  const nodesMs = performance.now() - t0;
  say(`[setup] ${fmt(NODES)} nodes created in ${secs(nodesMs)} (${fmt(NODES / (nodesMs / 1000))}/s, ${CREATE_CONCURRENCY} at once)`);

  const perOwner = Math.ceil(PODS / OWNERS);
  const ownerOf = (i: number) => Math.floor(i / perOwner);
  t0 = performance.now();
  await forEachBounded(PODS, CREATE_CONCURRENCY, (i) => {
    const owner = ownerOf(i);
    const rs = `app-${owner}-7d9f8b6c5`;
    return post('/api/v1/namespaces/default/pods', {
      apiVersion: 'v1', kind: 'Pod',
      metadata: {
        name: `${rs}-${i.toString(36).padStart(5, '0')}`,
        labels: { app: `app-${owner}`, 'pod-template-hash': '7d9f8b6c5' },
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rs, uid: `00000000-0000-4000-8000-${String(owner).padStart(12, '0')}`, controller: true, blockOwnerDeletion: true }],
      },
      spec: { containers: [{ name: 'app', image: 'registry.k8s.io/pause:3.10', resources: { requests: { cpu: '100m', memory: '128Mi' } } }] },
    });
  });
  const podsMs = performance.now() - t0;
  const createRate = PODS / (podsMs / 1000);
  say(`[setup] ${fmt(PODS)} pods created in ${secs(podsMs)} (${fmt(createRate)}/s): the server's write rate, for reference`);
  const rssServerBefore = rssOf(serverPid);

  // --- the watch that times the binds ---------------------------------------------------------
  const listRes = await pool.request({ method: 'GET', path: '/api/v1/namespaces/default/pods?limit=1' });
  const rv = (JSON.parse(await listRes.body.text()) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
  const watch = new AbortController();
  const watchRes = await pool.request({ method: 'GET', path: `/api/v1/namespaces/default/pods?watch=1&resourceVersion=${rv}&allowWatchBookmarks=true`, signal: watch.signal });
  const boundAt = new Float64Array(PODS);
  const nodeOfPod = new Map<string, string>();
  let bound = 0;
  let allBound: () => void = () => undefined;
  const done = new Promise<void>((resolve) => { allBound = resolve; });
  void (async () => {
    let buffer = '';
    try {
      for await (const chunk of watchRes.body) {
        buffer += chunk.toString();
        let nl: number;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + 1);
          if (!line.includes('"nodeName"')) continue;
          const ev = JSON.parse(line) as { type: string; object: { metadata: { name: string }; spec: { nodeName?: string } } };
          const { name } = ev.object.metadata;
          if (!ev.object.spec.nodeName || nodeOfPod.has(name)) continue;
          nodeOfPod.set(name, ev.object.spec.nodeName);
          boundAt[bound++] = performance.now();
          if (bound === PODS) allBound();
        }
      }
    } catch { /* aborted at the end */ }
  })();

  // --- the scheduler --------------------------------------------------------------------------
  const args = ['--import', 'tsx', 'scheduler/main.ts', '--master', server.url, '--leader-elect=false', '--secure-port', '0'];
  if (flags['bind-concurrency']) args.push('--bind-concurrency', flags['bind-concurrency']);
  const startedAt = performance.now();
  const serverCpuBefore = cpuSecondsOf(serverPid);
  const selfCpuBefore = process.cpuUsage();
  scheduler = spawn(process.execPath, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LOG_LEVEL: 'warn' } });
  const schedulerPid = scheduler.pid!;
  const schedulerOutput: string[] = [];
  createInterface({ input: scheduler.stdout! }).on('line', (l) => schedulerOutput.push(l));
  createInterface({ input: scheduler.stderr! }).on('line', (l) => {
    schedulerOutput.push(l);
    process.stderr.write(`  [scheduler] ${l}\n`);
  });
  const exited = new Promise<number | null>((resolve) => scheduler!.once('exit', (code) => resolve(code)));
  void exited.then((code) => { if (bound < PODS) { console.error(`scheduler exited (${code}) with ${bound} pods bound:\n${schedulerOutput.slice(-20).join('\n')}`); process.exit(1); } });
  let peakScheduler = 0;
  let peakServer = 0;
  let schedulerCpu = 0;
  const sampler = setInterval(() => {
    try {
      peakScheduler = Math.max(peakScheduler, rssOf(schedulerPid));
      peakServer = Math.max(peakServer, rssOf(serverPid));
      schedulerCpu = cpuSecondsOf(schedulerPid);
    } catch { /* exited */ }
  }, 100);
  const timeout = setTimeout(() => { console.error(`timed out with ${bound} of ${PODS} bound`); process.exit(1); }, 300_000);
  await done;
  const finishedAt = performance.now();
  clearTimeout(timeout);
  clearInterval(sampler);
  const schedulerRss = rssOf(schedulerPid);
  const serverRss = rssOf(serverPid);
  schedulerCpu = cpuSecondsOf(schedulerPid);
  const serverCpu = cpuSecondsOf(serverPid) - serverCpuBefore;
  const self = process.cpuUsage(selfCpuBefore);
  const selfCpu = (self.user + self.system) / 1e6;
  watch.abort();

  // --- figures ----------------------------------------------------------------------------------
  const total = finishedAt - startedAt;
  const firstBind = boundAt[0] - startedAt;
  const at = (fraction: number) => boundAt[Math.min(PODS - 1, Math.floor(PODS * fraction))];
  const steadyRate = (PODS * 0.8) / ((at(0.9) - at(0.1)) / 1000);
  const bindingSpan = boundAt[PODS - 1] - boundAt[0];
  say();
  say(`[scheduling] all ${fmt(PODS)} pods bound ${secs(total)} after the scheduler process started`);
  say(`  startup (process start, list ${fmt(NODES)} nodes + ${fmt(PODS)} pods, first bind): ${secs(firstBind)}`);
  say(`  overall:      ${fmt(PODS / (total / 1000))} pods/s (start of process to last bind)`);
  say(`  binding span: ${fmt(PODS / (bindingSpan / 1000))} pods/s (first bind to last bind, ${secs(bindingSpan)})`);
  say(`  steady state: ${fmt(steadyRate)} pods/s (10% to 90% bound)`);
  const perSecond: string[] = [];
  for (let s = Math.floor(firstBind / 1000); s * 1000 < total; s++) {
    let n = 0;
    for (let i = 0; i < PODS; i++) if (boundAt[i] - startedAt >= s * 1000 && boundAt[i] - startedAt < (s + 1) * 1000) n++;
    perSecond.push(fmt(n));
  }
  say(`  binds per second of the run, from the first: ${perSecond.join(' ')}`);
  say(`  load average at the end: ${loadavg().map((l) => l.toFixed(2)).join(' ')} (other work on the machine slows every figure here)`);
  say(`  CPU during the run: scheduler ${fmt(schedulerCpu / (total / 1000), 2)} cores, API server ${fmt(serverCpu / (total / 1000), 2)} cores, this process (watch) ${fmt(selfCpu / (total / 1000), 2)} cores`);
  say(`  scheduler CPU per pod: ${fmt((schedulerCpu * 1e6) / PODS)} µs (startup included)`);

  const perNode = new Map<string, number>();
  for (const node of nodeOfPod.values()) perNode.set(node, (perNode.get(node) ?? 0) + 1);
  const counts = Array.from({ length: NODES }, (_, i) => perNode.get(`node-${String(i).padStart(4, '0')}`) ?? 0);
  const mean = PODS / NODES;
  const stddev = Math.sqrt(counts.reduce((s, c) => s + (c - mean) ** 2, 0) / NODES);
  const ownerNodes = new Map<number, Set<string>>();
  for (const [name, node] of nodeOfPod) {
    const owner = Number(/^app-(\d+)-/.exec(name)![1]);
    let set = ownerNodes.get(owner);
    if (!set) ownerNodes.set(owner, (set = new Set()));
    set.add(node);
  }
  const distinct = [...ownerNodes.values()].map((s) => s.size);
  const overcommitted = counts.filter((c) => c * 100 > 4000 || c > 110).length;
  say();
  say(`[spread] pods per node: min ${Math.min(...counts)}, max ${Math.max(...counts)}, mean ${fmt(mean, 1)}, stddev ${fmt(stddev, 2)}; nodes used ${perNode.size} of ${fmt(NODES)}; overcommitted nodes: ${overcommitted}`);
  say(`  per owner (${perOwner} pods each), distinct nodes: min ${Math.min(...distinct)}, mean ${fmt(distinct.reduce((a, b) => a + b, 0) / distinct.length, 1)}, max ${Math.max(...distinct)} (${perOwner} = every pod on its own node)`);

  say();
  say(`[memory] scheduler RSS ${mb(schedulerRss)} at the end (peak ${mb(peakScheduler)}): ${fmt((peakScheduler / (PODS + NODES)) / 1024, 1)} kB per object cached (peak)`);
  say(`  API server RSS ${mb(serverRss)} at the end (peak ${mb(peakServer)}; ${mb(rssServerBefore)} before the scheduler started)`);

  say();
  say('[ratios]');
  say(`  steady-state rate / target (${fmt(TARGET)} pods/s): ${(steadyRate / TARGET).toFixed(2)}`);
  say(`  overall rate / target: ${((PODS / (total / 1000)) / TARGET).toFixed(2)}`);
  say(`  steady-state binds/s / the server's pod creates/s in setup: ${(steadyRate / createRate).toFixed(2)} (each bound pod is a bind write and a Scheduled event write)`);
  say(`  max / mean pods per node: ${(Math.max(...counts) / mean).toFixed(2)}; stddev / mean: ${(stddev / mean).toFixed(3)}`);
  say(`  scheduler peak RSS / API server peak RSS: ${(peakScheduler / peakServer).toFixed(2)}`);

  scheduler.kill('SIGTERM');
  const code = await exited;
  say();
  say(`scheduler exited with ${code} after SIGTERM`);
} finally {
  if (scheduler && scheduler.exitCode === null) scheduler.kill('SIGKILL');
  await pool.close();
  await server.cleanup();
}
