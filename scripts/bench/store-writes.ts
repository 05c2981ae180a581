// The raw store's write rate: LmdbBackend opened directly (no HTTP, no validation), creating pod-sized
// values under the keys the API server would use, with `--concurrency` writes in flight, for
// `--duration-ms`. Run as its own process by the benchmark; prints one JSON line (StoreWriteResult).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { LmdbBackend } from '../../apiserver/storage/lmdb-backend.ts';
import { podBodies } from './pods.ts';
import { Samples, distributionOf, type Distribution } from './stats.ts';

export interface StoreWriteResult {
  creates: number;
  elapsedMs: number;
  perSecond: number;
  latency: Distribution;
  valueBytes: number;
}

const { values } = parseArgs({ options: { 'duration-ms': { type: 'string', default: '5000' }, concurrency: { type: 'string', default: '64' } } });
const durationMs = Number(values['duration-ms']);
const concurrency = Number(values.concurrency);

const dir = mkdtempSync(join(tmpdir(), 'k8ts-bench-store-'));
const backend = new LmdbBackend({ path: join(dir, 'store') });
await backend.start();
const pods = podBodies();
const latencies = new Samples();
let next = 0;

const run = async (forMs: number, record: boolean) => {
  const deadline = performance.now() + forMs;
  const writer = async () => {
    while (performance.now() < deadline) {
      const name = `bench-${next++}`;
      const t0 = performance.now();
      await backend.create(`/registry/pods/default/${name}`, pods.body(name));
      if (record) latencies.add(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, writer));
};

await run(500, false); // warm-up: JIT, the first lmdb transactions
const start = performance.now();
await run(durationMs, true);
const elapsedMs = performance.now() - start;
await backend.close();
rmSync(dir, { recursive: true, force: true });

const result: StoreWriteResult = {
  creates: latencies.count,
  elapsedMs,
  perSecond: (latencies.count / elapsedMs) * 1000,
  latency: distributionOf(latencies),
  valueBytes: pods.body('bench-100000').length,
};
console.log(JSON.stringify(result));
