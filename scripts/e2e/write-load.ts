// Writes against the API server that keep going through its death and restart, remembering exactly
// which were acknowledged: creates of fresh ConfigMaps from several writers, and compare-and-swap
// updates of one counter. Nothing is retried blindly: a write without an answer is not acknowledged.
import type { ApiClient } from '../../shared/client/api-client.ts';
import type { ScenarioReport } from './report.ts';

export interface WriteLoadResult {
  acked: string[];
  failed: number;
  /** The counter's last acknowledged value. */
  counterAcked: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function send(method: string, url: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(url, {
    method,
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(5_000),
  });
  return { status: res.status, json: await res.json().catch(() => undefined) };
}

export class WriteLoad {
  readonly result: WriteLoadResult = { acked: [], failed: 0, counterAcked: 0 };
  private running = true;
  private readonly loops: Promise<void>[] = [];

  constructor(private readonly apiServerURL: string, private readonly namespace: string, writers = 4) {
    for (let w = 0; w < writers; w++) this.loops.push(this.creates(w));
    this.loops.push(this.counter());
  }

  private get base(): string {
    return `${this.apiServerURL}/api/v1/namespaces/${this.namespace}/configmaps`;
  }

  private async creates(writer: number): Promise<void> {
    for (let i = 0; this.running; i++) {
      const name = `w${writer}-${i}`;
      try {
        const { status } = await send('POST', this.base, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { i: String(i) } });
        if (status === 201) this.result.acked.push(name);
        else this.result.failed++;
      } catch {
        this.result.failed++;
        await sleep(50);
      }
    }
  }

  private async counter(): Promise<void> {
    let current: any;
    while (this.running) {
      try {
        if (!current) {
          const got = await send('GET', `${this.base}/counter`);
          if (got.status === 404) {
            const created = await send('POST', this.base, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'counter' }, data: { value: '0' } });
            if (created.status === 201) current = created.json;
            continue;
          }
          if (got.status !== 200) throw new Error(`HTTP ${got.status}`);
          current = got.json;
        }
        const value = Number(current.data.value) + 1;
        const put = await send('PUT', `${this.base}/counter`, { ...current, data: { value: String(value) } });
        if (put.status === 200) {
          this.result.counterAcked = value;
          current = put.json;
        } else {
          this.result.failed++;
          current = undefined; // a conflict: read it again
        }
      } catch {
        this.result.failed++;
        current = undefined; // unknown whether it landed: read it again
        await sleep(50);
      }
    }
  }

  async stop(): Promise<WriteLoadResult> {
    this.running = false;
    await Promise.all(this.loops);
    return this.result;
  }
}

type ConfigMapList = { items: { metadata: { name: string }; data?: Record<string, string> }[] };

/**
 * Reads the load's namespace back (through `client`, or whichever API server it stands for) and checks
 * that no acknowledged create is missing and that the counter holds its last acknowledged value (one
 * more if the last update went unanswered but landed).
 */
export async function checkWritesKept(
  report: ScenarioReport, client: ApiClient, namespace: string, writes: { acked: string[]; counterAcked: number }, via = '',
): Promise<void> {
  const list = await client.request<ConfigMapList>('GET', `/api/v1/namespaces/${namespace}/configmaps`);
  const stored = new Set(list.items.map((c) => c.metadata.name));
  const lost = writes.acked.filter((n) => !stored.has(n));
  const counter = Number(list.items.find((c) => c.metadata.name === 'counter')?.data?.value ?? -1);
  report.check(`acknowledged creates lost${via}`, lost.length === 0, `${lost.length} of ${writes.acked.length}${lost.length ? ` (${lost.slice(0, 3).join(', ')}…)` : ''}`);
  report.check(`counter = last acknowledged value (+1 if one was unanswered)${via}`, counter >= writes.counterAcked && counter <= writes.counterAcked + 1, `${counter} (acked ${writes.counterAcked})`);
}
