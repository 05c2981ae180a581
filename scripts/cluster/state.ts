// The cluster's directory: data/ (the API server's store), etcd-N/ (--ha: the etcd members' data),
// logs/<name>.log, pids/<name>.pid, kubeconfig, and cluster.json (the layout `up` started, so
// `restart` from another terminal uses the same arguments). Every command reads the pid files afresh: whoever started a process, they are the truth.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClusterLayout, ProcessSpec } from './layout.ts';

export interface ClusterPaths {
  root: string;
  logs: string;
  pids: string;
  kubeconfig: string;
  clusterFile: string;
}

export function clusterPaths(root: string): ClusterPaths {
  return { root, logs: join(root, 'logs'), pids: join(root, 'pids'), kubeconfig: join(root, 'kubeconfig'), clusterFile: join(root, 'cluster.json') };
}

/** What `up` records about the cluster it runs. */
export interface ClusterRecord extends ClusterLayout {
  /** The supervising `up` process. */
  upPid: number;
  startedAt: string;
  /** Environment of every process (LOG_LEVEL). */
  env: Record<string, string>;
  /** The identity each control-plane process printed (hostname_uuid, the Lease holderIdentity). */
  identities: Record<string, string>;
}

/** Every API server of the cluster (records written before --ha existed name only one). */
export const apiServerURLsOf = (record: ClusterRecord): string[] => record.apiServerURLs ?? [record.apiServerURL];

export function ensureDirs(paths: ClusterPaths): void {
  for (const dir of [paths.root, paths.logs, paths.pids]) mkdirSync(dir, { recursive: true });
}

export const logPath = (paths: ClusterPaths, name: string) => join(paths.logs, `${name}.log`);
export const pidPath = (paths: ClusterPaths, name: string) => join(paths.pids, `${name}.pid`);
const UP = 'up';

export function readPid(paths: ClusterPaths, name: string): number | undefined {
  try {
    const pid = Number(readFileSync(pidPath(paths, name), 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

export function writePid(paths: ClusterPaths, name: string, pid: number): void {
  writeFileSync(pidPath(paths, name), `${pid}\n`);
}

export function removePid(paths: ClusterPaths, name: string): void {
  rmSync(pidPath(paths, name), { force: true });
}

export const readUpPid = (paths: ClusterPaths) => readPid(paths, UP);
export const writeUpPid = (paths: ClusterPaths, pid: number) => writePid(paths, UP, pid);
export const removeUpPid = (paths: ClusterPaths) => removePid(paths, UP);

export function readRecord(paths: ClusterPaths): ClusterRecord | undefined {
  try {
    return JSON.parse(readFileSync(paths.clusterFile, 'utf8')) as ClusterRecord;
  } catch {
    return undefined;
  }
}

export function writeRecord(paths: ClusterPaths, record: ClusterRecord): void {
  writeFileSync(paths.clusterFile, `${JSON.stringify(record, null, 2)}\n`);
}

/** Records a process's identity; read-modify-write, as `restart` and `up` may both record one. */
export function recordIdentity(paths: ClusterPaths, name: string, identity: string): void {
  const record = readRecord(paths);
  if (!record) return;
  record.identities = { ...record.identities, [name]: identity };
  writeRecord(paths, record);
}

export function findProcess(record: ClusterRecord, name: string): ProcessSpec {
  const spec = record.processes.find((p) => p.name === name);
  if (!spec) throw new Error(`no process "${name}" in this cluster; the processes are: ${record.processes.map((p) => p.name).join(', ')}`);
  return spec;
}

/** A kubeconfig for kubectl and for the components (the server of its current context). */
export function writeKubeconfig(paths: ClusterPaths, server: string): void {
  writeFileSync(paths.kubeconfig, `apiVersion: v1
kind: Config
clusters:
- name: k8ts
  cluster:
    server: ${server}
users:
- name: k8ts
  user: {}
contexts:
- name: k8ts
  context:
    cluster: k8ts
    user: k8ts
    namespace: default
current-context: k8ts
`);
}
