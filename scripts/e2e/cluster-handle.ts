// The e2e's grip on a local cluster: its record (processes, identities), an API client, and the
// actions a scenario takes on processes: kill one, restart one, find who leads. A cluster is either
// running already (`npm start -- --fast [--ha]`) or started here (--start [--ha]) in a temporary directory on ports
// and addresses of its own, and stopped again with SIGINT as a person would.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Lease } from '../../shared/api/coordination.ts';
import { ApiClient } from '../../shared/client/api-client.ts';
import { restartProcess, recordOf } from '../cluster/control.ts';
import type { ComponentKind, ProcessSpec } from '../cluster/layout.ts';
import { etcdLeaderName } from '../cluster/etcd.ts';
import { processOfIdentity } from '../cluster/leases.ts';
import { isAlive, repoRoot, signal } from '../cluster/processes.ts';
import { firstReadyApiServer } from '../cluster/readiness.ts';
import { apiServerURLsOf, clusterPaths, readPid, readRecord, type ClusterPaths, type ClusterRecord } from '../cluster/state.ts';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class ClusterHandle {
  readonly client: ApiClient;

  constructor(readonly paths: ClusterPaths, private readonly own?: { child: ChildProcess; exited: Promise<number>; tmp: string }) {
    // Every API server, in the cluster's order: with --ha the scenarios' own requests fail over too.
    this.client = new ApiClient({ servers: this.urls, userAgent: 'k8ts-e2e-failover' });
  }

  /** Read afresh: restarts record new identities. */
  get record(): ClusterRecord {
    return recordOf(this.paths);
  }

  get url(): string {
    return this.record.apiServerURL;
  }

  /** Every API server (three with --ha). */
  get urls(): string[] {
    return apiServerURLsOf(this.record);
  }

  /** Started with --ha: etcd members and several API servers. */
  get ha(): boolean {
    return this.processes('etcd').length > 0;
  }

  /** The etcd member that leads now, asked of the live members (undefined without --ha or without quorum). */
  async etcdLeader(): Promise<string | undefined> {
    const live = this.processes('etcd').filter((p) => this.alive(p.name));
    return live.length ? etcdLeaderName(live.map((p) => p.url)) : undefined;
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

  /** Restarts whatever is not running, so each scenario starts from a whole cluster: etcd, then the API servers, then the rest. */
  async heal(say: (line: string) => void): Promise<void> {
    const dead = this.processes().filter((p) => !this.alive(p.name));
    for (const phase of [(p: ProcessSpec) => p.kind === 'etcd', (p: ProcessSpec) => p.kind === 'apiserver', (p: ProcessSpec) => p.kind !== 'etcd' && p.kind !== 'apiserver']) {
      await Promise.all(dead.filter(phase).map(async (p) => {
        say(`restarting ${p.name}`);
        await this.restart(p.name);
      }));
    }
  }

  /** The process holding kube-system/<lease>, if it is one of ours (asked of any API server that answers). */
  async leaderOf(lease: string): Promise<string | undefined> {
    const spec = await this.client.request<Lease>('GET', `/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/${lease}`).then((l) => l.spec, () => undefined);
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
  if (!(await firstReadyApiServer(apiServerURLsOf(record)))) throw new Error(`no API server of the cluster (${apiServerURLsOf(record).join(', ')}) answers`);
  return new ClusterHandle(paths);
}

export interface StartOptions {
  portBase: number;
  /** `up --ha`: 3 etcd members and 3 API servers. */
  ha?: boolean;
  /** Echo the cluster's own output. */
  verbose?: boolean;
}

/**
 * Starts `scripts/cluster.ts up --fast` in a temporary directory, on its own ports, node addresses,
 * pod and Service ranges (so it never meets a developer's cluster), and waits until it is ready.
 */
export async function startCluster(options: StartOptions): Promise<ClusterHandle> {
  const tmp = mkdtempSync(join(tmpdir(), 'k8ts-e2e-'));
  // An HA cluster gets addresses of its own too, so both kinds can run at once (on different port bases).
  const net = options.ha
    ? ['--ha', '--node-ip', '127.1.91.1', '--cluster-cidr', '127.152.0.0/16', '--service-cluster-ip-range', '127.153.0.0/16']
    : ['--node-ip', '127.1.90.1', '--cluster-cidr', '127.150.0.0/16', '--service-cluster-ip-range', '127.151.0.0/16'];
  const args = ['--import', 'tsx', 'scripts/cluster.ts', 'up', '--fast', '--data-dir', tmp, '--port-base', String(options.portBase), ...net];
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
