// A closed-loop load generator: N keep-alive connections (an undici Pool), one request in flight on
// each, for a fixed time or a fixed number of requests. It dispatches with a bare handler (no response
// streams) and records latencies into a typed array, so the client costs as little CPU as it can:
// it shares the machine with the server it measures.
import { Pool } from 'undici';
import { Samples, distributionOf, type Distribution } from './stats.ts';

export interface RequestSpec {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  body?: string;
}

export interface LoadOptions {
  url: string;
  connections: number;
  /** Run for this long... */
  durationMs?: number;
  /** ...or until this many requests have been sent. */
  total?: number;
  /** The i-th request (i counts from 0 across all connections). */
  request(i: number): RequestSpec;
  /** The status a request should get; any other counts as a failure. */
  expectStatus: number;
  /** Called with i for each request that got the expected status. */
  onOk?(i: number): void;
}

export interface LoadResult {
  ok: number;
  failed: number;
  elapsedMs: number;
  perSecond: number;
  latency: Distribution;
  /** Status code (or error name) -> count, failures only. */
  failures: Record<string, number>;
  firstFailure?: string;
}

const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/json' };
const ACCEPT_JSON = { accept: 'application/json' };

interface Answer {
  status: number;
  /** The body, kept only when the status is not the expected one. */
  body: string;
}

/** One request on the pool; resolves with its status (and body only when unexpected). */
export function send(pool: Pool, spec: RequestSpec, expectStatus: number): Promise<Answer> {
  return new Promise((resolve, reject) => {
    let status = 0;
    let body = '';
    pool.dispatch(
      { method: spec.method, path: spec.path, body: spec.body, headers: spec.body === undefined ? ACCEPT_JSON : JSON_HEADERS },
      {
        onRequestStart() {},
        onResponseStart(_controller, statusCode) {
          status = statusCode;
        },
        onResponseData(_controller, chunk) {
          if (status !== expectStatus && body.length < 2000) body += chunk.toString();
        },
        onResponseEnd() {
          resolve({ status, body });
        },
        onResponseError(_controller, err) {
          reject(err);
        },
      },
    );
  });
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const pool = new Pool(options.url, { connections: options.connections, pipelining: 1, keepAliveTimeout: 60_000 });
  const latencies = new Samples();
  const failures: Record<string, number> = {};
  let firstFailure: string | undefined;
  let next = 0;
  let ok = 0;
  let failed = 0;
  const start = performance.now();
  const deadline = options.durationMs === undefined ? Infinity : start + options.durationMs;
  const total = options.total ?? Infinity;

  const loop = async () => {
    while (next < total && performance.now() < deadline) {
      const i = next++;
      const spec = options.request(i);
      const t0 = performance.now();
      try {
        const answer = await send(pool, spec, options.expectStatus);
        if (answer.status === options.expectStatus) {
          ok++;
          latencies.add(performance.now() - t0);
          options.onOk?.(i);
          continue;
        }
        failures[answer.status] = (failures[answer.status] ?? 0) + 1;
        firstFailure ??= `${spec.method} ${spec.path} -> ${answer.status}: ${answer.body.slice(0, 300)}`;
      } catch (err) {
        const name = (err as Error).name ?? 'Error';
        failures[name] = (failures[name] ?? 0) + 1;
        firstFailure ??= `${spec.method} ${spec.path} -> ${(err as Error).message}`;
      }
      failed++;
    }
  };
  await Promise.all(Array.from({ length: options.connections }, loop));
  const elapsedMs = performance.now() - start;
  await pool.close();
  return { ok, failed, elapsedMs, perSecond: (ok / elapsedMs) * 1000, latency: distributionOf(latencies), failures, firstFailure };
}
