// The API server's benchmark: figures and ratios from one run, on whatever machine this is.
//   1. the ceiling: bare Fastify answering a JSON POST (its own process)
//   2. the raw store: LmdbBackend creates/s (its own process)
//   3. API server pod creates/s and latency, against 1 and 2
//   4. watch fan-out: delivery latency to many watchers while pods are written at a steady rate
//   5. listing 10,000 pods
//   6. the server's memory with 10,000 pods
// npm run bench:apiserver [-- --duration 10 --watchers 1000 --profile]
// --profile runs the API server under --cpu-prof and prints each phase's hottest functions.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Pool, request } from 'undici';
import { runLoad, type LoadResult } from './bench/load.ts';
import { podBodies } from './bench/pods.ts';
import { cpuMeter, machineBusySeconds, memoryOf, runWorker, startServer, waitForQuiet, type Memory, type ServerProcess } from './bench/processes.ts';
import { count, distributionOf, mb, ms, perSecond, ratio, table, type Distribution } from './bench/stats.ts';
import type { StoreWriteResult } from './bench/store-writes.ts';
import { runWatchFanout, type FanoutResult } from './bench/watch-fanout.ts';
import { formatSummary, monotonicMicros, readProfile, summarize } from './bench/cpuprofile.ts';

const { values: flags } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '64' },
    watchers: { type: 'string', default: '1000' },
    'watch-rate': { type: 'string', default: '50' },
    pods: { type: 'string', default: '10000' },
    profile: { type: 'boolean', default: false },
  },
});
const durationMs = Number(flags.duration) * 1000;
const connections = Number(flags.connections);
const watchers = Number(flags.watchers);
const watchRate = Number(flags['watch-rate']);
const listPods = Number(flags.pods);
const WARMUP_MS = 1000;
/** How long each measurement waits for other work on the machine to pause. */
const QUIET_WAIT_MS = 15_000;
const PODS = '/api/v1/namespaces/default/pods';

const pods = podBodies();
const say = (line = '') => console.log(line);
const cpu = cpus();
say(`k8ts API server benchmark — ${new Date().toISOString()}, node ${process.version}, ${cpu.length} CPUs (${cpu[0]?.model.trim() ?? '?'})`);
say(`The load generator runs in this process and shares those ${cpu.length} cores with the server it measures.`);
say(`Request bodies: a Deployment-style pod, ${count(pods.body('bench-12345').length)} bytes of JSON, pre-serialized.`);
say(`Each fixed-time run has a ${WARMUP_MS / 1000} s warm-up first; ${connections} keep-alive connections, one request in flight on each.`);
const idleBusy = machineBusySeconds();
await new Promise((r) => setTimeout(r, 1000));
const background = machineBusySeconds() - idleBusy;
say(`Before starting, the machine was ${background.toFixed(2)} cores busy with other work; each measurement waits up to ${QUIET_WAIT_MS / 1000} s for a quiet second first.`);
if (flags.profile) say('PROFILING: the API server runs under --cpu-prof, so its figures are lower than without.');

const createLoad = (url: string, prefix: string, extra: { durationMs?: number; total?: number; onOk?: (name: string) => void }) =>
  runLoad({
    url,
    connections,
    ...extra,
    expectStatus: 201,
    request: (i) => ({ method: 'POST', path: PODS, body: pods.body(`${prefix}${i}`) }),
    onOk: extra.onOk && ((i) => extra.onOk!(`${prefix}${i}`)),
  });

async function quiet(): Promise<void> {
  if (!(await waitForQuiet(QUIET_WAIT_MS))) say(`  (the machine did not go quiet within ${QUIET_WAIT_MS / 1000} s; measuring anyway)`);
}

/** The most cores other work took during a measurement: the figures are only as good as this is small. */
let noise = 0;
/** Profile windows of the API server's phases (CLOCK_MONOTONIC microseconds). */
const phases: { name: string; from: number; to: number }[] = [];

/** Waits for a quiet machine, runs `load`, and tells the cores the server and this process (the clients) used meanwhile. */
async function withCpu<T>(serverPid: number, load: () => Promise<T>, phase?: string): Promise<[T, string]> {
  await quiet();
  const meter = cpuMeter(serverPid);
  const from = monotonicMicros();
  const result = await load();
  if (phase) phases.push({ name: phase, from, to: monotonicMicros() });
  const { server, client, rest } = meter();
  noise = Math.max(noise, rest);
  return [result, `CPU (cores): server ${server.toFixed(2)}, load generator (this process) ${client.toFixed(2)}, rest of the machine ${rest.toFixed(2)}`];
}

const describeLoad = (r: LoadResult) =>
  `${perSecond(r.perSecond)} (${count(r.ok)} in ${(r.elapsedMs / 1000).toFixed(1)} s), latency p50 ${ms(r.latency.p50)}, p99 ${ms(r.latency.p99)}, max ${ms(r.latency.max)}` +
  (r.failed ? `; ${count(r.failed)} FAILED ${JSON.stringify(r.failures)}: ${r.firstFailure}` : '');

// 1. The ceiling.
say();
say('[1/6] Ceiling: bare Fastify (own process), POST parses the JSON body and answers 201 with it');
const bare = await startServer('scripts/bench/bare-fastify.ts', []);
await createLoad(bare.url, 'warm-', { durationMs: WARMUP_MS });
const [ceiling, ceilingCpu] = await withCpu(bare.pid, () => createLoad(bare.url, 'bench-', { durationMs }));
await bare.stop();
say(`  ${describeLoad(ceiling)}`);
say(`  ${ceilingCpu}`);

// 2. The raw store.
say();
say(`[2/6] Raw store: LmdbBackend opened directly (own process), ${connections} creates in flight, pod-sized values`);
await quiet();
const store = await runWorker<StoreWriteResult>('scripts/bench/store-writes.ts', ['--duration-ms', String(Math.min(durationMs, 5000)), '--concurrency', String(connections)]);
say(`  ${perSecond(store.perSecond)} (${count(store.creates)} in ${(store.elapsedMs / 1000).toFixed(1)} s, ${count(store.valueBytes)}-byte values), write latency p50 ${ms(store.latency.p50)}, p99 ${ms(store.latency.p99)}`);

// 3. API server creates.
say();
say(`[3/6] API server creates: node --import tsx apiserver/main.ts --port 0 --data-dir <tmp>, LOG_LEVEL=warn`);
say(`  (LOG_LEVEL=warn: the server's one-info-line-per-write log is off, so logging does not dominate)`);
const dataDir = mkdtempSync(join(tmpdir(), 'k8ts-bench-apiserver-'));
const profileDir = flags.profile ? mkdtempSync(join(tmpdir(), 'k8ts-bench-cpuprofile-')) : '';
const serverArgs = ['--port', '0', '--data-dir', join(dataDir, 'data')];
const startApi = (profile: boolean) =>
  startServer('apiserver/main.ts', serverArgs, { env: { LOG_LEVEL: 'warn' }, nodeArgs: profile ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [] });
let api: ServerProcess = await startApi(flags.profile);
await request(`${api.url}/healthz`).then((r) => r.body.dump());
const emptyMemory = memoryOf(api.pid);
const created: string[] = [];
const remember = (name: string) => void created.push(name);
await createLoad(api.url, 'warm-', { durationMs: WARMUP_MS, onOk: remember });
const [creates, createsCpu] = await withCpu(api.pid, () => createLoad(api.url, 'bench-', { durationMs, onOk: remember }), 'creates');
say(`  ${describeLoad(creates)}`);
say(`  ${createsCpu}`);
say(`  = ${ratio(creates.perSecond / ceiling.perSecond)} of bare Fastify (target >= 0.33x), ${ratio(creates.perSecond / store.perSecond)} of the raw store`);

// 4. Watch fan-out.
say();
say(`[4/6] Watch fan-out: ${count(watchers)} watches on /api/v1/pods?watch=1&resourceVersion=<current> (one per connection),`);
say(`  while one writer creates ${watchRate} pods/s for ${durationMs / 1000} s; latency = arrival at the watcher - time the create was sent`);
const [fanout, fanoutCpu]: [FanoutResult, string] = await withCpu(api.pid, () =>
  runWatchFanout({ url: api.url, watchers, watchersPerPool: 250, ratePerSecond: watchRate, durationMs, namePrefix: 'watch-', settleMs: 10_000 }),
'watch fan-out');
for (let seq = 0; seq < fanout.writes; seq++) created.push(`watch-${seq}`);
const d = fanout.delivery;
say(`  ${count(fanout.watchersHealthy)}/${count(fanout.watchers)} watches healthy to the end (all opened in ${ms(fanout.openMs)}); ${count(fanout.writesOk)}/${count(fanout.writes)} creates acknowledged in ${fanout.writeSeconds.toFixed(1)} s, create latency p50 ${ms(fanout.writeLatency.p50)}, p99 ${ms(fanout.writeLatency.p99)}`);
say(`  delivery latency p50 ${ms(d.p50)}, p99 ${ms(d.p99)}, max ${ms(d.max)} (target p99 < 100 ms)`);
say(`  events delivered ${count(fanout.delivered)}/${count(fanout.expectedDeliveries)}; watchers with every event ${count(fanout.watchersWithEveryEvent)}/${count(fanout.watchers)} (per watcher ${fanout.fewestEventsPerWatcher}..${fanout.mostEventsPerWatcher}); duplicates ${fanout.duplicates}`);
say(`  ${fanoutCpu}`);
for (const p of fanout.problems.slice(0, 5)) say(`  PROBLEM: ${p}`);
if (fanout.problems.length > 5) say(`  ... and ${fanout.problems.length - 5} more problems`);

// 5. Listing exactly `listPods` pods: delete the surplus or top up.
say();
say(`[5/6] List ${count(listPods)} pods: GET /api/v1/pods (JSON)`);
if (created.length > listPods) {
  const surplus = created.splice(listPods);
  const deletes = await runLoad({ url: api.url, connections: 16, total: surplus.length, expectStatus: 200, request: (i) => ({ method: 'DELETE', path: `${PODS}/${surplus[i]}` }) });
  say(`  deleted the ${count(surplus.length)} pods beyond ${count(listPods)} first: ${perSecond(deletes.perSecond)}${deletes.failed ? `, ${deletes.failed} FAILED: ${deletes.firstFailure}` : ''}`);
} else if (created.length < listPods) {
  const topUp = await createLoad(api.url, 'topup-', { total: listPods - created.length, onOk: remember });
  say(`  created ${count(topUp.ok)} more pods first: ${describeLoad(topUp)}`);
}
const [list, listCpu] = await withCpu(api.pid, () => timeLists(api.url, 5), 'list');
say(`  ${list.items} items, ${mb(list.bytes)}; over ${list.runs} lists: p50 ${ms(list.latency.p50)}, max ${ms(list.latency.max)} (target < 300 ms)`);
say(`  ${listCpu}`);

// 6. Memory.
say();
say(`[6/6] API server memory (VmRSS from /proc/<pid>/status)`);
const afterRun = memoryOf(api.pid);
await api.stop();
api = await startApi(false);
await request(`${api.url}/healthz`).then((r) => r.body.dump());
const fresh = memoryOf(api.pid);
await api.stop();
const perPod = (fresh.rss - emptyMemory.rss) / list.items;
const anonPerPod = (fresh.anon - emptyMemory.anon) / list.items;
const describeMemory = (m: Memory) => `${mb(m.rss)} (anon ${mb(m.anon)}, file ${mb(m.file)})`;
say(`  empty store, just started:                 ${describeMemory(emptyMemory)}`);
say(`  after steps 3-5 (${count(list.items)} pods + their history): ${describeMemory(afterRun)}`);
say(`  restarted on the same data, ${count(list.items)} pods:     ${describeMemory(fresh)}`);
say(`  = ${count(perPod)} bytes per pod ((restarted - empty) / pods), of which anonymous memory ${count(anonPerPod)} bytes;`);
say(`    the rest is lmdb's memory-mapped file (every pod's current row and the history of every write of the run);`);
say(`    a pod's JSON is ~${count(list.bytes / list.items)} bytes as listed`);

if (flags.profile) printProfile();
rmSync(dataDir, { recursive: true, force: true });

// The summary.
const verdict = (ok: boolean) => (ok ? 'OK' : 'MISSED');
say();
say('Summary');
say(table(['figure', 'value', 'target', 'ratio / result'], [
  ['bare Fastify POST (ceiling)', perSecond(ceiling.perSecond), '', ''],
  ['LmdbBackend creates', perSecond(store.perSecond), '', ''],
  ['API server pod creates', perSecond(creates.perSecond), `>= ${perSecond(ceiling.perSecond / 3)} (1/3 ceiling)`, `${ratio(creates.perSecond / ceiling.perSecond)} of ceiling, ${ratio(creates.perSecond / store.perSecond)} of store: ${verdict(creates.perSecond * 3 >= ceiling.perSecond && creates.failed === 0)}`],
  ['create latency p50 / p99', `${ms(creates.latency.p50)} / ${ms(creates.latency.p99)}`, '', `${connections} in flight`],
  [`watch delivery p99 (${count(watchers)} watchers)`, ms(d.p99), '< 100 ms', verdict(d.p99 < 100)],
  ['watch delivery p50 / max', `${ms(d.p50)} / ${ms(d.max)}`, '', ''],
  ['watch events delivered', `${count(fanout.delivered)}/${count(fanout.expectedDeliveries)}`, 'all, once', verdict(fanout.delivered === fanout.expectedDeliveries && fanout.duplicates === 0)],
  [`list ${count(list.items)} pods p50 / max`, `${ms(list.latency.p50)} / ${ms(list.latency.max)}`, '< 300 ms', `p50 ${verdict(list.latency.p50 < 300)}, max ${verdict(list.latency.max < 300)}`],
  ['list response size', mb(list.bytes), '', ''],
  ['RSS after the run', mb(afterRun.rss), '', ''],
  [`RSS with ${count(list.items)} pods (restarted)`, mb(fresh.rss), '', `${count(perPod)} bytes/pod over empty (${mb(emptyMemory.rss)}); anon ${count(anonPerPod)} bytes/pod`],
]));
if (noise > 0.25)
  say(`NOTE: the machine was not quiet: other work took up to ${noise.toFixed(2)} of its ${cpu.length} cores during a measurement, so these figures are low and noisy; rerun on a quiet machine.`);

/** Times `runs` full pod lists in a row, on one keep-alive connection. */
async function timeLists(url: string, runs: number): Promise<{ runs: number; items: number; bytes: number; latency: Distribution }> {
  const pool = new Pool(url, { connections: 1 });
  const times: number[] = [];
  let firstBody: Buffer[] = [];
  let bytes = 0;
  for (let run = 0; run < runs; run++) {
    const chunks: Buffer[] = [];
    bytes = 0;
    const t0 = performance.now();
    await new Promise<void>((resolve, reject) => {
      pool.dispatch({ method: 'GET', path: '/api/v1/pods', headers: { accept: 'application/json' } }, {
        onRequestStart() {},
        onResponseStart(_c, status) {
          if (status !== 200) reject(new Error(`list answered ${status}`));
        },
        onResponseData(_c, chunk) {
          bytes += chunk.length;
          if (run === 0) chunks.push(chunk);
        },
        onResponseEnd: () => resolve(),
        onResponseError: (_c, err) => reject(err),
      });
    });
    times.push(performance.now() - t0);
    if (run === 0) firstBody = chunks;
  }
  await pool.close();
  const items = (JSON.parse(Buffer.concat(firstBody).toString()) as { items: unknown[] }).items.length;
  return { runs, items, bytes, latency: distributionOf(times) };
}

function printProfile(): void {
  // One file per thread (tsx's loader runs in a worker); thread 0 is the main one: CPU.<date>.<time>.<pid>.0.<n>.cpuprofile
  const file = readdirSync(profileDir).find((f) => /\.\d+\.0\.\d+\.cpuprofile$/.test(f));
  if (!file) return say('  (no .cpuprofile was written)');
  const profile = readProfile(join(profileDir, file));
  say();
  say(`CPU profile of the API server: ${join(profileDir, file)}`);
  for (const p of phases) {
    say(`- phase "${p.name}" (${((p.to - p.from) / 1e6).toFixed(1)} s)`);
    say(formatSummary(summarize(profile, { fromMicros: p.from, toMicros: p.to, top: 15 })));
  }
}
