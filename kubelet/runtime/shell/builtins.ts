// The programs a simulated container has, with busybox's behaviour and messages: the shell itself,
// sleep/exit/echo/printf/true/false, files (cat, touch, rm, mkdir, ls, test), text (grep, wc, head,
// tail, seq), the environment (env, export, hostname, date), and real HTTP clients (net.ts).
import { absolutePath, ExitSignal, invoke, readFile, runScript, sleep, type ShellContext, type ShellIO } from './interpreter.ts';
import { curl, wget } from './net.ts';

export type Builtin = (args: string[], ctx: ShellContext, io: ShellIO, name: string) => Promise<number>;

const DURATION_UNITS: Record<string, number> = { '': 1000, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** sleep's argument in ms (`1.5`, `10s`, `2m`, `infinity`), or undefined if it is not one. */
export function sleepDuration(arg: string): number | undefined {
  if (arg === 'inf' || arg === 'infinity') return Infinity;
  const m = /^(\d+(?:\.\d*)?|\.\d+)([smhd]?)$/.exec(arg);
  return m ? Number(m[1]) * DURATION_UNITS[m[2]] : undefined;
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', '\\': '\\', r: '\r', a: '\x07', '0': '\0' };
const unescape = (s: string) => s.replace(/\\([ntr\\a0])/g, (_, c: string) => ESCAPES[c]);

function printf(format: string, args: string[]): string {
  let out = '';
  let i = 0;
  do {
    out += unescape(format).replace(/%(-?\d*)([sdif%])/g, (_, width: string, conv: string) => {
      if (conv === '%') return '%';
      const arg = args[i++] ?? '';
      const text = conv === 's' ? arg : String(conv === 'f' ? Number(arg || 0).toFixed(6) : Math.trunc(Number(arg) || 0));
      const w = Number(width);
      return w > 0 ? text.padStart(w) : w < 0 ? text.padEnd(-w) : text;
    });
  } while (i < args.length && /%[^%]/.test(format));
  return out;
}

function flagsOf(args: string[], known: string): { flags: Set<string>; rest: string[]; values: Map<string, string> } {
  const flags = new Set<string>();
  const values = new Map<string, string>();
  let i = 0;
  for (; i < args.length && /^-[A-Za-z]+$/.test(args[i]); i++) {
    for (const f of args[i].slice(1)) {
      if (!known.includes(f)) return { flags, rest: args.slice(i), values };
      if (known.includes(`${f}:`)) values.set(f, args[++i] ?? '');
      else flags.add(f);
    }
  }
  return { flags, rest: args.slice(i), values };
}

const isDirectory = (ctx: ShellContext, path: string) => {
  const p = absolutePath(path);
  const prefix = p === '/' ? '/' : `${p}/`;
  return ['/', '/tmp', '/etc', '/var', '/proc', '/dev', '/root'].includes(p) || [...ctx.files.keys()].some((k) => k.startsWith(prefix));
};

function test(args: string[], ctx: ShellContext): boolean {
  if (args[0] === '!') return !test(args.slice(1), ctx);
  if (args.length === 0) return false;
  if (args.length === 1) return args[0] !== '';
  if (args.length === 2) {
    const [op, v] = args;
    switch (op) {
      case '-z': return v === '';
      case '-n': return v !== '';
      case '-e': case '-r': case '-w': case '-x': return readFile(ctx, v) !== undefined || isDirectory(ctx, v);
      case '-f': return readFile(ctx, v) !== undefined;
      case '-s': return !!readFile(ctx, v);
      case '-d': return isDirectory(ctx, v);
    }
    return false;
  }
  const [a, op, b] = args;
  switch (op) {
    case '=': case '==': return a === b;
    case '!=': return a !== b;
    case '-eq': return Number(a) === Number(b);
    case '-ne': return Number(a) !== Number(b);
    case '-lt': return Number(a) < Number(b);
    case '-le': return Number(a) <= Number(b);
    case '-gt': return Number(a) > Number(b);
    case '-ge': return Number(a) >= Number(b);
  }
  return false;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number, w = 2) => String(n).padStart(w, '0');

function date(format: string | undefined, d = new Date()): string {
  const fields: Record<string, string> = {
    Y: String(d.getUTCFullYear()), m: pad(d.getUTCMonth() + 1), d: pad(d.getUTCDate()), H: pad(d.getUTCHours()),
    M: pad(d.getUTCMinutes()), S: pad(d.getUTCSeconds()), s: String(Math.floor(d.getTime() / 1000)), N: pad(d.getUTCMilliseconds(), 3) + '000000',
    a: DAYS[d.getUTCDay()], b: MONTHS[d.getUTCMonth()], e: String(d.getUTCDate()).padStart(2), Z: 'UTC', '%': '%',
  };
  fields.T = `${fields.H}:${fields.M}:${fields.S}`;
  fields.F = `${fields.Y}-${fields.m}-${fields.d}`;
  return (format ?? '%a %b %e %T %Z %Y').replace(/%([A-Za-z%])/g, (all, f: string) => fields[f] ?? all);
}

/** Text from the named files, or stdin when none; undefined (after complaining) when one is missing. */
function input(files: string[], ctx: ShellContext, io: ShellIO, program: string): string | undefined {
  if (files.length === 0) return io.stdin;
  let text = '';
  for (const f of files) {
    const content = readFile(ctx, f);
    if (content === undefined) {
      io.err(`${program}: ${f}: No such file or directory\n`);
      return undefined;
    }
    text += content;
  }
  return text;
}

const SIGNAL_NUMBERS: Record<string, string> = { 0: 'EXIT', 1: 'HUP', 2: 'INT', 3: 'QUIT', 9: 'KILL', 10: 'USR1', 12: 'USR2', 13: 'PIPE', 14: 'ALRM', 15: 'TERM', 17: 'CHLD' };
const SIGNAL_NAMES = new Set(Object.values(SIGNAL_NUMBERS));

/** A signal's name as `trap` takes it (TERM, SIGTERM, 15), or undefined. */
function signalName(arg: string): string | undefined {
  const name = /^\d+$/.test(arg) ? SIGNAL_NUMBERS[arg] : arg.toUpperCase().replace(/^SIG/, '');
  return name && SIGNAL_NAMES.has(name) ? name : undefined;
}

const linesOf = (text: string) => (text === '' ? [] : text.replace(/\n$/, '').split('\n'));

export const builtins: Record<string, Builtin> = {
  true: async () => 0,
  ':': async () => 0,
  false: async () => 1,
  // trap ACTION SIGNAL...: the action runs when the signal comes ('' ignores it, '-' restores the default);
  // `trap SIGNAL...` with a number first restores them too. Only TERM ever arrives (the kubelet's stop).
  trap: async (args, ctx, io) => {
    if (args.length === 0) {
      for (const [name, action] of ctx.traps) io.out(`trap -- '${action}' ${name}\n`);
      return 0;
    }
    const reset = args[0] === '-' || /^\d+$/.test(args[0]);
    const signals = args[0] === '-' || !reset ? args.slice(1) : args;
    for (const s of signals) {
      const name = signalName(s);
      if (!name) {
        io.err(`trap: ${s}: bad trap\n`);
        return 1;
      }
      if (reset) ctx.traps.delete(name);
      else ctx.traps.set(name, args[0]);
    }
    return 0;
  },
  cd: async () => 0,
  pwd: async (_a, _c, io) => (io.out('/\n'), 0),
  whoami: async (_a, _c, io) => (io.out('root\n'), 0),
  id: async (_a, _c, io) => (io.out('uid=0(root) gid=0(root) groups=0(root)\n'), 0),
  uname: async (args, _c, io) => (io.out(args.includes('-a') ? 'Linux k8ts 6.0.0-k8ts #1 SMP x86_64 GNU/Linux\n' : 'Linux\n'), 0),
  hostname: async (_a, ctx, io) => (io.out(`${ctx.hostname}\n`), 0),
  exit: async (args, ctx) => {
    throw new ExitSignal(args.length ? Number.parseInt(args[0], 10) & 255 : ctx.lastStatus);
  },
  echo: async (args, _c, io) => {
    const { flags, rest } = flagsOf(args, 'neE');
    const text = rest.join(' ');
    io.out((flags.has('e') ? unescape(text) : text) + (flags.has('n') ? '' : '\n'));
    return 0;
  },
  printf: async (args, _c, io) => {
    if (!args.length) { io.err('printf: usage: printf FORMAT [ARGUMENT...]\n'); return 1; }
    io.out(printf(args[0], args.slice(1)));
    return 0;
  },
  sleep: async (args, ctx, io) => {
    if (!args.length) { io.err('sleep: missing operand\n'); return 1; }
    let total = 0;
    for (const a of args) {
      const ms = sleepDuration(a);
      if (ms === undefined) { io.err(`sleep: invalid number '${a}'\n`); return 1; }
      total += ms;
    }
    await sleep(total, ctx.signal);
    return 0;
  },
  wait: async (_a, ctx) => {
    await Promise.all(ctx.background.splice(0));
    return 0;
  },
  exec: async (args, ctx, io) => {
    if (!args.length) return 0;
    throw new ExitSignal(await invoke(args, ctx, io));
  },
  sh: async (args, ctx, io, name) => {
    if (args[0] === '-c') {
      if (args.length < 2) { io.err(`${name}: -c requires an argument\n`); return 2; }
      return runScript(args[1], { ...ctx, vars: new Map(ctx.vars), background: [], args: args.length > 2 ? args.slice(2) : [name] }, io);
    }
    const [file, ...rest] = args.filter((a) => !a.startsWith('-'));
    if (!file) return 0; // no script and no terminal: sh reads an empty stdin and exits
    const script = readFile(ctx, file);
    if (script === undefined) { io.err(`${name}: can't open '${file}': No such file or directory\n`); return 2; }
    return runScript(script, { ...ctx, vars: new Map(ctx.vars), background: [], args: [file, ...rest] }, io);
  },
  cat: async (args, ctx, io) => {
    const files = args.filter((a) => a !== '-');
    for (const f of files) {
      const content = readFile(ctx, f);
      if (content === undefined) { io.err(`cat: can't open '${f}': No such file or directory\n`); return 1; }
      io.out(content);
    }
    if (files.length === 0) io.out(io.stdin);
    return 0;
  },
  touch: async (args, ctx) => {
    for (const f of args.filter((a) => !a.startsWith('-'))) if (readFile(ctx, f) === undefined) ctx.files.set(absolutePath(f), '');
    return 0;
  },
  mkdir: async (args, ctx) => {
    for (const d of args.filter((a) => !a.startsWith('-'))) ctx.files.set(`${absolutePath(d)}/`, '');
    return 0;
  },
  rm: async (args, ctx, io) => {
    const { flags, rest } = flagsOf(args, 'frRv');
    let status = 0;
    for (const f of rest) {
      const p = absolutePath(f);
      const under = [...ctx.files.keys()].filter((k) => k === p || k.startsWith(`${p}/`));
      if (under.length > 1 || under.some((k) => k !== p)) {
        if (!flags.has('r') && !flags.has('R')) { io.err(`rm: '${f}' is a directory\n`); status = 1; continue; }
      }
      if (!under.length && !flags.has('f')) { io.err(`rm: can't remove '${f}': No such file or directory\n`); status = 1; }
      for (const k of under) ctx.files.delete(k);
    }
    return status;
  },
  ls: async (args, ctx, io) => {
    const dir = absolutePath(args.find((a) => !a.startsWith('-')) ?? '/');
    if (readFile(ctx, dir) !== undefined) { io.out(`${dir}\n`); return 0; }
    const prefix = dir === '/' ? '/' : `${dir}/`;
    const names = new Set([...ctx.files.keys()].filter((k) => k.startsWith(prefix) && k !== prefix).map((k) => k.slice(prefix.length).split('/')[0]));
    if (!names.size && !isDirectory(ctx, dir)) { io.err(`ls: ${dir}: No such file or directory\n`); return 1; }
    if (names.size) io.out([...names].sort().join('\n') + '\n');
    return 0;
  },
  test: async (args, ctx) => (test(args, ctx) ? 0 : 1),
  '[': async (args, ctx, io) => {
    if (args[args.length - 1] !== ']') { io.err('[: missing ]\n'); return 2; }
    return test(args.slice(0, -1), ctx) ? 0 : 1;
  },
  date: async (args, _c, io) => {
    const format = args.find((a) => a.startsWith('+'));
    io.out(`${date(format?.slice(1))}\n`);
    return 0;
  },
  env: async (args, ctx, io) => {
    if (args.length) return invoke(args, ctx, io);
    io.out([...ctx.vars].map(([k, v]) => `${k}=${v}\n`).join(''));
    return 0;
  },
  printenv: async (args, ctx, io) => {
    if (!args.length) return builtins.env([], ctx, io, 'env');
    const values = args.map((a) => ctx.vars.get(a));
    for (const v of values) if (v !== undefined) io.out(`${v}\n`);
    return values.every((v) => v !== undefined) ? 0 : 1;
  },
  export: async (args, ctx) => {
    for (const a of args) {
      const eq = a.indexOf('=');
      if (eq > 0) ctx.vars.set(a.slice(0, eq), a.slice(eq + 1));
    }
    return 0;
  },
  unset: async (args, ctx) => {
    for (const a of args) ctx.vars.delete(a);
    return 0;
  },
  seq: async (args, _c, io) => {
    const [first, last] = args.length >= 2 ? [Number(args[0]), Number(args[1])] : [1, Number(args[0])];
    let out = '';
    for (let i = first; i <= last && i - first < 100_000; i++) out += `${i}\n`;
    io.out(out);
    return 0;
  },
  grep: async (args, ctx, io) => {
    const { flags, rest } = flagsOf(args, 'qviEFc');
    const [pattern, ...files] = rest;
    if (pattern === undefined) { io.err('grep: usage: grep [-qvic] PATTERN [FILE]...\n'); return 2; }
    const text = input(files, ctx, io, 'grep');
    if (text === undefined) return 2;
    let re: RegExp;
    try {
      re = new RegExp(flags.has('F') ? pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') : pattern, flags.has('i') ? 'i' : '');
    } catch {
      re = new RegExp(pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    }
    const matched = linesOf(text).filter((l) => re.test(l) !== flags.has('v'));
    if (!flags.has('q')) io.out(flags.has('c') ? `${matched.length}\n` : matched.map((l) => `${l}\n`).join(''));
    return matched.length ? 0 : 1;
  },
  wc: async (args, ctx, io) => {
    const { flags, rest } = flagsOf(args, 'lcw');
    const text = input(rest, ctx, io, 'wc');
    if (text === undefined) return 1;
    const counts = { l: (text.match(/\n/g) ?? []).length, w: text.split(/\s+/).filter(Boolean).length, c: Buffer.byteLength(text) };
    const shown = flags.size ? (['l', 'w', 'c'] as const).filter((f) => flags.has(f)) : (['l', 'w', 'c'] as const);
    io.out(`${shown.map((f) => counts[f]).join(' ')}\n`);
    return 0;
  },
  head: async (args, ctx, io, name) => {
    const { values, rest } = flagsOf(args, 'n:');
    const n = Number(values.get('n') ?? 10);
    const text = input(rest, ctx, io, name);
    if (text === undefined) return 1;
    const lines = linesOf(text);
    const picked = name === 'head' ? lines.slice(0, n) : n === 0 ? [] : lines.slice(-n);
    io.out(picked.map((l) => `${l}\n`).join(''));
    return 0;
  },
  wget,
  curl,
};
builtins.tail = builtins.head;
builtins.bash = builtins.sh;
builtins.ash = builtins.sh;
builtins.dash = builtins.sh;
