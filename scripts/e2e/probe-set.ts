// Probes run side by side, each until it holds or times out, so that a slow component does not delay
// the time measured for the others. The kill scenarios of both suites (local processes here, containers
// in scripts/compose/) time their probes this way; each reports the results in its own format.
import { waitFor } from './workloads.ts';

export interface ProbeResult {
  what: string;
  /** When it first held; undefined if it never did. */
  at?: number;
  error?: string;
}

export class ProbeSet {
  private readonly results: ProbeResult[] = [];
  private readonly checks: Promise<void>[] = [];

  constructor(private readonly timeoutMs: number) {}

  probe(what: string, holds: () => Promise<boolean>, intervalMs = 50): void {
    const result: ProbeResult = { what };
    this.results.push(result);
    this.checks.push(waitFor(what, holds, this.timeoutMs, intervalMs).then(({ at }) => void (result.at = at), (err: Error) => void (result.error = err.message)));
  }

  /** Waits for every probe; the results in the order they held, those that never did last. */
  protected async settled(): Promise<ProbeResult[]> {
    await Promise.all(this.checks);
    return [...this.results].sort((a, b) => (a.at ?? Infinity) - (b.at ?? Infinity));
  }
}
