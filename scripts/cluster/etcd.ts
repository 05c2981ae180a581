// What k8ts knows about running etcd: the `etcd` command line of one member of a loopback cluster,
// whether the binary is there, and asking members who leads (the maintenance Status API through the
// etcd3 client). The local HA cluster (layout.ts) and the tests' etcd clusters (test/helpers/etcd.ts)
// both start their members from here.
import { spawnSync } from 'node:child_process';
import { Etcd3 } from 'etcd3';

export const ETCD_INSTALL_HINT = 'etcd is not on PATH: install etcd-server (Debian: `apt-get install -y etcd-server`; .ci/run does this)';

let probed: string | undefined | null = null;

/** Undefined when `etcd` can be run; otherwise why not (ETCD_INSTALL_HINT). */
export function etcdMissingReason(): string | undefined {
  if (probed === null) {
    const r = spawnSync('etcd', ['--version'], { encoding: 'utf8' });
    probed = r.status === 0 ? undefined : ETCD_INSTALL_HINT;
  }
  return probed;
}

export interface EtcdMemberSpec {
  name: string;
  dataDir: string;
  clientUrl: string;
  peerUrl: string;
}

/**
 * The arguments of one member of a cluster of `members`. On a data directory that already holds a
 * member, etcd ignores the --initial-* flags and rejoins its cluster: the same command line starts a
 * member the first time and again after a kill.
 */
export function etcdArgs(member: EtcdMemberSpec, members: EtcdMemberSpec[], token: string, logLevel = 'warn'): string[] {
  return [
    '--name', member.name,
    '--data-dir', member.dataDir,
    '--listen-client-urls', member.clientUrl,
    '--advertise-client-urls', member.clientUrl,
    '--listen-peer-urls', member.peerUrl,
    '--initial-advertise-peer-urls', member.peerUrl,
    '--initial-cluster', members.map((m) => `${m.name}=${m.peerUrl}`).join(','),
    '--initial-cluster-state', 'new',
    '--initial-cluster-token', token,
    // Loopback is fast: shorter timers make a leader election take a fraction of a second.
    '--heartbeat-interval', '50',
    '--election-timeout', '500',
    '--logger', 'zap',
    '--log-level', logLevel,
  ];
}

export interface EtcdMemberStatus {
  /** The leader's member id (decimal, as etcd3 returns uint64s); '0' while there is none. */
  leader: string;
  memberId: string;
}

export async function etcdMemberStatus(clientUrl: string, timeoutMs = 1000): Promise<EtcdMemberStatus> {
  const client = new Etcd3({ hosts: clientUrl, dialTimeout: timeoutMs });
  try {
    const s = await client.maintenance.status({ deadline: Date.now() + timeoutMs });
    return { leader: s.leader, memberId: s.header.member_id };
  } finally {
    client.close();
  }
}

/** Member id → member name, as one member sees the cluster. */
export async function etcdMemberNames(clientUrl: string, timeoutMs = 1000): Promise<Map<string, string>> {
  const client = new Etcd3({ hosts: clientUrl, dialTimeout: timeoutMs });
  try {
    const list = await client.cluster.memberList({}, { deadline: Date.now() + timeoutMs });
    return new Map(list.members.map((m) => [m.ID, m.name]));
  } finally {
    client.close();
  }
}

/** The name of the member the cluster follows, asked of the members at `clientUrls` in turn; undefined if none knows one. */
export async function etcdLeaderName(clientUrls: string[]): Promise<string | undefined> {
  for (const url of clientUrls) {
    const status = await etcdMemberStatus(url).catch(() => undefined);
    if (!status || status.leader === '0') continue;
    const name = await etcdMemberNames(url).then((ids) => ids.get(status.leader)).catch(() => undefined);
    if (name) return name;
  }
  return undefined;
}

/** Whether the member at `clientUrl` answers and knows a leader (it has joined a cluster with quorum). */
export async function etcdMemberReady(clientUrl: string): Promise<boolean> {
  const status = await etcdMemberStatus(clientUrl).catch(() => undefined);
  return !!status && status.leader !== '0';
}
