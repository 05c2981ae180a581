// The sub-commands run from another terminal against a running cluster: status, kill, restart, down.
// They work from the files `up` wrote (cluster.json, pid files), so they need no channel to `up`.
import { constants } from 'node:os';
import type { ProcessSpec } from './layout.ts';
import { LEADER_LEASES, processOfIdentity, readLease, type LeaseView } from './leases.ts';
import type { CommandLine } from './options.ts';
import { isAlive, signal, startProcess, stopProcesses } from './processes.ts';
import { etcdLeaderName } from './etcd.ts';
import { firstReadyApiServer, getJSON, NotReadyError, waitReady } from './readiness.ts';
import {
  apiServerURLsOf, clusterPaths, findProcess, readPid, readRecord, readUpPid, recordIdentity, type ClusterPaths, type ClusterRecord,
} from './state.ts';
import { seconds, stopCluster } from './up.ts';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** `KILL`, `SIGKILL` or `9` → 'SIGKILL'. */
export function signalNamed(text: string): NodeJS.Signals {
  const byNumber = Object.entries(constants.signals).find(([, n]) => String(n) === text)?.[0];
  const name = byNumber ?? (text.toUpperCase().startsWith('SIG') ? text.toUpperCase() : `SIG${text.toUpperCase()}`);
  if (!(name in constants.signals)) throw new Error(`--signal: unknown signal "${text}"`);
  return name as NodeJS.Signals;
}

export function recordOf(paths: ClusterPaths): ClusterRecord {
  const record = readRecord(paths);
  if (!record) throw new Error(`no cluster in ${paths.root} (start one with \`npm start\`)`);
  return record;
}

interface NodeList {
  items: { metadata: { name: string }; spec?: { podCIDR?: string; taints?: { key: string; effect: string }[] }; status?: { conditions?: { type: string; status: string }[] } }[];
}

export async function status(cmd: CommandLine): Promise<number> {
  const paths = clusterPaths(cmd.dataDir);
  const record = recordOf(paths);
  const upPid = readUpPid(paths);
  // Any API server that answers will do (with --ha, the first may be the one killed).
  const api = await firstReadyApiServer(apiServerURLsOf(record));
  const apiUp = api !== undefined;
  const leases = new Map<string, LeaseView | undefined>();
  if (api) for (const { lease } of LEADER_LEASES) leases.set(lease, await readLease(api, lease));
  const identities = readRecord(paths)?.identities ?? {};
  const members = record.processes.filter((p) => p.kind === 'etcd');
  const etcdLeader = members.length ? await etcdLeaderName(members.filter((m) => isAlive(readPid(paths, m.name), m.main)).map((m) => m.url)) : undefined;
  const roleOf = (p: ProcessSpec, alive: boolean) => {
    if (p.kind === 'etcd') return !alive ? '' : etcdLeader === undefined ? '?' : etcdLeader === p.name ? 'leader' : 'follower';
    const lease = LEADER_LEASES.find((l) => l.kind === p.kind)?.lease;
    if (!lease || !alive) return '';
    if (!apiUp) return '?';
    return leases.get(lease)?.holderIdentity === identities[p.name] ? 'leader' : 'standby';
  };
  const width = Math.max(...record.processes.map((p) => p.name.length)) + 2;
  console.log(`cluster in ${paths.root}; supervised by up: ${upPid && isAlive(upPid) ? `pid ${upPid}` : 'not running'}`);
  console.log(`${'NAME'.padEnd(width)}${'PID'.padEnd(9)}${'ALIVE'.padEnd(7)}${'ROLE'.padEnd(9)}URL`);
  for (const p of record.processes) {
    const pid = readPid(paths, p.name);
    const alive = isAlive(pid, p.main);
    console.log(`${p.name.padEnd(width)}${String(pid ?? '-').padEnd(9)}${(alive ? 'yes' : 'no').padEnd(7)}${roleOf(p, alive).padEnd(9)}${p.url}`);
  }
  if (members.length && etcdLeader === undefined) console.log('\nno etcd member knows a leader (no quorum?): the API servers cannot read or write');
  if (!api) {
    console.log(`\n${apiServerURLsOf(record).length > 1 ? 'no API server' : `the API server (${record.apiServerURL})`} answers: Lease holders and nodes unknown`);
    return 0;
  }
  console.log(`\n${'LEASE (kube-system)'.padEnd(width + 16)}HOLDER`);
  for (const { lease } of LEADER_LEASES) {
    const spec = leases.get(lease);
    const holder = spec?.holderIdentity;
    const name = processOfIdentity(identities, holder);
    const age = spec?.renewTime ? `, renewed ${seconds(Date.now() - Date.parse(spec.renewTime))} ago` : '';
    const text = !spec ? '(no lease)' : !holder ? '(released: nobody holds it)' : `${name ?? '(not a process of this cluster)'}  ${holder}${age}, ${spec.leaseTransitions ?? 0} transitions`;
    console.log(`${lease.padEnd(width + 16)}${text}`);
  }
  const nodes = await getJSON<NodeList>(`${api}/api/v1/nodes`);
  console.log(`\n${'NODE'.padEnd(width)}${'READY'.padEnd(9)}${'POD CIDR'.padEnd(18)}TAINTS`);
  for (const n of nodes?.items ?? []) {
    const ready = n.status?.conditions?.find((c) => c.type === 'Ready')?.status ?? '-';
    const taints = (n.spec?.taints ?? []).map((t) => `${t.key}:${t.effect}`).join(',') || '-';
    console.log(`${n.metadata.name.padEnd(width)}${ready.padEnd(9)}${(n.spec?.podCIDR ?? '-').padEnd(18)}${taints}`);
  }
  return 0;
}

export function kill(cmd: CommandLine): number {
  const paths = clusterPaths(cmd.dataDir);
  const spec = findProcess(recordOf(paths), cmd.target!);
  const pid = readPid(paths, spec.name);
  if (!isAlive(pid, spec.main)) throw new Error(`${spec.name} is not running`);
  const sig = signalNamed(cmd.flags.signal);
  signal(pid!, sig);
  console.log(`sent ${sig} to ${spec.name} (pid ${pid})`);
  return 0;
}

export interface Restarted {
  pid: number;
  /** From spawning to ready. */
  readyMs: number;
  detail: string;
}

/**
 * Starts the process `name` again with the arguments `up` recorded (stopping it first if it runs),
 * detached, and waits until it is ready. Throws NotReadyError if it exits or times out first.
 */
export async function restartProcess(paths: ClusterPaths, name: string, timeoutMs: number, say: (line: string) => void = () => {}): Promise<Restarted> {
  const record = recordOf(paths);
  const spec = findProcess(record, name);
  const pid = readPid(paths, spec.name);
  if (isAlive(pid, spec.main)) {
    say(`stopping ${spec.name} (pid ${pid})`);
    await stopProcesses([{ name: spec.name, pid: pid!, main: spec.main }], 10_000);
  }
  const t0 = Date.now();
  const started = startProcess(spec, paths, record.env);
  started.child.unref();
  say(`started ${spec.name} (pid ${started.pid}); waiting until it is ready`);
  const ready = await waitReady(spec, started.pid, paths, started.logOffset, apiServerURLsOf(record), t0 + timeoutMs);
  if (ready.identity) recordIdentity(paths, spec.name, ready.identity);
  return { pid: started.pid, readyMs: Date.now() - t0, detail: ready.detail };
}

export async function restart(cmd: CommandLine): Promise<number> {
  try {
    const r = await restartProcess(clusterPaths(cmd.dataDir), cmd.target!, cmd.flags.timeout, (line) => console.log(line));
    console.log(`✓ ${cmd.target} pid ${r.pid} ${r.detail}  ${seconds(r.readyMs)}`);
    return 0;
  } catch (err) {
    if (!(err instanceof NotReadyError)) throw err;
    console.error(err.message);
    return 1;
  }
}

export async function down(cmd: CommandLine): Promise<number> {
  const paths = clusterPaths(cmd.dataDir);
  recordOf(paths);
  const upPid = readUpPid(paths);
  if (upPid && isAlive(upPid)) {
    // `up` stops everything in order and then exits; wait for it, so `down` returns on a stopped cluster.
    console.log(`asking up (pid ${upPid}) to stop the cluster`);
    signal(upPid, 'SIGTERM');
    const deadline = Date.now() + 30_000;
    while (isAlive(upPid) && Date.now() < deadline) await sleep(100);
  }
  await stopCluster(paths, (line) => console.log(line));
  console.log('the cluster is stopped');
  return 0;
}
