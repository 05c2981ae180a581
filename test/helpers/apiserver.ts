// Starts a real API server process for a test: `node --import tsx apiserver/main.ts` on a free port
// with its own data directory. The pid is the node process itself, so SIGKILL kills the server.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

export interface ApiServerProcess {
  url: string;
  port: number;
  dataDir: string;
  child: ChildProcess;
  /** Output lines so far (stdout and stderr), for diagnosing failures. */
  output: string[];
  /** SIGTERM and wait for exit. */
  stop(): Promise<void>;
  /** SIGKILL and wait for exit. */
  kill(): Promise<void>;
  /** Start again on the same port and data directory. */
  restart(): Promise<ApiServerProcess>;
  /** stop() and remove the data directory. */
  cleanup(): Promise<void>;
}

export interface StartOptions {
  dataDir?: string;
  port?: number;
  args?: string[];
}

export async function startApiServer(options: StartOptions = {}, ownsDataDir = options.dataDir === undefined): Promise<ApiServerProcess> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'k8ts-apiserver-'));
  const args = ['--import', 'tsx', 'apiserver/main.ts', '--port', String(options.port ?? 0), '--data-dir', dataDir, ...(options.args ?? [])];
  const child = spawn(process.execPath, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' } });
  const output: string[] = [];
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  createInterface({ input: child.stderr! }).on('line', (l) => output.push(l));
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      output.push(line);
      const m = /k8ts-apiserver listening on (\S+)/.exec(line);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`apiserver exited with ${code} before listening:\n${output.join('\n')}`)));
  });
  const port = Number(new URL(url).port);
  const waitExit = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  const proc: ApiServerProcess = {
    url, port, dataDir, child, output,
    stop: () => waitExit('SIGTERM'),
    kill: () => waitExit('SIGKILL'),
    restart: () => startApiServer({ ...options, dataDir, port }, ownsDataDir),
    async cleanup() {
      await waitExit('SIGTERM');
      if (ownsDataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return proc;
}
