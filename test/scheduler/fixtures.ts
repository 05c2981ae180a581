// Shared by the scheduler tests: a real API server process, typed clients, Node and Pod objects with
// the fields the scheduler reads, an in-process scheduler over real HTTP, and waits on watches.
import type { Event, Node, Pod, PodInput } from '../../shared/api/core.ts';
import { resources } from '../../shared/api/registry.ts';
import { ApiClient } from '../../shared/client/api-client.ts';
import { ResourceClient } from '../../shared/client/resource-client.ts';
import { InformerFactory } from '../../shared/informer/factory.ts';
import { createLogger } from '../../shared/log.ts';
import { Scheduler, type SchedulerOptions } from '../../scheduler/scheduler.ts';
import { startApiServer, type ApiServerProcess } from '../helpers/apiserver.ts';
import { openWatch } from '../helpers/http.ts';

export interface NodeSpecInput {
  cpu?: string;
  memory?: string;
  pods?: string;
  labels?: Record<string, string>;
  taints?: { key: string; value?: string; effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute' }[];
  unschedulable?: boolean;
  /** Ready condition status; undefined leaves the condition out. */
  ready?: 'True' | 'False' | 'Unknown' | undefined;
}

export function nodeObject(name: string, o: NodeSpecInput = {}): Node {
  const allocatable = { cpu: o.cpu ?? '4', memory: o.memory ?? '16Gi', pods: o.pods ?? '110' };
  const ready = 'ready' in o ? o.ready : 'True';
  return {
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...o.labels } },
    spec: { taints: o.taints, unschedulable: o.unschedulable },
    status: {
      capacity: allocatable,
      allocatable,
      conditions: ready ? [{ type: 'Ready', status: ready, reason: 'KubeletReady', message: 'kubelet is posting ready status' }] : [],
    },
  } as unknown as Node;
}

export interface PodSpecInput {
  cpu?: string;
  memory?: string;
  owner?: string;
  spec?: Partial<PodInput['spec']>;
  containerPorts?: { containerPort: number; hostPort?: number; protocol?: 'TCP' | 'UDP' | 'SCTP'; hostIP?: string }[];
}

export function podObject(name: string, o: PodSpecInput = {}): Pod {
  const requests: Record<string, string> = {};
  if (o.cpu) requests.cpu = o.cpu;
  if (o.memory) requests.memory = o.memory;
  return {
    metadata: {
      name,
      labels: { app: o.owner ?? name },
      ownerReferences: o.owner ? [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: o.owner, uid: `uid-${o.owner}`, controller: true }] : undefined,
    },
    spec: { containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.10', resources: { requests }, ports: o.containerPorts }], ...o.spec },
  } as unknown as Pod;
}

export interface TestCluster {
  server: ApiServerProcess;
  client: ApiClient;
  nodes: ResourceClient<Node>;
  pods: ResourceClient<Pod>;
  events: ResourceClient<Event>;
  cleanup(): Promise<void>;
}

export async function startCluster(): Promise<TestCluster> {
  const server = await startApiServer();
  const client = new ApiClient({ servers: [server.url], userAgent: 'scheduler-test' });
  return {
    server,
    client,
    nodes: new ResourceClient<Node>(client, resources.nodes),
    pods: new ResourceClient<Pod>(client, resources.pods),
    events: new ResourceClient<Event>(client, resources.events),
    async cleanup() {
      await client.close();
      await server.cleanup();
    },
  };
}

export interface RunningScheduler {
  scheduler: Scheduler;
  stop(): Promise<void>;
}

/** Runs a scheduler in this process, over its own client and informers, against the cluster. */
export function runScheduler(cluster: TestCluster, options: Partial<SchedulerOptions> = {}, client = new ApiClient({ servers: [cluster.server.url], userAgent: 'kube-scheduler-test' })): RunningScheduler {
  const logger = createLogger('kube-scheduler', process.env.LOG_LEVEL ?? 'error');
  const informers = new InformerFactory(client, { logger });
  const scheduler = new Scheduler({ client, informers, logger }, options);
  const controller = new AbortController();
  const done = scheduler.run(controller.signal);
  return {
    scheduler,
    async stop() {
      controller.abort();
      await done;
      informers.stop();
      await scheduler.recorder.flush();
      await client.close();
    },
  };
}

/** Deletes every node and pod, so the next scenario starts from an empty cluster. */
export async function resetCluster(cluster: TestCluster): Promise<void> {
  const [nodes, pods] = await Promise.all([cluster.nodes.list(), cluster.pods.list()]);
  await Promise.all([
    ...nodes.items.map((n) => cluster.nodes.delete('', n.metadata.name!)),
    ...pods.items.map((p) => cluster.pods.delete(p.metadata.namespace!, p.metadata.name!, { gracePeriodSeconds: 0 })),
  ]);
}

/** Waits (on a watch) until the named pod satisfies `predicate`, and returns it. */
export async function waitForPod(cluster: TestCluster, namespace: string, name: string, predicate: (pod: Pod) => boolean, timeoutMs = 10_000): Promise<Pod> {
  const watch = await openWatch(cluster.server.url, `/api/v1/namespaces/${namespace}/pods?watch=1&fieldSelector=${encodeURIComponent(`metadata.name=${name}`)}`);
  try {
    const events = await watch.until((evs) => evs.some((e) => e.type !== 'DELETED' && predicate(e.object as Pod)), timeoutMs);
    return [...events].reverse().find((e) => predicate(e.object as Pod))!.object as Pod;
  } finally {
    watch.close();
  }
}

export const isBound = (pod: Pod) => !!pod.spec.nodeName;

/** Waits until every pod in the namespace (at least `count`) is bound; returns them. */
export async function waitForAllBound(cluster: TestCluster, namespace: string, count: number, timeoutMs = 30_000): Promise<Pod[]> {
  const watch = await openWatch(cluster.server.url, `/api/v1/namespaces/${namespace}/pods?watch=1`);
  const latest = new Map<string, Pod>();
  try {
    await watch.until((evs) => {
      for (const e of evs.splice(0)) {
        const pod = e.object as Pod;
        if (e.type === 'DELETED') latest.delete(pod.metadata.name!);
        else latest.set(pod.metadata.name!, pod);
      }
      return latest.size >= count && [...latest.values()].every(isBound);
    }, timeoutMs);
    return [...latest.values()];
  } finally {
    watch.close();
  }
}

/** Events about a pod, from the server. */
export async function eventsFor(cluster: TestCluster, namespace: string, podName: string): Promise<Event[]> {
  const list = await cluster.events.list(namespace, { fieldSelector: `involvedObject.name=${podName}` });
  return list.items;
}

/** Polls an in-process condition (the scheduler's own state, which no watch shows). */
export async function eventually(check: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
