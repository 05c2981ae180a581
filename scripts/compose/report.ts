// What a compose scenario found: checks (pass/fail, with the value seen) and measurements, printed as
// an aligned table.
export const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

interface Line {
  kind: 'check' | 'measure' | 'note';
  name: string;
  value: string;
  ok?: boolean;
}

export class Report {
  private readonly lines: Line[] = [];

  constructor(readonly title: string) {}

  check(name: string, ok: boolean, value: string | number = ''): void {
    this.lines.push({ kind: 'check', name, value: String(value), ok });
  }

  measure(name: string, value: string | number, unit: 'ms' | '' = ''): void {
    this.lines.push({ kind: 'measure', name, value: unit === 'ms' && typeof value === 'number' ? secs(value) : String(value) });
  }

  note(text: string): void {
    this.lines.push({ kind: 'note', name: text, value: '' });
  }

  get passed(): boolean {
    return this.lines.every((l) => l.ok !== false);
  }

  print(say: (line: string) => void): void {
    const width = Math.max(...this.lines.filter((l) => l.kind !== 'note').map((l) => l.name.length), 10);
    for (const l of this.lines) {
      if (l.kind === 'note') say(`    note: ${l.name}`);
      else say(`  ${l.kind === 'check' ? (l.ok ? 'PASS' : 'FAIL') : '    '}  ${l.name.padEnd(width)}  ${l.value}`);
    }
  }
}
