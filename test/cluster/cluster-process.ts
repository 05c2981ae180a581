// Runs scripts/cluster.ts for the tests: `up` as a child process (in a temporary data dir, with
// --fast, and ports, node addresses and pod/Service ranges no developer's cluster uses), and the
// sub-commands as one-shot processes.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { repoRoot } from '../helpers/apiserver.ts';

export interface UpProcess {
  child: ChildProcess;
  dataDir: string;
  apiServerURL: string;
  /** Every stdout and stderr line so far. */
  output: string[];
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
  /** Resolves when a line matching `re` has been printed (already or later). */
  line(re: RegExp, timeoutMs?: number): Promise<string>;
  /** The flags it was started with, to run `up` again on the same cluster. */
  args: string[];
}

/** A port base in 12000–19000 (clear of the ephemeral range other tests' servers use). */
export const randomPortBase = () => 12000 + 10 * Math.floor(Math.random() * 700);

export function clusterArgs(dataDir: string, nodes: number): string[] {
  const third = 200 + Math.floor(Math.random() * 50);
  return [
    '--fast', '--nodes', String(nodes), '--data-dir', dataDir, '--port-base', String(randomPortBase()),
    '--node-ip', `127.1.${third}.1`, '--cluster-cidr', '127.140.0.0/16', '--service-cluster-ip-range', '127.141.0.0/16',
  ];
}

export function newDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'k8ts-cluster-test-'));
}

export async function startUp(args: string[]): Promise<UpProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/cluster.ts', 'up', ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const waiters: { re: RegExp; resolve: (l: string) => void }[] = [];
  const onLine = (l: string) => {
    output.push(l);
    for (const w of waiters.filter((w) => w.re.test(l))) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(l);
    }
  };
  createInterface({ input: child.stdout! }).on('line', onLine);
  createInterface({ input: child.stderr! }).on('line', onLine);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const line = (re: RegExp, timeoutMs = 120_000) => {
    const seen = output.find((l) => re.test(l));
    if (seen) return Promise.resolve(seen);
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no line matching ${re} within ${timeoutMs} ms:\n${output.join('\n')}`)), timeoutMs);
      waiters.push({ re, resolve: (l) => { clearTimeout(timer); resolve(l); } });
      void exited.then((code) => { clearTimeout(timer); reject(new Error(`up exited (${code}) before printing ${re}:\n${output.join('\n')}`)); });
    });
  };
  const dataDir = args[args.indexOf('--data-dir') + 1];
  const portBase = args[args.indexOf('--port-base') + 1];
  return { child, dataDir, apiServerURL: `http://127.0.0.1:${portBase}`, output, exited, line, args };
}

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `scripts/cluster.ts <args>` to completion. */
export function runCluster(...args: string[]): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'scripts/cluster.ts', ...args], { cwd: repoRoot, timeout: 120_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

/** `status` output as rows: name → { pid, alive, role }. */
export function parseStatus(stdout: string): Map<string, { pid: number | undefined; alive: boolean; role: string }> {
  const rows = new Map<string, { pid: number | undefined; alive: boolean; role: string }>();
  for (const line of stdout.split('\n')) {
    const m = /^(\S+)\s+(\d+|-)\s+(yes|no)\s+(leader|standby|follower|\?)?\s*http/.exec(line);
    if (m) rows.set(m[1], { pid: m[2] === '-' ? undefined : Number(m[2]), alive: m[3] === 'yes', role: m[4] ?? '' });
  }
  return rows;
}
