// What a scenario measured and what it asserted, printed as one table per scenario.

export interface Row {
  what: string;
  value: string;
  /** undefined: a measurement only; true/false: an assertion that held or failed. */
  ok?: boolean;
}

export class ScenarioReport {
  readonly rows: Row[] = [];
  readonly notes: string[] = [];

  constructor(readonly title: string) {}

  /** A figure (milliseconds become seconds with 2 decimals). */
  measure(what: string, value: number | string, unit: 'ms' | '' = ''): void {
    this.rows.push({ what, value: unit === 'ms' && typeof value === 'number' ? `${(value / 1000).toFixed(2)} s` : String(value) });
  }

  /** An assertion: the scenario fails if any does not hold. */
  check(what: string, ok: boolean, value: string): boolean {
    this.rows.push({ what, value, ok });
    return ok;
  }

  note(text: string): void {
    this.notes.push(text);
  }

  get passed(): boolean {
    return this.rows.every((r) => r.ok !== false);
  }

  print(out: (line: string) => void = console.log): void {
    const w1 = Math.max(4, ...this.rows.map((r) => r.what.length));
    const w2 = Math.max(5, ...this.rows.map((r) => r.value.length));
    const line = `+-${'-'.repeat(w1)}-+-${'-'.repeat(w2)}-+------+`;
    out(`\n${this.title} — ${this.passed ? 'PASS' : 'FAIL'}`);
    out(line);
    out(`| ${'what'.padEnd(w1)} | ${'value'.padEnd(w2)} | ok   |`);
    out(line);
    for (const r of this.rows) out(`| ${r.what.padEnd(w1)} | ${r.value.padEnd(w2)} | ${(r.ok === undefined ? '' : r.ok ? 'yes' : 'NO').padEnd(4)} |`);
    out(line);
    for (const n of this.notes) out(`  note: ${n}`);
  }
}

export const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
