// One container instance's log, as the CRI keeps it: lines with their RFC 3339 (nanosecond) time and
// stream, bounded in bytes (the oldest lines go first, as log rotation would drop them), readable
// with kube's options (tailLines, sinceTime, limitBytes) and followable until the instance ends.

export interface LogLine {
  /** RFC 3339 with nanoseconds, what `kubectl logs --timestamps` prints. */
  time: string;
  ms: number;
  stream: 'stdout' | 'stderr';
  text: string;
}

export interface LogReadOptions {
  tailLines?: number;
  /** Only lines at or after this time (ms since the epoch). */
  sinceMs?: number;
}

type Follower = (line: LogLine | null) => void;

let lastNanos = 0n;
/** A strictly increasing wall-clock time in nanoseconds, so lines keep their order when printed with times. */
function nowNanos(): bigint {
  const ns = BigInt(Date.now()) * 1_000_000n + (process.hrtime.bigint() % 1_000_000n);
  lastNanos = ns > lastNanos ? ns : lastNanos + 1n;
  return lastNanos;
}

function rfc3339Nano(ns: bigint): string {
  const ms = Number(ns / 1_000_000n);
  const frac = (ns % 1_000_000_000n).toString().padStart(9, '0');
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, `.${frac}Z`);
}

export class ContainerLog {
  private lines: LogLine[] = [];
  private bytes = 0;
  private readonly partial = { stdout: '', stderr: '' };
  private readonly followers = new Set<Follower>();
  private ended = false;

  constructor(private readonly maxBytes = 1 << 20) {}

  get closed(): boolean {
    return this.ended;
  }

  /** Appends output; only complete lines are logged until close() flushes the rest. */
  write(stream: 'stdout' | 'stderr', text: string): void {
    if (this.ended || !text) return;
    const pending = this.partial[stream] + text;
    const parts = pending.split('\n');
    this.partial[stream] = parts.pop()!;
    for (const part of parts) this.append(stream, part);
    // A runaway line without newline must not grow without bound either.
    if (this.partial[stream].length > 16_384) {
      this.append(stream, this.partial[stream]);
      this.partial[stream] = '';
    }
  }

  close(): void {
    if (this.ended) return;
    for (const stream of ['stdout', 'stderr'] as const) {
      if (this.partial[stream]) this.append(stream, this.partial[stream]);
      this.partial[stream] = '';
    }
    this.ended = true;
    for (const f of this.followers) f(null);
    this.followers.clear();
  }

  read(options: LogReadOptions = {}): LogLine[] {
    let lines = this.lines;
    if (options.sinceMs !== undefined) lines = lines.filter((l) => l.ms >= options.sinceMs!);
    if (options.tailLines !== undefined) lines = options.tailLines === 0 ? [] : lines.slice(-options.tailLines);
    return lines;
  }

  /** Calls `f` with each new line, then with null when the instance ends; returns the unsubscribe. */
  follow(f: Follower): () => void {
    if (this.ended) {
      f(null);
      return () => undefined;
    }
    this.followers.add(f);
    return () => this.followers.delete(f);
  }

  private append(stream: 'stdout' | 'stderr', text: string): void {
    const ns = nowNanos();
    const line: LogLine = { time: rfc3339Nano(ns), ms: Number(ns / 1_000_000n), stream, text };
    this.lines.push(line);
    this.bytes += text.length + 1;
    if (this.bytes > this.maxBytes) {
      let drop = 0;
      while (this.bytes > this.maxBytes * 0.75 && drop < this.lines.length) this.bytes -= this.lines[drop++].text.length + 1;
      this.lines = this.lines.slice(drop);
    }
    for (const f of this.followers) f(line);
  }
}
