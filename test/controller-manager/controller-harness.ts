// What every controller test harness needs: a real API server process, controllers run in the test
// process from one ControllerContext (real HTTP, real informers), and the test's own informers to wait
// on what the API shows. The harnesses built on it add the parts nobody runs in these tests (a kubelet's
// or a scheduler's writes).
import type { Controller, ControllerContext, ControllerFactory, ControllerManagerSettings } from '../../controller-manager/controller-context.ts';
import type { ResourceType } from '../../shared/api/resource-type.ts';
import { ApiClient } from '../../shared/client/api-client.ts';
import { ResourceClient, type ObjectOf } from '../../shared/client/resource-client.ts';
import { runWorkers } from '../../shared/controller.ts';
import { EventRecorder } from '../../shared/events.ts';
import { InformerFactory } from '../../shared/informer/factory.ts';
import type { SharedInformer } from '../../shared/informer/informer.ts';
import { createLogger } from '../../shared/log.ts';
import type { ApiServerProcess } from '../helpers/apiserver.ts';

/** kube-controller-manager's settings with short node timings, for tests. */
export const FAST_SETTINGS: ControllerManagerSettings = {
  clusterCIDR: '127.64.0.0/10', nodeCIDRMaskSize: 24, nodeMonitorGracePeriodMs: 40_000, nodeMonitorPeriodMs: 5_000, workers: 2,
};

export interface RunningControllers {
  ctx: ControllerContext;
  controllers: Controller[];
  stop(): Promise<void>;
}

export interface RunControllersOptions {
  settings?: Partial<ControllerManagerSettings>;
  /** Builds the informer factory the controllers get (to hold some informers back, say). */
  informers?: (client: ApiClient) => InformerFactory;
}

export class ControllerTestCluster {
  readonly client: ApiClient;
  /** The test's own informers, to wait on what the API shows. */
  private readonly observers: InformerFactory;
  private readonly waiters = new Set<() => void>();
  private readonly watched = new Set<SharedInformer<any>>();
  /** Every uid the test's informers have seen, so that "gone" never means "not seen yet". */
  private readonly seen = new Set<string>();
  private readonly stops: (() => Promise<void> | void)[] = [];

  protected constructor(readonly server: ApiServerProcess, private readonly userAgent: string, private readonly defaultTimeoutMs: number) {
    this.client = new ApiClient({ servers: [server.url], userAgent });
    this.observers = new InformerFactory(this.client);
  }

  api<R extends ResourceType>(type: R): ResourceClient<ObjectOf<R>> {
    return new ResourceClient<ObjectOf<R>>(this.client, type);
  }

  /** Builds controllers from one fresh context, starts their informers, then their workers once the caches are in. */
  async runControllers(factories: ControllerFactory[], options: RunControllersOptions = {}): Promise<RunningControllers> {
    const client = new ApiClient({ servers: [this.server.url], userAgent: `${this.userAgent}-controllers` });
    const logger = createLogger('controller-test', process.env.LOG_LEVEL ?? 'warn');
    const informers = options.informers?.(client) ?? new InformerFactory(client, { logger });
    const ctx: ControllerContext = {
      client, informers, logger,
      recorder: new EventRecorder(client, 'kube-controller-manager', 'test', logger),
      settings: { ...FAST_SETTINGS, ...options.settings },
    };
    const controllers = factories.map((f) => f(ctx));
    informers.start();
    await informers.waitForCacheSync();
    const abort = new AbortController();
    const done = controllers.map((c) => runWorkers(c, { workers: ctx.settings.workers, logger }));
    for (const c of controllers) c.start?.(abort.signal);
    let stopped = false;
    const stop = async () => {
      if (stopped) return;
      stopped = true;
      abort.abort();
      for (const c of controllers) c.queue.shutDown();
      await Promise.all(done);
      informers.stop();
      await ctx.recorder.flush();
      await client.close();
    };
    this.onStop(stop);
    return { ctx, controllers, stop };
  }

  /** The test's own informer of a resource (started on first use); every event it sees re-runs pending until() checks. */
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
  async until<T>(what: string, check: () => T | undefined, timeoutMs = this.defaultTimeoutMs): Promise<T> {
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

  /** Runs `stop` when the harness stops (before the API server goes), last registered first. */
  protected onStop(stop: () => Promise<void> | void): void {
    this.stops.push(stop);
  }

  async stop(): Promise<void> {
    for (const stop of this.stops.reverse()) await stop();
    this.observers.stop();
    await this.client.close();
    await this.server.cleanup();
  }
}
