// The e2e's grip on a local cluster: its record (processes, identities), an API client, and the
// actions a scenario takes on processes: kill one, restart one, find who leads. A cluster is either
// running already (`npm start -- --fast`) or started here (--start) in a temporary directory on ports
// and addresses of its own, and stopped again with SIGINT as a person would.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ApiClient } from '../../shared/client/api-client.ts';
import { restartProcess, recordOf } from '../cluster/control.ts';
import type { ComponentKind, ProcessSpec } from '../cluster/layout.ts';
import { processOfIdentity, readLease } from '../cluster/leases.ts';
import { isAlive, repoRoot, signal } from '../cluster/processes.ts';
import { apiServerReady } from '../cluster/readiness.ts';
import { clusterPaths, readPid, readRecord, type ClusterPaths, type ClusterRecord } from '../cluster/state.ts';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class ClusterHandle {
  readonly client: ApiClient;

  constructor(readonly paths: ClusterPaths, private readonly own?: { child: ChildProcess; exited: Promise<number>; tmp: string }) {
    this.client = new ApiClient({ servers: [this.record.apiServerURL], userAgent: 'k8ts-e2e-failover' });
  }

  /** Read afresh: restarts record new identities. */
  get record(): ClusterRecord {
    return recordOf(this.paths);
  }

  get url(): string {
    return this.record.apiServerURL;
  }

  /** The --fast settings are what the scenarios' time limits assume. */
  get fast(): boolean {
    return this.record.fastSettings.length > 0;
  }

  processes(kind?: ComponentKind): ProcessSpec[] {
    return this.record.processes.filter((p) => !kind || p.kind === kind);
  }

  pid(name: string): number | undefined {
    return readPid(this.paths, name);
  }

  alive(name: string): boolean {
    const spec = this.processes().find((p) => p.name === name);
    return isAlive(this.pid(name), spec?.main);
  }

  /** Signals the process; returns the moment the signal was sent. */
  kill(name: string, sig: NodeJS.Signals = 'SIGKILL'): number {
    const pid = this.pid(name);
    if (!pid || !this.alive(name)) throw new Error(`${name} is not running`);
    const at = Date.now();
    signal(pid, sig);
    return at;
  }

  async waitDead(name: string, timeoutMs = 15_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (this.alive(name)) {
      if (Date.now() > deadline) throw new Error(`${name} still runs ${timeoutMs} ms after it was signalled`);
      await sleep(20);
    }
    return Date.now();
  }

  restart(name: string, timeoutMs = 60_000) {
    return restartProcess(this.paths, name, timeoutMs);
  }

  /** Restarts whatever is not running, so each scenario starts from a whole cluster. */
  async heal(say: (line: string) => void): Promise<void> {
    const dead = this.processes().filter((p) => !this.alive(p.name));
    const apiserver = dead.find((p) => p.kind === 'apiserver');
    if (apiserver) {
      say(`restarting ${apiserver.name}`);
      await this.restart(apiserver.name);
    }
    await Promise.all(dead.filter((p) => p !== apiserver).map(async (p) => {
      say(`restarting ${p.name}`);
      await this.restart(p.name);
    }));
  }

  /** The process holding kube-system/<lease>, if it is one of ours. */
  async leaderOf(lease: string): Promise<string | undefined> {
    const spec = await readLease(this.url, lease);
    return processOfIdentity(this.record.identities, spec?.holderIdentity);
  }

  identityOf(name: string): string | undefined {
    return this.record.identities[name];
  }

  /** Waits until someone leads `lease`, and returns the process. */
  async waitForLeader(lease: string, timeoutMs = 30_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const leader = await this.leaderOf(lease);
      if (leader && this.alive(leader)) return leader;
      if (Date.now() > deadline) throw new Error(`nobody of this cluster holds the ${lease} lease after ${timeoutMs} ms`);
      await sleep(100);
    }
  }

  /** Stops a cluster this handle started (SIGINT to its `up`, as Ctrl-C) and removes its directory unless `keep`. */
  async close(keep = false): Promise<void> {
    await this.client.close();
    if (!this.own) return;
    signal(this.own.child.pid!, 'SIGINT');
    const code = await this.own.exited;
    if (code !== 0) console.error(`the cluster's up process exited with ${code}`);
    if (keep) console.log(`kept the cluster's directory (logs, data): ${this.own.tmp}`);
    else rmSync(this.own.tmp, { recursive: true, force: true });
  }
}

/** The cluster already running in `dataDir`. */
export async function attach(dataDir: string): Promise<ClusterHandle> {
  const paths = clusterPaths(dataDir);
  const record = readRecord(paths);
  if (!record) throw new Error(`no cluster in ${dataDir}: start one with \`npm start -- --fast\`, or pass --start`);
  if (!(await apiServerReady(record.apiServerURL))) throw new Error(`the cluster's API server (${record.apiServerURL}) does not answer`);
  return new ClusterHandle(paths);
}

export interface StartOptions {
  portBase: number;
  /** Echo the cluster's own output. */
  verbose?: boolean;
}

/**
 * Starts `scripts/cluster.ts up --fast` in a temporary directory, on its own ports, node addresses,
 * pod and Service ranges (so it never meets a developer's cluster), and waits until it is ready.
 */
export async function startCluster(options: StartOptions): Promise<ClusterHandle> {
  const tmp = mkdtempSync(join(tmpdir(), 'k8ts-e2e-'));
  const args = [
    '--import', 'tsx', 'scripts/cluster.ts', 'up', '--fast', '--data-dir', tmp, '--port-base', String(options.portBase),
    '--node-ip', '127.1.90.1', '--cluster-cidr', '127.150.0.0/16', '--service-cluster-ip-range', '127.151.0.0/16',
  ];
  const child = spawn(process.execPath, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number>((resolve) => child.once('exit', (code, sig) => resolve(code ?? (sig ? 128 : 1))));
  // However this process ends, the cluster it started must not outlive it: `up` stops it on SIGINT.
  process.once('exit', () => {
    if (child.exitCode === null) child.kill('SIGINT');
  });
  const output: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (l) => output.push(l));
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      output.push(line);
      if (options.verbose) console.log(`  | ${line}`);
      if (line.startsWith('cluster ready in')) resolve();
    });
    void exited.then((code) => reject(new Error(`the cluster did not start (exit ${code}):\n${output.join('\n')}`)));
  });
  return new ClusterHandle(clusterPaths(tmp), { child, exited, tmp });
}
