// Child processes for the benchmarks: servers that print "... listening on URL", one-shot workers
// that print one JSON line, and a process's resident memory from /proc.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

export interface ServerProcess {
  url: string;
  pid: number;
  child: ChildProcess;
  /** SIGTERM, then wait for the exit (SIGKILL after `graceMs`). */
  stop(graceMs?: number): Promise<void>;
}

export interface SpawnOptions {
  /** node flags before `--import tsx` (e.g. --cpu-prof). */
  nodeArgs?: string[];
  env?: Record<string, string>;
}

/** Children still running; a benchmark that dies must not leave servers behind. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

function spawnTs(script: string, args: string[], options: SpawnOptions): ChildProcess {
  const argv = [...(options.nodeArgs ?? []), '--import', 'tsx', script, ...args];
  const child = spawn(process.execPath, argv, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...options.env } });
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
}

/** Starts a TypeScript server and resolves once it prints "listening on URL". */
export async function startServer(script: string, args: string[], options: SpawnOptions = {}): Promise<ServerProcess> {
  const child = spawnTs(script, args, options);
  const output: string[] = [];
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const keep = (line: string) => {
    output.push(line);
    // Warnings and errors still show: a bench that hides its server's complaints misleads.
    if (/"level":(40|50|60)|Error|Warning/.test(line)) process.stderr.write(`  [${script}] ${line}\n`);
  };
  createInterface({ input: child.stderr! }).on('line', keep);
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const m = /listening on (\S+)/.exec(line);
      if (m) resolve(m[1]);
      else keep(line);
    });
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code} before listening:\n${output.join('\n')}`)));
  });
  return {
    url,
    pid: child.pid!,
    child,
    async stop(graceMs = 15_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Runs a TypeScript worker to completion and parses the last line it prints as JSON. */
export async function runWorker<T>(script: string, args: string[], options: SpawnOptions = {}): Promise<T> {
  const child = spawnTs(script, args, options);
  const lines: string[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => lines.push(line));
  createInterface({ input: child.stderr! }).on('line', (line) => lines.push(line));
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  if (code !== 0) throw new Error(`${script} exited with ${code}:\n${lines.join('\n')}`);
  return JSON.parse(lines[lines.length - 1]) as T;
}

export interface Memory {
  /** Resident set size in bytes (VmRSS). */
  rss: number;
  /** Of which anonymous memory (heap, buffers) and file-backed pages (code, mmapped database). */
  anon: number;
  file: number;
}

export function memoryOf(pid: number): Memory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kb('VmRSS'), anon: kb('RssAnon'), file: kb('RssFile') + kb('RssShmem') };
}

/** Kernel clock ticks per second for /proc times (USER_HZ, 100 on every mainstream Linux). */
const CLOCK_TICKS = 100;

/** CPU seconds (user + system, all threads) a process has used so far. */
export function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after "(comm)" start at field 3; utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** CPU seconds the whole machine has spent busy (all of /proc/stat's cpu line but idle and iowait). */
export function machineBusySeconds(): number {
  const [user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8').slice(0, 200).split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS;
}

export interface CpuUse {
  server: number;
  client: number;
  /** Everything else busy meanwhile: other processes, and the kernel's own network work. */
  rest: number;
}

/** Starts measuring; the returned function tells the average cores used since, by whom. */
export function cpuMeter(serverPid: number): () => CpuUse {
  const wallStart = performance.now();
  const serverStart = cpuSecondsOf(serverPid);
  const clientStart = process.cpuUsage();
  const machineStart = machineBusySeconds();
  return () => {
    const wall = (performance.now() - wallStart) / 1000;
    const clientUsage = process.cpuUsage(clientStart);
    const server = (cpuSecondsOf(serverPid) - serverStart) / wall;
    const client = (clientUsage.user + clientUsage.system) / 1e6 / wall;
    const machine = (machineBusySeconds() - machineStart) / wall;
    return { server, client, rest: Math.max(0, machine - server - client) };
  };
}

/**
 * Waits, up to `maxMs`, for a second in which the machine is nearly idle (other people's builds and
 * tests share it); resolves with whether it found one. Our own idle servers cost next to nothing.
 */
export async function waitForQuiet(maxMs: number, thresholdCores = 0.15): Promise<boolean> {
  const deadline = performance.now() + maxMs;
  do {
    const before = machineBusySeconds();
    await new Promise((r) => setTimeout(r, 1000));
    if (machineBusySeconds() - before < thresholdCores) return true;
  } while (performance.now() < deadline);
  return false;
}
