// Starting and stopping the cluster's OS processes. Each is `node --import tsx <main>` itself (or
// etcd itself), so the pid is the process a SIGKILL should hit; detached in its own process group (a
// Ctrl-C in the terminal reaches only `up`, which then stops them in order), with stdout and stderr
// appended to its log file (no pipe to `up`: a process outlives whoever started it, e.g. a `restart`).
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ProcessSpec } from './layout.ts';
import { logPath, writePid, type ClusterPaths } from './state.ts';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Whether `pid` is a live process (not a zombie) and, when `main` is given, one running that module:
 * a pid file outliving its process must not make us signal whatever reused the number.
 */
export function isAlive(pid: number | undefined, main?: string): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  if (!existsSync('/proc/self/stat')) return true;
  try {
    // The state follows the parenthesised command name, which may itself contain spaces.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) return false;
    if (main && !readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(main)) return false;
    return true;
  } catch {
    return false;
  }
}

export interface Started {
  pid: number;
  child: ChildProcess;
  /** Where this run's output starts in the log file. */
  logOffset: number;
}

/** Spawns the process of `spec` and records its pid file. */
export function startProcess(spec: ProcessSpec, paths: ClusterPaths, env: Record<string, string>): Started {
  const log = logPath(paths, spec.name);
  const fd = openSync(log, 'a');
  const [command, argv] = spec.program ? [spec.program, spec.args] : [process.execPath, ['--import', 'tsx', spec.main, ...spec.args]];
  writeSync(fd, `---- ${new Date().toISOString()} starting ${spec.name}: ${spec.program ?? 'node'} ${argv.join(' ')}\n`);
  const logOffset = statSync(log).size;
  let child: ChildProcess;
  try {
    child = spawn(command, argv, { cwd: repoRoot, detached: true, stdio: ['ignore', fd, fd], env: { ...process.env, ...env } });
  } finally {
    closeSync(fd);
  }
  if (child.pid === undefined) throw new Error(`could not start ${spec.name}`);
  writePid(paths, spec.name, child.pid);
  return { pid: child.pid, child, logOffset };
}

/**
 * Sends SIGTERM to each live pid, waits up to `graceMs` for them to exit, then SIGKILLs the rest.
 * Returns the names that had to be killed.
 */
export async function stopProcesses(targets: { name: string; pid: number; main: string }[], graceMs: number): Promise<string[]> {
  const live = targets.filter((t) => isAlive(t.pid, t.main));
  for (const t of live) signal(t.pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && live.some((t) => isAlive(t.pid))) await sleep(50);
  const stragglers = live.filter((t) => isAlive(t.pid));
  for (const t of stragglers) signal(t.pid, 'SIGKILL');
  while (stragglers.some((t) => isAlive(t.pid))) await sleep(20);
  return stragglers.map((t) => t.name);
}

export function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

/** The last `n` lines of a process's log, for telling people why it failed. */
export function logTail(paths: ClusterPaths, name: string, n = 15): string {
  try {
    const text = readFileSync(logPath(paths, name), 'utf8');
    return text.split('\n').filter(Boolean).slice(-n).join('\n');
  } catch {
    return '(no log)';
  }
}
