// The HA topology's etcd members as the e2e sees them: asked with etcdctl inside a member's container
// (their client ports are on the cluster network only, not published), as a person would
// `docker compose exec etcd-1 etcdctl endpoint status --cluster -w table`.
import { run, type ComposeCluster } from './compose-cluster.ts';

export const ETCD_MEMBERS = ['etcd-1', 'etcd-2', 'etcd-3'];

export interface MemberStatus {
  service: string;
  /** Member and leader ids as etcdctl prints them (uint64: kept as strings, JSON numbers would round them). */
  memberId: string;
  leaderId: string;
  revision: number;
  raftTerm: number;
}

interface RawStatus {
  Endpoint: string;
  Status: { header: { member_id: string; revision: number; raft_term: number }; leader: string };
}

/**
 * The status of each of `members` that answers, asked from the first running member's container. A
 * dead member is simply missing (etcdctl reports it on stderr and exits non-zero).
 */
export async function memberStatuses(cluster: ComposeCluster, members = ETCD_MEMBERS, timeoutMs = 2_000): Promise<MemberStatus[]> {
  const containers = await cluster.containers();
  const asker = members.map((s) => containers.get(s)).find((c) => c?.status === 'running');
  if (!asker) return [];
  const endpoints = ETCD_MEMBERS.map((_, i) => cluster.etcdURL(i + 1));
  const asked = endpoints.filter((_, i) => members.includes(ETCD_MEMBERS[i]));
  const { stdout } = await run('docker', ['exec', asker.id, 'etcdctl', `--endpoints=${asked.join(',')}`, `--command-timeout=${timeoutMs}ms`, 'endpoint', 'status', '-w', 'json'], { allowFailure: true, timeoutMs: timeoutMs + 5_000 });
  const json = stdout.trim().split('\n').find((l) => l.startsWith('['));
  if (!json) return [];
  const quoted = json.replace(/"(member_id|leader|cluster_id)":(\d+)/g, '"$1":"$2"');
  return (JSON.parse(quoted) as RawStatus[]).map((r) => ({
    service: ETCD_MEMBERS[endpoints.indexOf(r.Endpoint)] ?? r.Endpoint,
    memberId: r.Status.header.member_id,
    leaderId: r.Status.leader,
    revision: r.Status.header.revision,
    raftTerm: r.Status.header.raft_term,
  }));
}

/** The leading member's service, when the members asked that answer agree on one that answered too. */
export async function leaderOf(cluster: ComposeCluster, members = ETCD_MEMBERS): Promise<{ service: string; raftTerm: number } | undefined> {
  const statuses = await memberStatuses(cluster, members);
  const leader = statuses.find((s) => s.memberId === s.leaderId);
  if (!leader || statuses.some((s) => s.leaderId !== leader.memberId)) return undefined;
  return { service: leader.service, raftTerm: leader.raftTerm };
}
