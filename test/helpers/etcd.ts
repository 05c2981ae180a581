// Starts a real etcd cluster for a test: N members on loopback, on free ports, with their data in a
// temp directory, torn down (and the directory removed) by stop(). Needs the `etcd` binary on PATH
// (Debian: `apt-get install -y etcd-server`; .ci/run installs it). Tests that need it call
// etcdSkipReason() and skip loudly when it is missing rather than fail or pass silently.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { etcdArgs, etcdLeaderName, etcdMemberReady, etcdMissingReason, type EtcdMemberSpec } from '../../scripts/cluster/etcd.ts';
import { startApiServer, type ApiServerProcess } from './apiserver.ts';

let warned = false;

/** Undefined when `etcd` can be run; otherwise why not (printed, so a skipped run says how to fix it). */
export function etcdSkipReason(): string | undefined {
  const reason = etcdMissingReason();
  if (reason && !warned) {
    warned = true;
    console.warn(`\n*** SKIPPING etcd tests: ${reason} ***\n`);
  }
  return reason;
}

export interface EtcdMember {
  name: string;
  clientUrl: string;
  peerUrl: string;
  dataDir: string;
  child: ChildProcess;
  /** Output lines so far, for diagnosing failures. */
  output: string[];
  alive(): boolean;
  /** SIGKILL and wait for exit. */
  kill(): Promise<void>;
  /**
   * SIGSTOP: the process keeps its sockets, so the kernel still accepts connections to it but
   * nothing ever answers; a stand-in for a member whose network drops packets (a stopped
   * container's address times out rather than refusing).
   */
  pause(): void;
  /** SIGCONT after pause(). */
  resume(): void;
}

export interface EtcdCluster {
  members: EtcdMember[];
  /** Every member's client URL, comma-separated, as --etcd-servers takes them. */
  endpoints: string;
  clientUrls: string[];
  /** The member the others follow (asked of each live member through the maintenance status API). */
  leader(): Promise<EtcdMember>;
  stop(): Promise<void>;
}

/** A port nobody listens on right now (the kernel picks it; a tiny race with other processes is accepted). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function startEtcdCluster(options: { members?: number } = {}): Promise<EtcdCluster> {
  const count = options.members ?? 3;
  const root = mkdtempSync(join(tmpdir(), 'k8ts-etcd-'));
  const specs: EtcdMemberSpec[] = [];
  for (let i = 1; i <= count; i++) {
    const [clientPort, peerPort] = [await freePort(), await freePort()];
    specs.push({ name: `m${i}`, dataDir: join(root, `m${i}`), clientUrl: `http://127.0.0.1:${clientPort}`, peerUrl: `http://127.0.0.1:${peerPort}` });
  }
  const token = `k8ts-${process.pid}-${Date.now()}`;

  const members = specs.map((s): EtcdMember => {
    const { clientUrl, peerUrl, dataDir } = s;
    const child = spawn('etcd', etcdArgs(s, specs, token), { stdio: ['ignore', 'pipe', 'pipe'] });
    const output: string[] = [];
    const keep = (chunk: Buffer) => {
      output.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      if (output.length > 500) output.splice(0, output.length - 500);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const alive = () => child.exitCode === null && child.signalCode === null;
    return {
      name: s.name, clientUrl, peerUrl, dataDir, child, output, alive,
      async kill() {
        if (alive()) child.kill('SIGKILL');
        await exited;
      },
      pause() {
        if (alive()) child.kill('SIGSTOP');
      },
      resume() {
        if (alive()) child.kill('SIGCONT');
      },
    };
  });

  const clientUrls = members.map((m) => m.clientUrl);
  const cluster: EtcdCluster = {
    members,
    clientUrls,
    endpoints: clientUrls.join(','),
    async leader() {
      for (let attempt = 0; attempt < 200; attempt++) {
        const name = await etcdLeaderName(members.filter((x) => x.alive()).map((x) => x.clientUrl));
        const found = members.find((x) => x.name === name && x.alive());
        if (found) return found;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error('no etcd leader found');
    },
    async stop() {
      await Promise.all(members.map((m) => m.kill()));
      rmSync(root, { recursive: true, force: true });
    },
  };

  try {
    await waitHealthy(cluster);
  } catch (err) {
    const logs = members.map((m) => `--- ${m.name}\n${m.output.slice(-20).join('\n')}`).join('\n');
    await cluster.stop();
    throw new Error(`etcd cluster did not come up: ${(err as Error).message}\n${logs}`);
  }
  return cluster;
}

/** Until every member answers a status request and one of them is leader. */
async function waitHealthy(cluster: EtcdCluster): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    for (const m of cluster.members) if (!m.alive()) throw new Error(`${m.name} exited with ${m.child.exitCode ?? m.child.signalCode}`);
    const ready = await Promise.all(cluster.clientUrls.map(etcdMemberReady));
    if (ready.every(Boolean)) return;
    if (Date.now() > deadline) throw new Error('timed out waiting for a leader');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** An API server process on the cluster (--storage-backend=etcd3), with its own (unused) data dir. */
export function startApiServerOnEtcd(cluster: EtcdCluster, args: string[] = []): Promise<ApiServerProcess> {
  return startApiServer({ args: ['--storage-backend', 'etcd3', '--etcd-servers', cluster.endpoints, ...args] });
}
