// Command-line flags in Kubernetes' style: `--name=value` or `--name value`, booleans as `--flag` or
// `--flag=false`, durations written like Go's (`15s`, `1m30s`, `500ms`). Each component declares its
// flags with their defaults; an unknown flag is an error, as in kube's pflag setup.

export type FlagSpec =
  | { type: 'string'; default: string; help: string }
  | { type: 'number'; default: number; help: string }
  | { type: 'boolean'; default: boolean; help: string }
  | { type: 'duration'; default: string; help: string }
  | { type: 'list'; default: string[]; help: string };

type FlagValue<S extends FlagSpec> = S['type'] extends 'string' ? string
  : S['type'] extends 'number' ? number
  : S['type'] extends 'boolean' ? boolean
  : S['type'] extends 'duration' ? number // milliseconds
  : string[];

export type Flags<T extends Record<string, FlagSpec>> = { [K in keyof T]: FlagValue<T[K]> };

const UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Parses a Go duration (`1h2m3.5s`, `250ms`, `0`) into milliseconds. */
export function parseDuration(text: string): number {
  if (text === '0') return 0;
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let matched = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    total += Number(m[1]) * UNITS[m[2]];
    matched = re.lastIndex;
  }
  if (matched === 0 || matched !== text.length) throw new Error(`invalid duration ${JSON.stringify(text)}`);
  return total;
}

function convert(name: string, spec: FlagSpec, raw: string): unknown {
  switch (spec.type) {
    case 'string': return raw;
    case 'number': {
      const n = Number(raw);
      if (!Number.isFinite(n)) throw new Error(`invalid value ${JSON.stringify(raw)} for --${name}: not a number`);
      return n;
    }
    case 'boolean':
      if (raw !== 'true' && raw !== 'false') throw new Error(`invalid value ${JSON.stringify(raw)} for --${name}: want true or false`);
      return raw === 'true';
    case 'duration': return parseDuration(raw);
    case 'list': return raw.split(',').map((s) => s.trim()).filter(Boolean);
  }
}

export function parseFlags<T extends Record<string, FlagSpec>>(specs: T, argv = process.argv.slice(2), component = 'component'): Flags<T> {
  const out: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(specs)) out[name] = spec.type === 'duration' ? parseDuration(spec.default) : spec.default;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') {
      console.log(`Usage: ${component} [flags]\n` + Object.entries(specs).map(([n, s]) => `  --${n} (${s.type}, default ${JSON.stringify(s.default)})\n      ${s.help}`).join('\n'));
      process.exit(0);
    }
    if (!arg.startsWith('--')) throw new Error(`unexpected argument ${JSON.stringify(arg)}`);
    const eq = arg.indexOf('=');
    const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    const spec = specs[name];
    if (!spec) throw new Error(`unknown flag: --${name}`);
    let raw: string;
    if (eq >= 0) raw = arg.slice(eq + 1);
    else if (spec.type === 'boolean') raw = 'true';
    else if (i + 1 < argv.length) raw = argv[++i];
    else throw new Error(`flag needs an argument: --${name}`);
    out[name] = convert(name, spec, raw);
  }
  return out as Flags<T>;
}
