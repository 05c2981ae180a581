// What the pod start-up benchmark sees on a watch of its pods: for pod i, when it was first seen bound
// (spec.nodeName), Running (status.phase) and Ready (the Ready condition True), in performance.now()
// milliseconds, the clock the creates are timed with. Kube's pod start-up SLI is the same: create →
// running as observed through a watch.
import type { Pool } from 'undici';

interface PodEvent {
  type: string;
  object: {
    metadata: { name?: string; resourceVersion?: string };
    spec?: { nodeName?: string };
    status?: { phase?: string; conditions?: { type: string; status: string }[] };
  };
}

export class PodStartupWatch {
  readonly scheduled: Float64Array;
  readonly running: Float64Array;
  readonly ready: Float64Array;
  readonly nodeOf: string[];
  private readyCount = 0;
  private runningCount = 0;
  private waiters: { count: number; kind: 'running' | 'ready'; resolve: () => void }[] = [];
  private readonly abort = new AbortController();
  private ended?: Error;

  /** `indexOf(name)` maps a pod's name to its index (or -1 for pods that are not the benchmark's). */
  constructor(readonly pods: number, private readonly indexOf: (name: string) => number) {
    this.scheduled = new Float64Array(pods);
    this.running = new Float64Array(pods);
    this.ready = new Float64Array(pods);
    this.nodeOf = new Array<string>(pods);
  }

  /** Opens the watch from `resourceVersion` (a list's, taken before the first create). */
  async start(pool: Pool, path: string, resourceVersion: string): Promise<void> {
    const res = await pool.request({ method: 'GET', path: `${path}?watch=1&resourceVersion=${resourceVersion}&allowWatchBookmarks=true`, signal: this.abort.signal });
    if (res.statusCode !== 200) throw new Error(`watch ${path}: ${res.statusCode} ${await res.body.text()}`);
    void (async () => {
      let buffer = '';
      try {
        for await (const chunk of res.body) {
          buffer += chunk.toString();
          let nl: number;
          while ((nl = buffer.indexOf('\n')) >= 0) {
            const line = buffer.slice(0, nl);
            buffer = buffer.slice(nl + 1);
            if (line) this.observe(JSON.parse(line) as PodEvent, performance.now());
          }
        }
        this.ended = new Error('the watch ended');
      } catch (err) {
        this.ended = err as Error;
      }
      this.wake();
    })();
  }

  private observe(event: PodEvent, at: number): void {
    if (event.type !== 'ADDED' && event.type !== 'MODIFIED') return;
    const { metadata, spec, status } = event.object;
    const i = this.indexOf(metadata.name ?? '');
    if (i < 0 || i >= this.pods) return;
    if (spec?.nodeName && !this.scheduled[i]) {
      this.scheduled[i] = at;
      this.nodeOf[i] = spec.nodeName;
    }
    if (status?.phase === 'Running' && !this.running[i]) {
      this.running[i] = at;
      this.runningCount++;
    }
    if (!this.ready[i] && status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) {
      this.ready[i] = at;
      this.readyCount++;
    }
    this.wake();
  }

  private wake(): void {
    this.waiters = this.waiters.filter((w) => {
      const done = (w.kind === 'ready' ? this.readyCount : this.runningCount) >= w.count;
      if (done) w.resolve();
      return !done;
    });
  }

  /** Resolves once `count` pods have been seen Ready (or Running); rejects after `timeoutMs`. */
  until(kind: 'running' | 'ready', count: number, timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${this.runningCount} pods Running, ${this.readyCount} Ready after ${timeoutMs} ms${this.ended ? ` (${this.ended.message})` : ''}`)), timeoutMs);
      this.waiters.push({ count, kind, resolve: () => { clearTimeout(timer); resolve(); } });
      this.wake();
    });
  }

  close(): void {
    this.abort.abort();
  }
}
