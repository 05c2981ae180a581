// A real API server plus the ReplicaSet/Deployment controllers running in the test process, and a
// stand-in for the scheduler and kubelets: it binds new pods to a node, marks bound pods Running and
// Ready through pods/status, and finishes the graceful deletion of terminating pods, as a kubelet would.
import { ApiClient } from '../../shared/client/api-client.ts';
import { ResourceClient } from '../../shared/client/resource-client.ts';
import { resources } from '../../shared/api/registry.ts';
import type { Deployment, ReplicaSet } from '../../shared/api/apps.ts';
import type { Pod } from '../../shared/api/pod.ts';
import type { Event } from '../../shared/api/event.ts';
import { runWorkers } from '../../shared/controller.ts';
import { EventRecorder } from '../../shared/events.ts';
import { InformerFactory } from '../../shared/informer/factory.ts';
import { splitKey, keyOf } from '../../shared/informer/indexer.ts';
import type { SharedInformer } from '../../shared/informer/informer.ts';
import { createLogger } from '../../shared/log.ts';
import { WorkQueue } from '../../shared/workqueue.ts';
import type { Controller, ControllerContext } from '../../controller-manager/controller-context.ts';
import { controllers as registry } from '../../controller-manager/controllers/index.ts';
import { startApiServer, type ApiServerProcess } from '../helpers/apiserver.ts';

const nowTimestamp = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

export interface KubeletOptions {
  /** Bind unscheduled pods to a node (default true). */
  bind?: boolean;
  /** Mark bound pods Running and Ready at once (default true); otherwise call markReady. */
  ready?: boolean;
  nodes?: string[];
}

/** Plays scheduler and kubelet for the pods of the test cluster. */
export class FakeKubelet {
  readonly queue = new WorkQueue<string>();
  readonly name = 'fake-kubelet';
  private next = 0;
  readonly options: Required<KubeletOptions>;

  constructor(readonly informer: SharedInformer<Pod>, private readonly pods: ResourceClient<Pod>, options: KubeletOptions = {}) {
    this.options = { bind: true, ready: true, nodes: ['node-a', 'node-b'], ...options };
    informer.addEventHandler({
      onAdd: (p) => this.queue.add(keyOf(p)),
      onUpdate: (_o, p) => this.queue.add(keyOf(p)),
    });
  }

  async reconcile(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const pod = this.informer.get(namespace, name);
    if (!pod) return;
    if (pod.metadata?.deletionTimestamp) {
      await this.pods.delete(namespace, name, { gracePeriodSeconds: 0 }).catch((e) => { if ((e as { code?: number }).code !== 404) throw e; });
      return;
    }
    if (!pod.spec?.nodeName) {
      if (!this.options.bind) return;
      const node = this.options.nodes[this.next++ % this.options.nodes.length];
      await this.pods.createSubresource(namespace, name, 'binding', { apiVersion: 'v1', kind: 'Binding', metadata: { name, namespace }, target: { kind: 'Node', name: node } });
      return;
    }
    if (this.options.ready && pod.status?.phase !== 'Running') await this.markReady(namespace, name);
  }

  /** Running with Ready=True (and the conditions a kubelet sets with it). */
  async markReady(namespace: string, name: string): Promise<Pod> {
    const ts = nowTimestamp();
    const conditions = ['PodScheduled', 'Initialized', 'ContainersReady', 'Ready'].map((type) => ({ type, status: 'True', lastProbeTime: null, lastTransitionTime: ts }));
    return this.pods.patch(namespace, name, { status: { phase: 'Running', startTime: ts, conditions } }, 'strategic', 'status');
  }

  async markNotReady(namespace: string, name: string): Promise<Pod> {
    const ts = nowTimestamp();
    const conditions = [{ type: 'Ready', status: 'False', lastProbeTime: null, lastTransitionTime: ts }, { type: 'ContainersReady', status: 'False', lastProbeTime: null, lastTransitionTime: ts }];
    return this.pods.patch(namespace, name, { status: { conditions } }, 'strategic', 'status');
  }
}

export interface Cluster {
  server: ApiServerProcess;
  client: ApiClient;
  context: ControllerContext;
  informers: InformerFactory;
  controllers: Record<string, Controller>;
  kubelet: FakeKubelet;
  /** The test's own view of pods (separate from the controllers' caches). */
  podWatch: SharedInformer<Pod>;
  pods: ResourceClient<Pod>;
  replicaSets: ResourceClient<ReplicaSet>;
  deployments: ResourceClient<Deployment>;
  events: ResourceClient<Event>;
  stop(): Promise<void>;
}

export interface ClusterOptions {
  controllers: string[];
  kubelet?: KubeletOptions;
  /** Start the controllers (default true); false leaves starting them to the test via startControllers. */
  start?: boolean;
}

export async function startCluster(options: ClusterOptions): Promise<Cluster & { startControllers(): Promise<void> }> {
  const server = await startApiServer();
  const client = new ApiClient({ servers: [server.url], userAgent: 'controller-test' });
  const logger = createLogger('controller-test', process.env.LOG_LEVEL ?? 'warn');
  const informers = new InformerFactory(client, { logger });
  const context: ControllerContext = {
    client, informers, logger,
    recorder: new EventRecorder(client, 'controller-manager', 'test-host', logger),
    settings: { clusterCIDR: '127.64.0.0/10', nodeCIDRMaskSize: 24, nodeMonitorGracePeriodMs: 40_000, nodeMonitorPeriodMs: 5_000, workers: 5 },
  };
  const controllers: Record<string, Controller> = {};
  for (const name of options.controllers) {
    const factory = registry[name];
    if (!factory) throw new Error(`no controller named ${name} in controller-manager/controllers/index.ts`);
    controllers[name] = factory(context);
  }
  const pods = new ResourceClient<Pod>(client, resources.pods);
  // The kubelet and the test watch pods through their own informers, as separate processes would.
  const sideInformers = new InformerFactory(client, { logger });
  const kubelet = new FakeKubelet(sideInformers.informerFor(resources.pods), pods, options.kubelet);
  const podWatch = sideInformers.informerFor(resources.pods);
  sideInformers.start();
  await sideInformers.waitForCacheSync();
  const running: Promise<void>[] = [running0(kubelet)];
  function running0(k: FakeKubelet) {
    return runWorkers({ name: k.name, queue: k.queue, reconcile: (key) => k.reconcile(key) }, { workers: 4, logger });
  }
  const abort = new AbortController();
  let started = false;
  const startControllers = async () => {
    if (started) return;
    started = true;
    informers.start();
    await informers.waitForCacheSync();
    for (const c of Object.values(controllers)) {
      running.push(runWorkers(c, { workers: context.settings.workers, logger }));
      c.start?.(abort.signal);
    }
  };
  if (options.start !== false) await startControllers();
  return {
    server, client, context, informers, controllers, kubelet, podWatch, pods,
    replicaSets: new ResourceClient<ReplicaSet>(client, resources.replicasets),
    deployments: new ResourceClient<Deployment>(client, resources.deployments),
    events: new ResourceClient<Event>(client, resources.events),
    startControllers,
    async stop() {
      abort.abort();
      for (const c of Object.values(controllers)) c.queue.shutDown();
      kubelet.queue.shutDown();
      await Promise.all(running);
      informers.stop();
      sideInformers.stop();
      await context.recorder.flush();
      await client.close();
      await server.cleanup();
    },
  };
}

/** Resolves when `check` holds, re-checking on every pod event and every 50 ms; rejects after timeoutMs. */
export async function until<T>(check: () => T | undefined | false | Promise<T | undefined | false>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Pods in the test's cache owned (controller=true) by the object with this uid. */
export const podsOwnedBy = (cluster: Cluster, uid: string | undefined, namespace = 'default') =>
  cluster.podWatch.list(namespace).filter((p) => p.metadata?.ownerReferences?.some((r) => r.controller && r.uid === uid));

export const isTerminating = (p: Pod) => !!p.metadata?.deletionTimestamp;
export const isReady = (p: Pod) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

/** A ReplicaSet (or Deployment) pod template with the given labels. */
export const podTemplate = (labels: Record<string, string>, image = 'nginx:1.27') => ({
  metadata: { labels },
  spec: { containers: [{ name: 'web', image }], terminationGracePeriodSeconds: 30 },
});

/** Events recorded for an object, as the API server has them. */
export async function eventsFor(cluster: Cluster, name: string, namespace = 'default'): Promise<Event[]> {
  const list = await cluster.events.list(namespace, { fieldSelector: `involvedObject.name=${name}` }).catch(async () => cluster.events.list(namespace));
  return list.items.filter((e) => e.involvedObject?.name === name);
}
