// A client hitting a Service in a loop, as `while curl ...` would: a new TCP connection per request
// (so every request goes through kube-proxy's choice of endpoint), counting what failed and when.
import { request } from 'node:http';

export interface TrafficResult {
  total: number;
  failed: number;
  /** Distinct answers (the serving pods' names). */
  responders: Set<string>;
  failures: { at: number; error: string }[];
}

function get(url: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => (res.statusCode === 200 ? resolve(body.trim()) : reject(new Error(`HTTP ${res.statusCode}`))));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/** Resolves once `url` answers 200 (or rejects after `timeoutMs`). */
export async function waitAnswering(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await get(url, 1000);
      return;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`${url} does not answer after ${timeoutMs / 1000} s: ${(err as Error).message}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

export class TrafficLoop {
  readonly result: TrafficResult = { total: 0, failed: 0, responders: new Set(), failures: [] };
  private running = true;
  private readonly done: Promise<void>;

  constructor(url: string, intervalMs = 50, timeoutMs = 2000) {
    this.done = (async () => {
      while (this.running) {
        this.result.total++;
        try {
          this.result.responders.add(await get(url, timeoutMs));
        } catch (err) {
          this.result.failed++;
          this.result.failures.push({ at: Date.now(), error: (err as Error).message });
        }
        await new Promise((r) => setTimeout(r, intervalMs));
      }
    })();
  }

  async stop(): Promise<TrafficResult> {
    this.running = false;
    await this.done;
    return this.result;
  }
}
