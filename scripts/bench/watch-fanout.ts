// Watch fan-out: many concurrent pod watches (one per connection, over a few undici Pools) while a
// writer creates pods at a steady rate. Each pod carries the time its create was sent and its
// sequence number in annotations; every watcher records, per event, arrival time - write time (one
// clock: writer and watchers are this process) and which sequence numbers it saw, so the result
// tells both the delivery latency and whether every watcher got every event exactly once.
import { Pool, request } from 'undici';
import { send } from './load.ts';
import { podBodies } from './pods.ts';
import { Samples, distributionOf, nowMs, type Distribution } from './stats.ts';

export interface FanoutOptions {
  url: string;
  watchers: number;
  /** Connections (hence watches) per Pool. */
  watchersPerPool: number;
  ratePerSecond: number;
  durationMs: number;
  namePrefix: string;
  /** How long to wait, after the last write is acknowledged, for stragglers. */
  settleMs: number;
}

export interface FanoutResult {
  watchers: number;
  /** Watches that answered 200 and stayed open until the end. */
  watchersHealthy: number;
  openMs: number;
  writes: number;
  writesOk: number;
  /** From the first create sent to the last acknowledged: writes / this is the rate achieved. */
  writeSeconds: number;
  writeLatency: Distribution;
  expectedDeliveries: number;
  delivered: number;
  duplicates: number;
  watchersWithEveryEvent: number;
  fewestEventsPerWatcher: number;
  mostEventsPerWatcher: number;
  /** Arrival time - write time, over every watcher and event. */
  delivery: Distribution;
  problems: string[];
}

const WRITTEN_AT = '"bench.k8ts.io/written-at":"';
const SEQ = '"bench.k8ts.io/seq":"';

/** The string value after `marker` within text[from, to), or undefined. */
function valueAfter(text: string, marker: string, from: number, to: number): string | undefined {
  const i = text.indexOf(marker, from);
  if (i < 0 || i >= to) return undefined;
  const start = i + marker.length;
  return text.slice(start, text.indexOf('"', start));
}

export async function runWatchFanout(options: FanoutOptions): Promise<FanoutResult> {
  const writes = Math.round((options.ratePerSecond * options.durationMs) / 1000);
  const problems: string[] = [];
  const listed = await request(`${options.url}/api/v1/namespaces/default/pods?limit=1`);
  const revision = ((await listed.body.json()) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;

  // Per watcher: events seen (a bitmap over sequence numbers, to catch gaps and duplicates).
  const seen = new Uint8Array(options.watchers * writes);
  const counts = new Int32Array(options.watchers);
  const healthy = new Uint8Array(options.watchers);
  const delivery = new Samples();
  let duplicates = 0;

  const pools: Pool[] = [];
  for (let i = 0; i < options.watchers; i += options.watchersPerPool)
    pools.push(new Pool(options.url, { connections: options.watchersPerPool, pipelining: 1, bodyTimeout: 0, headersTimeout: 30_000 }));
  const path = `/api/v1/pods?watch=1&resourceVersion=${revision}`;
  const openStart = performance.now();
  let closing = false;

  const openWatch = (w: number) =>
    new Promise<void>((resolve) => {
      let pending = '';
      const base = w * writes;
      pools[Math.floor(w / options.watchersPerPool)].dispatch(
        { method: 'GET', path, headers: { accept: 'application/json' } },
        {
          onRequestStart() {},
          onResponseStart(_controller, status) {
            if (status === 200) healthy[w] = 1;
            else problems.push(`watcher ${w}: HTTP ${status}`);
            resolve();
          },
          onResponseData(_controller, chunk) {
            const arrival = nowMs();
            const text = pending + chunk.toString('latin1');
            let start = 0;
            for (let nl = text.indexOf('\n'); nl >= 0; start = nl + 1, nl = text.indexOf('\n', start)) {
              const writtenAt = valueAfter(text, WRITTEN_AT, start, nl);
              const seq = valueAfter(text, SEQ, start, nl);
              if (writtenAt === undefined || seq === undefined) {
                if (text.startsWith('{"type":"ERROR"', start)) problems.push(`watcher ${w}: ${text.slice(start, Math.min(nl, start + 300))}`);
                continue;
              }
              const slot = base + Number(seq);
              if (seen[slot]) {
                duplicates++;
                continue;
              }
              seen[slot] = 1;
              counts[w]++;
              delivery.add(arrival - Number(writtenAt));
            }
            pending = start < text.length ? text.slice(start) : '';
          },
          onResponseEnd() {
            if (!closing) problems.push(`watcher ${w}: the server ended the watch early`);
            healthy[w] = 0;
          },
          onResponseError(_controller, err) {
            if (!closing) problems.push(`watcher ${w}: ${err.message}`);
            healthy[w] = 0;
            resolve();
          },
        },
      );
    });
  await Promise.all(Array.from({ length: options.watchers }, (_, w) => openWatch(w)));
  const openMs = performance.now() - openStart;

  // The writer: one create every 1/rate seconds on a steady clock, not waiting for the previous one.
  const writer = new Pool(options.url, { connections: 8, pipelining: 1 });
  const pods = podBodies();
  const writeLatency = new Samples();
  let writesOk = 0;
  const interval = 1000 / options.ratePerSecond;
  const writeStart = performance.now();
  const acks: Promise<void>[] = [];
  for (let seq = 0; seq < writes; seq++) {
    const due = writeStart + seq * interval;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const writtenAt = nowMs();
    const body = pods.body(`${options.namePrefix}${seq}`, { 'bench.k8ts.io/written-at': writtenAt.toFixed(3), 'bench.k8ts.io/seq': String(seq) });
    acks.push(
      send(writer, { method: 'POST', path: '/api/v1/namespaces/default/pods', body }, 201).then(
        (answer) => {
          if (answer.status === 201) {
            writesOk++;
            writeLatency.add(nowMs() - writtenAt);
          } else problems.push(`create ${seq}: HTTP ${answer.status} ${answer.body.slice(0, 200)}`);
        },
        (err) => void problems.push(`create ${seq}: ${(err as Error).message}`),
      ),
    );
  }
  await Promise.all(acks);
  const writeSeconds = (performance.now() - writeStart) / 1000;

  // Stragglers: wait until every healthy watcher has every acknowledged event, or the settle time passes.
  const settleDeadline = performance.now() + options.settleMs;
  const complete = () => counts.every((c, w) => !healthy[w] || c >= writesOk);
  while (!complete() && performance.now() < settleDeadline) await new Promise((r) => setTimeout(r, 50));

  closing = true;
  const watchersHealthy = healthy.reduce((a, b) => a + b, 0);
  await Promise.all([writer.close(), ...pools.map((p) => p.destroy())]);
  let delivered = 0;
  let watchersWithEveryEvent = 0;
  for (const c of counts) {
    delivered += c;
    if (c === writes) watchersWithEveryEvent++;
  }
  return {
    watchers: options.watchers,
    watchersHealthy,
    openMs,
    writes,
    writesOk,
    writeSeconds,
    writeLatency: distributionOf(writeLatency),
    expectedDeliveries: writes * options.watchers,
    delivered,
    duplicates,
    watchersWithEveryEvent,
    fewestEventsPerWatcher: Math.min(...counts),
    mostEventsPerWatcher: Math.max(...counts),
    delivery: distributionOf(delivery),
    problems,
  };
}
