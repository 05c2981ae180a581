// `npm start` (up): start every process of the cluster, show each as it becomes ready, then supervise
// until Ctrl-C. Supervising means reporting, never reviving: a process that dies stays dead (failover
// demos need that) until someone runs `npm start -- restart NAME`, which starts it detached on its
// own; `up` notices the new pid file and stops that process too on the way out.
import { resolve } from 'node:path';
import { etcdMissingReason } from './etcd.ts';
import { planCluster, type ComponentKind, type ProcessSpec } from './layout.ts';
import type { CommandLine } from './options.ts';
import { isAlive, startProcess, stopProcesses } from './processes.ts';
import { NotReadyError, waitReady, type Readiness } from './readiness.ts';
import {
  clusterPaths, ensureDirs, readPid, readRecord, readUpPid, recordIdentity, removePid, removeUpPid,
  writeKubeconfig, writeRecord, writeUpPid, type ClusterPaths,
} from './state.ts';

const STOP_GRACE_MS = 10_000;
const WATCH_MS = 500;

export const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;
const pad = (s: string, n: number) => s.padEnd(n);

/** The live processes of the cluster in `paths`, by their pid files. */
export function liveProcesses(paths: ClusterPaths): { name: string; pid: number; main: string }[] {
  const record = readRecord(paths);
  if (!record) return [];
  return record.processes.flatMap((p) => {
    const pid = readPid(paths, p.name);
    return pid && isAlive(pid, p.main) ? [{ name: p.name, pid, main: p.main }] : [];
  });
}

/** The order of stopping: what uses the API first, then the API servers, then the store under them. */
const STOP_PHASES: ((kind: ComponentKind) => boolean)[] = [(k) => k !== 'apiserver' && k !== 'etcd', (k) => k === 'apiserver', (k) => k === 'etcd'];

/**
 * Stops the processes of the cluster (by their current pid files): node components and control
 * plane first, the API servers after them, so replicas can still hand their Leases over on the way
 * out, and etcd (--ha) last.
 */
export async function stopCluster(paths: ClusterPaths, say: (line: string) => void, graceMs = STOP_GRACE_MS): Promise<void> {
  const record = readRecord(paths);
  if (!record) return;
  const targets = (filter: (p: ProcessSpec) => boolean) => record.processes.filter(filter).flatMap((p) => {
    const pid = readPid(paths, p.name);
    return pid ? [{ name: p.name, pid, main: p.main }] : [];
  });
  for (const inPhase of STOP_PHASES) {
    const phase = (p: ProcessSpec) => inPhase(p.kind);
    const list = targets(phase).filter((t) => isAlive(t.pid, t.main));
    if (list.length) say(`stopping ${list.map((t) => t.name).join(', ')}`);
    const killed = await stopProcesses(list, graceMs);
    if (killed.length) say(`killed (no exit within ${seconds(graceMs)}): ${killed.join(', ')}`);
    for (const p of record.processes.filter(phase)) removePid(paths, p.name);
  }
}

function usage(apiServerURLs: string[], paths: ClusterPaths, fastSettings: string[]): string {
  const dataFlag = paths.root === resolve('.cluster') ? '' : ` --data-dir ${paths.root}`;
  const [apiServerURL] = apiServerURLs;
  const ha = apiServerURLs.length > 1;
  return `
The cluster is ready. Logs: ${paths.logs}/<name>.log   pid files: ${paths.pids}/<name>.pid
${fastSettings.length ? `--fast is in force:\n${fastSettings.map((s) => `  ${s}`).join('\n')}\n` : ''}${ha ? `API servers: ${apiServerURLs.join(' ')} (the components fail over between them; the kubeconfig names the first)\n` : ''}
  curl ${apiServerURL}/api/v1/nodes
  export KUBECONFIG=${paths.kubeconfig}
  kubectl get nodes -o wide
  kubectl create deployment web --image=nginx --replicas=3 --port=80 && kubectl expose deployment web --port=80
  kubectl get pods -o wide -w

Break it (from another terminal):
${[
    ['status', 'processes, pids, Lease holders, nodes'],
    ['kill scheduler-1', 'SIGKILL (--signal TERM for a graceful stop)'],
    ...(ha ? [['kill etcd-2', 'an etcd member (status shows which one leads)'], ['kill apiserver-2', 'an API server: the others serve on']] : []),
    ['restart scheduler-1', 'start it again with the same arguments'],
    ['down', 'stop everything (or Ctrl-C here)'],
  ].map(([c, what]) => `  ${`npm start -- ${c}${dataFlag}`.padEnd(40 + dataFlag.length)}# ${what}`).join('\n')}
Dead processes stay dead until restarted. Ctrl-C stops the cluster; the data stays for the next start.
`;
}

export async function up(cmd: CommandLine): Promise<number> {
  const paths = clusterPaths(cmd.dataDir);
  ensureDirs(paths);
  const upPid = readUpPid(paths);
  const live = liveProcesses(paths);
  if ((upPid && upPid !== process.pid && isAlive(upPid)) || live.length) {
    console.error(`A cluster is already running in ${paths.root}: ${[...(upPid && isAlive(upPid) ? [`up (pid ${upPid})`] : []), ...live.map((p) => `${p.name} (pid ${p.pid})`)].join(', ')}.`);
    const dataFlag = cmd.flags['data-dir'] === '.cluster' ? '' : ` --data-dir ${cmd.flags['data-dir']}`;
    console.error(`See \`npm start -- status${dataFlag}\`, or stop it with \`npm start -- down${dataFlag}\`.`);
    return 1;
  }
  const layout = planCluster(cmd.flags, paths.root);
  if (layout.processes.some((p) => p.kind === 'etcd') && etcdMissingReason()) throw new Error(etcdMissingReason());
  for (const p of layout.processes) removePid(paths, p.name);
  // Whoever reads our output may go away (a closed pipe): the cluster must still be stopped properly.
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});
  const env = { LOG_LEVEL: cmd.flags['log-level'] };
  writeRecord(paths, { ...layout, upPid: process.pid, startedAt: new Date().toISOString(), env, identities: {} });
  writeUpPid(paths, process.pid);
  writeKubeconfig(paths, layout.apiServerURL);
  const say = (line: string) => console.log(line);

  const t0 = Date.now();
  const children = new Map<string, number>();
  let stopping: Promise<never> | undefined;
  const shutdown = (code: number, why: string): Promise<never> => {
    stopping ??= (async () => {
      say(`\n${why}: stopping the cluster`);
      await stopCluster(paths, say);
      removeUpPid(paths);
      say('stopped; the data stays in ' + paths.root);
      process.exit(code);
    })();
    return stopping;
  };
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    if (++signals > 1) {
      // Impatient: a second Ctrl-C kills what is left at once.
      say(`${sig} again: killing every process`);
      for (const p of layout.processes) {
        const pid = readPid(paths, p.name);
        if (pid && isAlive(pid, p.main)) process.kill(pid, 'SIGKILL');
      }
      return;
    }
    void shutdown(0, sig);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const etcdMembers = layout.processes.filter((p) => p.kind === 'etcd').length;
  const apiServers = layout.apiServerURLs.length;
  say(`Starting a k8ts cluster in ${paths.root}: ${etcdMembers ? `${etcdMembers} etcd members, ${apiServers} API servers` : 'API server'}, ${layout.processes.filter((p) => p.kind === 'scheduler').length} schedulers, `
    + `${layout.processes.filter((p) => p.kind === 'controller-manager').length} controller-managers, ${cmd.flags.nodes} nodes (kubelet + kube-proxy each)`);
  for (const s of layout.fastSettings) say(`  --fast: ${s}`);
  const deadline = Date.now() + cmd.flags.timeout;
  const width = Math.max(...layout.processes.map((p) => p.name.length)) + 2;
  const start = async (spec: ProcessSpec): Promise<Readiness> => {
    const started = startProcess(spec, paths, env);
    children.set(spec.name, started.pid);
    started.child.on('exit', (code, sig) => {
      if (stopping || readPid(paths, spec.name) !== started.pid) return;
      say(`✗ ${pad(spec.name, width)} pid ${started.pid} exited (${sig ?? `code ${code}`}); it stays down until \`npm start -- restart ${spec.name}\``);
    });
    const ready = await waitReady(spec, started.pid, paths, started.logOffset, layout.apiServerURLs, deadline);
    if (ready.identity) recordIdentity(paths, spec.name, ready.identity);
    say(`✓ ${pad(spec.name, width)} pid ${String(started.pid).padEnd(7)} ${ready.detail}  ${seconds(Date.now() - t0)}`);
    return ready;
  };
  try {
    // etcd members together (each waits for a quorum), then the API servers on them, then the rest.
    for (const phase of [(k: ComponentKind) => k === 'etcd', (k: ComponentKind) => k === 'apiserver', (k: ComponentKind) => k !== 'etcd' && k !== 'apiserver']) {
      await Promise.all(layout.processes.filter((p) => phase(p.kind)).map(start));
    }
  } catch (err) {
    if (stopping) return stopping;
    console.error(`\n${err instanceof NotReadyError ? err.message : (err as Error).stack}`);
    return shutdown(1, 'start-up failed');
  }
  say(usage(layout.apiServerURLs, paths, layout.fastSettings));
  say(`cluster ready in ${seconds(Date.now() - t0)}`);

  // Report deaths of processes someone else restarted, and restarts, as they happen.
  const seen = new Map(children);
  const alive = new Map(layout.processes.map((p) => [p.name, true]));
  setInterval(() => {
    if (stopping) return;
    for (const p of layout.processes) {
      const pid = readPid(paths, p.name);
      const now = isAlive(pid, p.main);
      if (pid && pid !== seen.get(p.name) && now) say(`↻ ${pad(p.name, width)} pid ${pid} started again`);
      else if (!now && alive.get(p.name) && pid !== children.get(p.name)) say(`✗ ${pad(p.name, width)} pid ${pid ?? '?'} is gone`);
      if (pid) seen.set(p.name, pid);
      alive.set(p.name, now);
    }
  }, WATCH_MS);
  return new Promise<number>(() => {}); // runs until a signal
}
