// Numbers for the benchmarks: a latency recorder that does not allocate per sample, percentiles,
// and the few formats the report prints.

/** Collects samples (milliseconds) into a growing Float64Array: no per-sample objects for the GC. */
export class Samples {
  private values = new Float64Array(16_384);
  private n = 0;

  add(value: number): void {
    if (this.n === this.values.length) {
      const bigger = new Float64Array(this.values.length * 2);
      bigger.set(this.values);
      this.values = bigger;
    }
    this.values[this.n++] = value;
  }

  get count(): number {
    return this.n;
  }

  /** A sorted copy, for percentiles. */
  sorted(): Float64Array {
    return this.values.slice(0, this.n).sort();
  }
}

/** Nearest-rank percentile (p in 0..100) of sorted values; NaN when empty. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export interface Distribution {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

export function distributionOf(samples: Samples | number[]): Distribution {
  const sorted = samples instanceof Samples ? samples.sorted() : Float64Array.from(samples).sort();
  return { count: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.length ? sorted[sorted.length - 1] : NaN };
}

/** Wall-clock milliseconds with sub-millisecond precision (for timestamps written and read in one process). */
export const nowMs = (): number => performance.timeOrigin + performance.now();

export const ms = (value: number): string => (Number.isFinite(value) ? `${value < 10 ? value.toFixed(2) : value < 100 ? value.toFixed(1) : value.toFixed(0)} ms` : 'n/a');
export const perSecond = (value: number): string => `${Math.round(value).toLocaleString('en-US')}/s`;
export const count = (value: number): string => Math.round(value).toLocaleString('en-US');
export const mb = (bytes: number): string => `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
export const ratio = (value: number): string => (Number.isFinite(value) ? `${value.toFixed(2)}x` : 'n/a');

/** A plain-text table with left-aligned columns. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (c ?? '').padEnd(widths[i])).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
