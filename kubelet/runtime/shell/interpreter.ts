// Runs parsed shell scripts inside a simulated container: variables, a small in-memory filesystem,
// stdout/stderr to the container's log, and signals as an abort signal (every wait is abortable and
// every command checks it), with the dispositions `trap` sets. A script that loops without sleeping
// is throttled so it cannot starve the kubelet's event loop.
import { ArithError, evaluateArith } from './arith.ts';
import { builtins } from './builtins.ts';
import { parseScript, ShellSyntaxError, type Redirect, type ShNode, type Word } from './parse.ts';

export interface ShellIO {
  out(text: string): void;
  err(text: string): void;
  stdin: string;
}

export interface ShellContext {
  /** Shell and environment variables (one namespace, as scripts see them). */
  vars: Map<string, string>;
  /** The container's filesystem: absolute path to content; directories end with '/'. */
  files: Map<string, string>;
  /** Aborted on a signal that ends the script (SIGTERM unless trapped, SIGKILL): it stops at once. */
  signal: AbortSignal;
  /** What `trap` set, by signal name (TERM): the action's text, '' to ignore the signal. Shared by subshells. */
  traps: Map<string, string>;
  /**
   * What a program the shell does not know does: 'daemon' runs until stopped (a server image's
   * entrypoint, e.g. nginx), 'succeed' exits 0 at once (an exec probe's health-check binary).
   */
  unknownCommand: 'daemon' | 'succeed';
  hostname: string;
  /** $0, $1, ... */
  args: string[];
  lastStatus: number;
  background: Promise<unknown>[];
  steps: number;
}

/** `exit N` unwinds to the shell that runs the script. */
export class ExitSignal {
  constructor(readonly code: number) {}
}

/** The container was stopped (SIGTERM) while the script ran. */
export class Terminated extends Error {
  constructor() {
    super('terminated');
  }
}

export const sleep = (ms: number, signal: AbortSignal) => new Promise<void>((resolve, reject) => {
  if (signal.aborted) return reject(new Terminated());
  const onAbort = () => {
    clearTimeout(timer);
    reject(new Terminated());
  };
  const timer = ms === Infinity ? undefined : setTimeout(() => {
    signal.removeEventListener('abort', onAbort);
    resolve();
  }, ms);
  signal.addEventListener('abort', onAbort, { once: true });
});

const THROTTLE_EVERY = 100;
const THROTTLE_MS = 10;

export function newContext(options: Pick<ShellContext, 'vars' | 'files' | 'signal' | 'unknownCommand' | 'hostname'> & { args?: string[]; traps?: Map<string, string> }): ShellContext {
  return { ...options, traps: options.traps ?? new Map(), args: options.args ?? ['sh'], lastStatus: 0, background: [], steps: 0 };
}

/** Runs a script (the text after `sh -c`); resolves with its exit status. */
export async function runScript(script: string, ctx: ShellContext, io: ShellIO): Promise<number> {
  let node: ShNode;
  try {
    node = parseScript(script);
  } catch (err) {
    if (!(err instanceof ShellSyntaxError)) throw err;
    io.err(`sh: ${err.message}\n`);
    return 2;
  }
  return runTop(node, ctx, io);
}

/** Runs a trap's action; resolves with the code of an `exit` in it, or undefined when it ends without one. */
export async function runTrapAction(action: string, ctx: ShellContext, io: ShellIO): Promise<number | undefined> {
  try {
    await run(parseScript(action), ctx, io);
    return undefined;
  } catch (err) {
    if (err instanceof ExitSignal) return err.code;
    if (!(err instanceof ShellSyntaxError)) throw err;
    io.err(`sh: ${err.message}\n`);
    return undefined;
  }
}

/** Runs a node as a whole program: `exit` ends it with its code. */
export async function runTop(node: ShNode, ctx: ShellContext, io: ShellIO): Promise<number> {
  try {
    return await run(node, ctx, io);
  } catch (err) {
    if (err instanceof ExitSignal) return err.code;
    throw err;
  }
}

/** Runs an argv without a shell in front (a container's exec-form command). */
export async function runArgv(argv: string[], ctx: ShellContext, io: ShellIO): Promise<number> {
  try {
    return await invoke(argv, ctx, io);
  } catch (err) {
    if (err instanceof ExitSignal) return err.code;
    throw err;
  }
}

export async function run(node: ShNode, ctx: ShellContext, io: ShellIO): Promise<number> {
  if (ctx.signal.aborted) throw new Terminated();
  let status: number;
  switch (node.k) {
    case 'simple': status = await runSimple(node, ctx, io); break;
    case 'pipe': {
      let stdin = io.stdin;
      status = 0;
      for (const [i, cmd] of node.cmds.entries()) {
        let captured = '';
        const last = i === node.cmds.length - 1;
        status = await run(cmd, ctx, { out: last ? io.out : (t) => { captured += t; }, err: io.err, stdin });
        stdin = captured;
      }
      if (node.negate) status = status === 0 ? 1 : 0;
      break;
    }
    case 'andor': {
      status = await run(node.first, ctx, io);
      for (const { op, node: next } of node.rest) {
        if ((op === '&&') === (status === 0)) status = await run(next, ctx, io);
      }
      break;
    }
    case 'list': {
      status = 0;
      for (const { node: item, background } of node.items) {
        if (background) {
          ctx.background.push(run(item, { ...ctx, vars: new Map(ctx.vars) }, io).catch(() => undefined));
          status = 0;
        } else status = await run(item, ctx, io);
      }
      break;
    }
    case 'loop': {
      status = 0;
      for (;;) {
        const cond = await run(node.cond, ctx, io);
        if ((cond === 0) === node.until) break;
        status = await run(node.body, ctx, io);
        await throttle(ctx);
      }
      break;
    }
    case 'if': {
      status = 0;
      const branch = await (async () => {
        for (const b of node.branches) if ((await run(b.cond, ctx, io)) === 0) return b.body;
        return node.otherwise;
      })();
      if (branch) status = await run(branch, ctx, io);
      break;
    }
    case 'for': {
      status = 0;
      const items = node.items ? (await Promise.all(node.items.map((w) => expandWord(w, ctx)))).flat() : ctx.args.slice(1);
      for (const item of items) {
        ctx.vars.set(node.name, item);
        status = await run(node.body, ctx, io);
        await throttle(ctx);
      }
      break;
    }
    case 'group':
      status = node.subshell ? await runTop(node.body, { ...ctx, vars: new Map(ctx.vars), background: [] }, io) : await run(node.body, ctx, io);
      break;
  }
  ctx.lastStatus = status;
  return status;
}

async function throttle(ctx: ShellContext): Promise<void> {
  if (++ctx.steps % THROTTLE_EVERY === 0) await sleep(THROTTLE_MS, ctx.signal);
}

async function runSimple(node: Extract<ShNode, { k: 'simple' }>, ctx: ShellContext, io: ShellIO): Promise<number> {
  await throttle(ctx);
  let argv: string[];
  try {
    argv = (await Promise.all(node.words.map((w) => expandWord(w, ctx)))).flat();
    for (const { name, value } of node.assigns) ctx.vars.set(name, (await expandWord(value, ctx, false)).join(''));
  } catch (err) {
    if (!(err instanceof ArithError)) throw err;
    io.err(`sh: ${err.message}\n`);
    return 1;
  }
  const redirected = await applyRedirects(node.redirects, ctx, io);
  if (!redirected) return 1;
  if (argv.length === 0) return 0;
  return invoke(argv, ctx, redirected);
}

/** Runs one command: a builtin, or a program the simulation does not know. */
export async function invoke(argv: string[], ctx: ShellContext, io: ShellIO): Promise<number> {
  const name = argv[0].includes('/') ? argv[0].slice(argv[0].lastIndexOf('/') + 1) : argv[0];
  const builtin = builtins[name];
  if (builtin) return builtin(argv.slice(1), ctx, io, name);
  if (ctx.unknownCommand === 'succeed') return 0;
  await sleep(Infinity, ctx.signal);
  return 0;
}

/** The I/O after `>`, `>>`, `<`, `2>&1`, `&>`; undefined (after printing why) when a file cannot be read. */
async function applyRedirects(redirects: Redirect[], ctx: ShellContext, io: ShellIO): Promise<ShellIO | undefined> {
  let { out, err, stdin } = io;
  for (const r of redirects) {
    const target = (await expandWord(r.target, ctx, false)).join('');
    if (r.op === '<') {
      const content = readFile(ctx, target);
      if (content === undefined) {
        io.err(`sh: can't open ${target}: no such file\n`);
        return undefined;
      }
      stdin = content;
      continue;
    }
    if (r.op === '>&') {
      if (target === '1') err = r.fd === 2 ? out : err;
      else if (target === '2') out = r.fd === 1 ? err : out;
      continue;
    }
    const writer = fileWriter(ctx, target, r.op === '>>');
    if (r.op === '&>') { out = writer; err = writer; }
    else if (r.fd === 2) err = writer;
    else out = writer;
  }
  return { out, err, stdin };
}

export const absolutePath = (path: string) => (path.startsWith('/') ? path : `/${path}`).replace(/\/+/g, '/').replace(/(.)\/$/, '$1');

export function readFile(ctx: ShellContext, path: string): string | undefined {
  return ctx.files.get(absolutePath(path));
}

function fileWriter(ctx: ShellContext, path: string, append: boolean): (text: string) => void {
  const p = absolutePath(path);
  if (p === '/dev/null') return () => undefined;
  if (!append) ctx.files.set(p, '');
  return (text) => ctx.files.set(p, (ctx.files.get(p) ?? '') + text);
}

function special(name: string, ctx: ShellContext): string | undefined {
  switch (name) {
    case '?': return String(ctx.lastStatus);
    case '$': return '1';
    case '!': return '0';
    case '#': return String(ctx.args.length - 1);
    case '@': case '*': return ctx.args.slice(1).join(' ');
  }
  if (/^\d$/.test(name)) return ctx.args[Number(name)];
  return ctx.vars.get(name);
}

/** Expands a word into fields: unquoted expansions split on whitespace (no globbing). */
export async function expandWord(word: Word, ctx: ShellContext, split = true): Promise<string[]> {
  const fields: string[] = [];
  let current: string | null = null;
  const addSplittable = (text: string) => {
    if (!split) {
      current = (current ?? '') + text;
      return;
    }
    const pieces = text.split(/[ \t\n]+/);
    pieces.forEach((piece, i) => {
      if (i > 0 && current !== null) {
        fields.push(current);
        current = null;
      }
      if (piece) current = (current ?? '') + piece;
    });
  };
  for (const part of word) {
    let text: string;
    switch (part.t) {
      case 'lit':
        current = (current ?? '') + part.v;
        continue;
      case 'var': {
        const value = special(part.name, ctx);
        const empty = value === undefined || (part.op?.startsWith(':') && value === '');
        text = value ?? '';
        if (part.op === ':-' || part.op === '-') { if (part.op === ':-' ? empty : value === undefined) text = (await expandWord(part.arg!, ctx, false)).join(''); }
        else if (part.op === ':=' || part.op === '=') {
          if (part.op === ':=' ? empty : value === undefined) {
            text = (await expandWord(part.arg!, ctx, false)).join('');
            ctx.vars.set(part.name, text);
          }
        } else if (part.op === ':+' || part.op === '+') text = (part.op === ':+' ? !empty : value !== undefined) ? (await expandWord(part.arg!, ctx, false)).join('') : '';
        break;
      }
      case 'arith':
        text = String(evaluateArith(part.expr, ctx.vars));
        break;
      case 'cmd': {
        let out = '';
        await runTop(part.body, { ...ctx, vars: new Map(ctx.vars), background: [] }, { out: (t) => { out += t; }, err: () => undefined, stdin: '' });
        text = out.replace(/\n+$/, '');
        break;
      }
    }
    if (part.quoted) current = (current ?? '') + text;
    else addSplittable(text);
  }
  if (current !== null) fields.push(current);
  return fields;
}
