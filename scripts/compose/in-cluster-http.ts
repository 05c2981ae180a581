// HTTP from inside the cluster: pod IPs and ClusterIPs are routed only in the node containers' network
// namespaces, so requests to them are made there, by a small node script run with `docker exec` in a
// node's container (as `kubectl exec ... curl` would from a hostNetwork pod). Each request is a new TCP
// connection, so every one goes through kube-proxy's choice of endpoint.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { ComposeCluster } from './compose-cluster.ts';

// argv: once <timeoutMs> <url>... | loop <timeoutMs> <intervalMs> <url>. Prints one JSON line per request
// ({url, at, body} or {url, at, error}); a loop ends when its stdin closes.
const SCRIPT = `
const http = require('http');
const [mode, timeout, ...rest] = process.argv.slice(1);
const get = (url) => new Promise((resolve) => {
  const at = Date.now();
  const req = http.get(url, { agent: false, timeout: Number(timeout) }, (res) => {
    let body = '';
    res.setEncoding('utf8');
    res.on('data', (d) => (body += d));
    res.on('end', () => resolve(res.statusCode === 200 ? { url, at, body: body.trim() } : { url, at, error: 'HTTP ' + res.statusCode }));
    res.on('error', (e) => resolve({ url, at, error: e.message }));
  });
  req.on('timeout', () => req.destroy(new Error('no answer within ' + timeout + ' ms')));
  req.on('error', (e) => resolve({ url, at, error: e.code || e.message }));
});
(async () => {
  if (mode === 'once') {
    for (const url of rest) console.log(JSON.stringify(await get(url)));
    return;
  }
  const [interval, url] = rest;
  let running = true;
  process.stdin.on('end', () => (running = false)).resume();
  while (running) {
    console.log(JSON.stringify(await get(url)));
    await new Promise((r) => setTimeout(r, Number(interval)));
  }
  process.exit(0);
})();
`;

export interface HttpResult {
  url: string;
  at: number;
  body?: string;
  error?: string;
}

const parse = (out: string): HttpResult[] => out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as HttpResult);

/** GETs each URL once, in order, from `service`'s container. */
export async function httpGetFrom(cluster: ComposeCluster, service: string, urls: string[], timeoutMs = 3000): Promise<HttpResult[]> {
  const { stdout } = await cluster.exec(service, ['node', '-e', SCRIPT, 'once', String(timeoutMs), ...urls], { timeoutMs: 30_000 + urls.length * timeoutMs });
  return parse(stdout);
}

export interface TrafficResult {
  total: number;
  failed: number;
  /** Distinct answers: the serving pods' names. */
  responders: Set<string>;
  failures: { at: number; error: string }[];
}

/** A client GETting `url` in a loop from `service`'s container until stop(). */
export class InClusterTraffic {
  readonly result: TrafficResult = { total: 0, failed: 0, responders: new Set(), failures: [] };
  private readonly exited: Promise<void>;
  private readonly child;

  constructor(containerId: string, url: string, intervalMs = 50, timeoutMs = 2000) {
    this.child = spawn('docker', ['exec', '-i', containerId, 'node', '-e', SCRIPT, 'loop', String(timeoutMs), String(intervalMs), url], { stdio: ['pipe', 'pipe', 'inherit'] });
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      if (!line.startsWith('{')) return;
      const r = JSON.parse(line) as HttpResult;
      this.result.total++;
      if (r.error !== undefined) {
        this.result.failed++;
        this.result.failures.push({ at: r.at, error: r.error });
      } else if (r.body) {
        this.result.responders.add(r.body);
      }
    });
    this.exited = new Promise((resolve) => this.child.once('close', () => resolve()));
  }

  async stop(): Promise<TrafficResult> {
    this.child.stdin!.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await this.exited;
    clearTimeout(timer);
    return this.result;
  }
}
