// A real API server plus controllers running in the test process (real HTTP, real informers), for
// the endpoints, EndpointSlice, garbage collector and namespace controller tests. The test plays the
// parts nobody runs here: the kubelet (pod IPs, readiness, finishing graceful deletion).
import { ApiClient } from '../../shared/client/api-client.ts';
import { ResourceClient, type ObjectOf } from '../../shared/client/resource-client.ts';
import { runWorkers } from '../../shared/controller.ts';
import { EventRecorder } from '../../shared/events.ts';
import { InformerFactory } from '../../shared/informer/factory.ts';
import type { SharedInformer } from '../../shared/informer/informer.ts';
import { createLogger } from '../../shared/log.ts';
import type { ResourceType } from '../../shared/api/resource-type.ts';
import { resources } from '../../shared/api/registry.ts';
import type { ContainerPort, Pod } from '../../shared/api/core.ts';
import type { Controller, ControllerContext, ControllerFactory } from '../../controller-manager/controller-context.ts';
import { startApiServer, type ApiServerProcess } from '../helpers/apiserver.ts';

export interface RunOptions {
  workers?: number;
  /** Builds the informer factory the controllers get (to hold some informers back, say). */
  informers?: (client: ApiClient) => InformerFactory;
}

export class TestCluster {
  readonly client: ApiClient;
  /** The test's own informers, to wait on what the API shows. */
  private readonly observers: InformerFactory;
  private readonly waiters = new Set<() => void>();
  private readonly watched = new Set<SharedInformer<any>>();
  /** Every uid the test's informers have seen, so that "gone" never means "not seen yet". */
  private readonly seen = new Set<string>();
  private readonly stops: (() => Promise<void> | void)[] = [];

  private constructor(readonly server: ApiServerProcess) {
    this.client = this.serverClient();
    this.observers = new InformerFactory(this.client);
  }

  static async start(): Promise<TestCluster> {
    return new TestCluster(await startApiServer());
  }

  private serverClient(): ApiClient {
    return new ApiClient({ servers: [this.server.url], userAgent: 'controller-test' });
  }

  api<R extends ResourceType>(type: R): ResourceClient<ObjectOf<R>> {
    return new ResourceClient<ObjectOf<R>>(this.client, type);
  }

  /** Builds controllers from one context, starts their informers and workers once the caches are in. */
  async run(factories: ControllerFactory[], options: RunOptions = {}): Promise<{ controllers: Controller[]; ctx: ControllerContext }> {
    const client = this.serverClient();
    const logger = createLogger('controller-test', process.env.LOG_LEVEL ?? 'warn');
    const informers = options.informers?.(client) ?? new InformerFactory(client, { logger });
    const ctx: ControllerContext = {
      client, informers, logger,
      recorder: new EventRecorder(client, 'kube-controller-manager', 'test', logger),
      settings: { clusterCIDR: '127.64.0.0/10', nodeCIDRMaskSize: 24, nodeMonitorGracePeriodMs: 40_000, nodeMonitorPeriodMs: 5_000, workers: options.workers ?? 2 },
    };
    const controllers = factories.map((f) => f(ctx));
    informers.start();
    await informers.waitForCacheSync();
    const abort = new AbortController();
    const done = controllers.map((c) => runWorkers(c, { workers: ctx.settings.workers, logger }));
    for (const c of controllers) c.start?.(abort.signal);
    this.stops.push(async () => {
      abort.abort();
      for (const c of controllers) c.queue.shutDown();
      await Promise.all(done);
      informers.stop();
      await ctx.recorder.flush();
      await client.close();
    });
    return { controllers, ctx };
  }

  /** The test's informer of a resource (started on first use). */
  async observe<R extends ResourceType>(type: R): Promise<SharedInformer<ObjectOf<R>>> {
    const informer = this.observers.informerFor(type);
    if (!this.watched.has(informer)) {
      this.watched.add(informer);
      const wake = () => this.waiters.forEach((w) => w());
      const saw = (obj: unknown) => {
        const uid = (obj as { metadata?: { uid?: string } }).metadata?.uid;
        if (uid) this.seen.add(uid);
        wake();
      };
      informer.addEventHandler({ onAdd: saw, onUpdate: (_old, obj) => saw(obj), onDelete: wake });
      this.observers.start();
    }
    await informer.waitForSync();
    return informer;
  }

  /**
   * Resolves with `check`'s value once it returns something other than undefined, re-checking on every
   * event the test's informers see (watch the resources the check reads first, with observe()).
   */
  async until<T>(what: string, check: () => T | undefined, timeoutMs = 15_000): Promise<T> {
    const first = check();
    if (first !== undefined) return first;
    return new Promise<T>((resolve, reject) => {
      const waiter = () => {
        let v: T | undefined;
        try { v = check(); } catch (err) { finish(); reject(err); return; }
        if (v !== undefined) { finish(); resolve(v); }
      };
      const timer = setTimeout(() => { finish(); reject(new Error(`timed out waiting for ${what}`)); }, timeoutMs);
      const finish = () => { clearTimeout(timer); this.waiters.delete(waiter); };
      this.waiters.add(waiter);
    });
  }

  /** Resolves once the informer has seen `obj` and then seen it go. */
  async deleted(informer: SharedInformer<any>, obj: { metadata?: { namespace?: string; name?: string; uid?: string } }, timeoutMs?: number): Promise<void> {
    const { namespace = '', name = '', uid = '' } = obj.metadata ?? {};
    await this.until(`${namespace}/${name} deleted`, () => (this.seen.has(uid) && informer.get(namespace, name)?.metadata?.uid !== uid ? true : undefined), timeoutMs);
  }

  async stop(): Promise<void> {
    for (const stop of this.stops.reverse()) await stop();
    this.observers.stop();
    await this.client.close();
    await this.server.cleanup();
  }

  // --- playing the kubelet ----------------------------------------------------------------------

  async createPod(namespace: string, name: string, labels: Record<string, string>, options: { ports?: Partial<ContainerPort>[]; nodeName?: string; ownerReferences?: unknown[] } = {}): Promise<Pod> {
    return this.api(resources.pods).create(namespace, {
      metadata: { name, labels, ownerReferences: options.ownerReferences },
      spec: { nodeName: options.nodeName, containers: [{ name: 'app', image: 'nginx', ports: options.ports }] },
    } as unknown as Pod);
  }

  /** What the kubelet reports: the pod runs at `ip`, Ready or not. */
  async setPodStatus(namespace: string, name: string, ip: string, ready: boolean): Promise<Pod> {
    const status = { phase: 'Running', podIP: ip, podIPs: [{ ip }], conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] };
    return this.api(resources.pods).patch(namespace, name, { status }, 'merge', 'status');
  }

  /** The kubelet's last word on a terminating pod: delete it for good. */
  async finishPodDeletion(namespace: string, name: string): Promise<void> {
    await this.api(resources.pods).delete(namespace, name, { gracePeriodSeconds: 0 });
  }
}
