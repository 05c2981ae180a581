// When a process counts as up: an etcd member when it answers and knows a leader; the API server when
// /readyz answers ok; the others when they print their "k8ts-<name> serving on URL identity=..." line;
// a kubelet only once its Node is also Ready in the API (what `kubectl get nodes` shows).
import { openSync, readSync, closeSync, fstatSync } from 'node:fs';
import { etcdMemberReady } from './etcd.ts';
import type { ProcessSpec } from './layout.ts';
import { isAlive, logTail } from './processes.ts';
import { logPath, type ClusterPaths } from './state.ts';

const POLL_MS = 100;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class NotReadyError extends Error {}

export async function getJSON<T>(url: string, timeoutMs = 2000): Promise<T | undefined> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) return undefined;
    return (await res.json()) as T;
  } catch {
    return undefined;
  }
}

export async function apiServerReady(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2000) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}

interface NodeStatusView {
  status?: { conditions?: { type: string; status: string }[] };
}

/** The first of `urls` whose /readyz answers ok (with --ha, any of them may be the one that is down). */
export async function firstReadyApiServer(urls: string[]): Promise<string | undefined> {
  for (const url of urls) if (await apiServerReady(url)) return url;
  return undefined;
}

export async function nodeReady(apiServerURLs: string[], node: string): Promise<boolean> {
  const url = await firstReadyApiServer(apiServerURLs);
  const obj = url ? await getJSON<NodeStatusView>(`${url}/api/v1/nodes/${node}`) : undefined;
  return obj?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** Reads what a log file gained since `offset`, line by line. */
class LogFollower {
  private partial = '';
  constructor(private readonly path: string, private offset: number) {}

  newLines(): string[] {
    let fd: number;
    try {
      fd = openSync(this.path, 'r');
    } catch {
      return [];
    }
    try {
      const size = fstatSync(fd).size;
      if (size <= this.offset) return [];
      const buf = Buffer.alloc(size - this.offset);
      readSync(fd, buf, 0, buf.length, this.offset);
      this.offset = size;
      const lines = (this.partial + buf.toString('utf8')).split('\n');
      this.partial = lines.pop() ?? '';
      return lines;
    } finally {
      closeSync(fd);
    }
  }
}

export interface Readiness {
  /** What to show: where it serves and, for a kubelet, its node's state. */
  detail: string;
  /** The identity it printed (the Lease holderIdentity of a control-plane replica). */
  identity?: string;
}

const SERVING = /^k8ts-\S+ serving on (\S+) identity=(\S+)/;

/**
 * Resolves once the process `pid` of `spec` is ready; throws NotReadyError (with its log's tail) if
 * it exits first or `deadline` (epoch ms) passes.
 */
export async function waitReady(spec: ProcessSpec, pid: number, paths: ClusterPaths, logOffset: number, apiServerURLs: string[], deadline: number): Promise<Readiness> {
  const follower = new LogFollower(logPath(paths, spec.name), logOffset);
  let serving: { url: string; identity: string } | undefined;
  for (;;) {
    if (spec.kind === 'etcd') {
      if (await etcdMemberReady(spec.url)) return { detail: `${spec.url} (member with a leader)` };
    } else if (spec.kind === 'apiserver') {
      if (await apiServerReady(spec.url)) return { detail: `${spec.url} (/readyz ok)` };
    } else {
      for (const line of follower.newLines()) {
        const m = SERVING.exec(line);
        if (m) serving = { url: m[1], identity: m[2] };
      }
      if (serving && spec.kind !== 'kubelet') return { detail: serving.url, identity: serving.identity };
      if (serving && spec.kind === 'kubelet' && await nodeReady(apiServerURLs, spec.node!)) return { detail: `${serving.url} (node ${spec.node} Ready)`, identity: serving.identity };
    }
    if (!isAlive(pid)) throw new NotReadyError(`${spec.name} (pid ${pid}) exited before it was ready; the end of ${logPath(paths, spec.name)}:\n${logTail(paths, spec.name)}`);
    if (Date.now() > deadline) throw new NotReadyError(`${spec.name} (pid ${pid}) is not ready after the timeout${serving ? ` (serving on ${serving.url}, node ${spec.node} not Ready)` : ''}; the end of its log:\n${logTail(paths, spec.name)}`);
    await sleep(POLL_MS);
  }
}
