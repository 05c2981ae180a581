// The cluster components of the pod start-up benchmark as real processes (`node --import tsx
// <component>/main.ts`, so the pid measured is the component itself): started, awaited until they print
// "k8ts-<name> serving on URL identity=ID", stopped with SIGTERM, and never left behind by a bench
// that dies.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { repoRoot } from './processes.ts';

export interface ComponentProcess {
  name: string;
  pid: number;
  child: ChildProcess;
  /** Output lines kept for a failure report (the last 200). */
  output: string[];
  /** SIGTERM, then wait for the exit (SIGKILL after `graceMs`). */
  stop(graceMs?: number): Promise<void>;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Starts `script` and resolves once it has printed its serving line (or `readyLine`). */
export async function startComponent(name: string, script: string, args: string[], readyLine = /^k8ts-\S+ serving on /): Promise<ComponentProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' },
  });
  running.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => { running.delete(child); resolve(); }));
  const output: string[] = [];
  const keep = (line: string) => {
    output.push(line);
    if (output.length > 200) output.shift();
    // Errors still show: a benchmark that hides its components' complaints misleads.
    if (/"level":(50|60)/.test(line)) process.stderr.write(`  [${name}] ${line}\n`);
  };
  createInterface({ input: child.stderr! }).on('line', keep);
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      keep(line);
      if (readyLine.test(line)) resolve();
    });
    void exited.then(() => reject(new Error(`${name} exited (${child.exitCode ?? child.signalCode}) before serving:\n${output.join('\n')}`)));
  });
  return {
    name, pid: child.pid!, child, output,
    async stop(graceMs = 15_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
