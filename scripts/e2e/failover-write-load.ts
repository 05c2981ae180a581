// Writes through several API servers that keep going when one of them, or the etcd leader under them,
// dies: the writes of write-load.ts (creates of fresh ConfigMaps from several writers,
// compare-and-swap updates of one counter; nothing retried blindly, a write without an answer is not
// acknowledged), but a writer whose API server does not answer goes on with the next one, as the
// components' clients do (shared/client/api-client.ts), and every acknowledgement and failure is timed:
// the pause in acknowledged writes around a kill is what the HA scenarios measure, here and in
// scripts/compose/.

export interface WriteFailure {
  at: number;
  server: string;
  error: string;
}

export interface Ack {
  at: number;
  /** The API server that answered. */
  server: string;
}

export interface FailoverWriteLoadResult {
  acked: string[];
  /** Each acknowledged write (a create or a counter update): when, and by which server, in order. */
  acks: Ack[];
  failures: WriteFailure[];
  /** The counter's last acknowledged value. */
  counterAcked: number;
  /** Acknowledged writes by the API server that answered them. */
  ackedBy: Record<string, number>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Thrown when the server gave no answer: the writer moves on to the next server. */
class NoAnswer extends Error {}

async function send(method: string, url: string, body?: unknown): Promise<{ status: number; json: any }> {
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers: body ? { 'content-type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(5_000),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause;
    throw new NoAnswer(cause?.code ?? (err as Error).name);
  }
  return { status: res.status, json: await res.json().catch(() => undefined) };
}

export class FailoverWriteLoad {
  readonly result: FailoverWriteLoadResult = { acked: [], acks: [], failures: [], counterAcked: 0, ackedBy: {} };
  private running = true;
  private readonly loops: Promise<void>[] = [];

  /** `servers`: API server base URLs; every writer starts on the first. */
  constructor(private readonly servers: string[], private readonly namespace: string, writers = 4) {
    for (let w = 0; w < writers; w++) this.loops.push(this.creates(w));
    this.loops.push(this.counter());
  }

  private path(server: string, name = ''): string {
    return `${server}/api/v1/namespaces/${this.namespace}/configmaps${name ? `/${name}` : ''}`;
  }

  private acked(server: string): void {
    this.result.acks.push({ at: Date.now(), server });
    this.result.ackedBy[server] = (this.result.ackedBy[server] ?? 0) + 1;
  }

  /** Counts a failure; returns the server to use next (the next one when this one did not answer). */
  private failed(server: number, error: unknown): number {
    const message = error instanceof NoAnswer ? `no answer (${error.message})` : String((error as Error).message ?? error);
    this.result.failures.push({ at: Date.now(), server: this.servers[server], error: message });
    return error instanceof NoAnswer ? (server + 1) % this.servers.length : server;
  }

  private async creates(writer: number): Promise<void> {
    let server = 0;
    for (let i = 0; this.running; i++) {
      const name = `w${writer}-${i}`;
      const url = this.servers[server];
      try {
        const { status } = await send('POST', this.path(url), { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { i: String(i) } });
        if (status !== 201) throw new Error(`HTTP ${status}`);
        this.result.acked.push(name);
        this.acked(url);
      } catch (err) {
        server = this.failed(server, err);
        await sleep(50);
      }
    }
  }

  private async counter(): Promise<void> {
    let server = 0;
    let current: any;
    while (this.running) {
      const url = this.servers[server];
      try {
        if (!current) {
          const got = await send('GET', this.path(url, 'counter'));
          if (got.status === 404) {
            const created = await send('POST', this.path(url), { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'counter' }, data: { value: '0' } });
            if (created.status === 201) current = created.json;
            continue;
          }
          if (got.status !== 200) throw new Error(`HTTP ${got.status}`);
          current = got.json;
        }
        const value = Number(current.data.value) + 1;
        const put = await send('PUT', this.path(url, 'counter'), { ...current, data: { value: String(value) } });
        if (put.status !== 200) throw new Error(`HTTP ${put.status}`);
        this.result.counterAcked = value;
        this.acked(url);
        current = put.json;
      } catch (err) {
        server = this.failed(server, err);
        current = undefined; // a conflict, or unknown whether it landed: read it again
        await sleep(50);
      }
    }
  }

  async stop(): Promise<FailoverWriteLoadResult> {
    this.running = false;
    await Promise.all(this.loops);
    return this.result;
  }
}

export interface Pause {
  /** The longest time without an acknowledged write within the window, and where it lay. */
  ms: number;
  from: number;
  to: number;
}

/**
 * The longest pause in acknowledged writes between `from` and `to`: the window's edges count as
 * acknowledgements, so a pause that starts at `from` (a kill) is measured from there.
 */
export function longestPause(acks: Ack[], from: number, to: number): Pause {
  const times = [from, ...acks.map((a) => a.at).filter((t) => t > from && t < to), to];
  let pause: Pause = { ms: 0, from, to: from };
  for (let i = 1; i < times.length; i++) if (times[i] - times[i - 1] > pause.ms) pause = { ms: times[i] - times[i - 1], from: times[i - 1], to: times[i] };
  return pause;
}

/** `failures` counted, then by error: "3: 2× no answer (ECONNREFUSED), 1× HTTP 500". */
export function countByError(failures: WriteFailure[]): string {
  const byError = new Map<string, number>();
  for (const f of failures) byError.set(f.error, (byError.get(f.error) ?? 0) + 1);
  return `${failures.length}${byError.size ? `: ${[...byError].map(([e, n]) => `${n}× ${e}`).join(', ')}` : ''}`;
}
