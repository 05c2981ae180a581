// The scheduler: takes pending pods of its scheduler name from the queue one at a time, decides a node
// for each in a synchronous cycle over the cache, ASSUMES the pod there and binds it in the
// background (POST pods/<name>/binding, at most `bindConcurrency` at once), so a burst of pods is
// decided without waiting for binds. A pod that fits nowhere gets PodScheduled=False with kube's
// message and a FailedScheduling event, and waits in the queue for a change that may help.
import { hostname } from 'node:os';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { resources } from '../shared/api/registry.ts';
import type { Pod } from '../shared/api/core.ts';
import type { ApiClient } from '../shared/client/api-client.ts';
import { ResourceClient } from '../shared/client/resource-client.ts';
import { StatusError } from '../shared/errors.ts';
import { EventRecorder } from '../shared/events.ts';
import type { InformerFactory } from '../shared/informer/factory.ts';
import type { SharedInformer } from '../shared/informer/informer.ts';
import type { Logger } from '../shared/log.ts';
import { SchedulingAlgorithm } from './algorithm.ts';
import { SchedulerCache } from './cache.ts';
import { runFilters, prepareFilters, type FilterPlugin, type ScorePlugin } from './framework.ts';
import { nodeEventHandler, podEventHandler } from './event-handlers.ts';
import { defaultFilters, defaultScores } from './plugins/index.ts';
import { podInfoOf } from './pod-info.ts';
import { podScheduledFalsePatch, truncateMessage } from './pod-status.ts';
import { Limiter } from './limiter.ts';
import { SchedulingQueue, type QueuedPodInfo } from './queue.ts';

export interface SchedulerOptions {
  schedulerName: string;
  /** 0: kube's adaptive default. */
  percentageOfNodesToScore: number;
  podInitialBackoffMs: number;
  podMaxBackoffMs: number;
  podMaxInUnschedulablePodsMs: number;
  /** Binds in flight at once; the scheduling loop waits for a free slot. */
  bindConcurrency: number;
  filters?: readonly FilterPlugin[];
  scores?: readonly ScorePlugin[];
}

export const defaultSchedulerOptions: SchedulerOptions = {
  schedulerName: 'default-scheduler',
  percentageOfNodesToScore: 0,
  podInitialBackoffMs: 1000,
  podMaxBackoffMs: 10_000,
  podMaxInUnschedulablePodsMs: 5 * 60_000,
  bindConcurrency: 32,
};

/** What the scheduler needs of its process (a subset of ComponentContext). */
export interface SchedulerContext {
  client: ApiClient;
  informers: InformerFactory;
  logger: Logger;
  identity?: string;
}

// Kube's scheduler lists only pods that may still need a node or hold one.
const NON_TERMINAL_PODS = 'status.phase!=Succeeded,status.phase!=Failed';
// A cycle runs without yielding; after this long the loop lets I/O (bind replies, watch events) in.
const SLICE_MS = 10;

export class Scheduler {
  readonly options: SchedulerOptions;
  readonly cache = new SchedulerCache();
  readonly queue: SchedulingQueue;
  readonly recorder: EventRecorder;
  readonly algorithm: SchedulingAlgorithm;
  readonly stats = { attempts: 0, scheduled: 0, unschedulable: 0, bindFailures: 0 };
  private readonly logger: Logger;
  private readonly pods: ResourceClient<Pod>;
  private readonly informers: InformerFactory;
  private readonly podInformer: SharedInformer<Pod>;
  private readonly binds: Limiter;
  private readonly statusUpdates = new Limiter(8);

  constructor(ctx: SchedulerContext, options: Partial<SchedulerOptions> = {}) {
    this.options = { ...defaultSchedulerOptions, ...options };
    const o = this.options;
    this.logger = ctx.logger;
    // Events come from the scheduler's name, as kube's profiles record them.
    this.recorder = new EventRecorder(ctx.client, o.schedulerName, ctx.identity ?? hostname(), ctx.logger);
    this.queue = new SchedulingQueue({ initialBackoffMs: o.podInitialBackoffMs, maxBackoffMs: o.podMaxBackoffMs, maxInUnschedulableMs: o.podMaxInUnschedulablePodsMs });
    this.algorithm = new SchedulingAlgorithm(o.filters ?? defaultFilters, o.scores ?? defaultScores, o.percentageOfNodesToScore);
    this.binds = new Limiter(o.bindConcurrency);
    this.pods = new ResourceClient<Pod>(ctx.client, resources.pods);
    this.informers = ctx.informers;
    this.podInformer = ctx.informers.informerFor(resources.pods, { fieldSelector: NON_TERMINAL_PODS });
    this.podInformer.addEventHandler(podEventHandler(this));
    ctx.informers.informerFor(resources.nodes).addEventHandler(nodeEventHandler(this));
  }

  /** Schedules until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    const stop = () => this.queue.close();
    if (signal.aborted) return;
    signal.addEventListener('abort', stop, { once: true });
    this.informers.start();
    const aborted = new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    await Promise.race([this.informers.waitForCacheSync(), aborted]);
    if (signal.aborted) return;
    this.logger.info({ nodes: this.cache.nodeList.length, pending: this.queue.lengths }, 'scheduler caches synced');
    let sliceStart = performance.now();
    while (!signal.aborted) {
      await this.binds.acquire();
      const info = await this.queue.pop();
      if (!info) {
        this.binds.release();
        break;
      }
      if (!this.scheduleOne(info)) this.binds.release();
      if (performance.now() - sliceStart > SLICE_MS) {
        await yieldToEventLoop();
        sliceStart = performance.now();
      }
    }
    signal.removeEventListener('abort', stop);
    await this.binds.idle();
  }

  /** One scheduling cycle; true when a bind was started (it owns a bind slot and releases it). */
  scheduleOne(info: QueuedPodInfo): boolean {
    const pod = info.podInfo.pod;
    // Being deleted, or already in the cache (assumed by an earlier cycle, or bound meanwhile).
    if (pod.metadata.deletionTimestamp || this.cache.nodeOf(info.podInfo.key) !== undefined) return false;
    this.stats.attempts++;
    const result = this.algorithm.schedule(info, this.cache.nodeList);
    if (!result.ok) {
      this.stats.unschedulable++;
      info.unschedulablePlugins = result.unschedulablePlugins;
      this.handleFailure(info, 'Unschedulable', result.message);
      return false;
    }
    const nodeName = result.node.name;
    this.cache.assumePod(info.podInfo, nodeName);
    void this.bind(info, nodeName).finally(() => this.binds.release());
    return true;
  }

  /** Unschedulable pods that could now fit on `nodeName` move on (kube's queueing hints, by re-filtering). */
  nodeMayHelp(nodeName: string): void {
    const node = this.cache.nodeInfo(nodeName);
    if (!node?.node) return;
    this.queue.moveToActiveOrBackoff((info) => runFilters((info.filters ??= prepareFilters(this.algorithm.filters, info.podInfo)), node) === null);
  }

  private async bind(info: QueuedPodInfo, nodeName: string): Promise<void> {
    const { pod, key } = info.podInfo;
    const { namespace = '', name = '', uid } = pod.metadata;
    try {
      await this.pods.createSubresource(namespace, name, 'binding', {
        apiVersion: 'v1', kind: 'Binding', metadata: { name, namespace, uid }, target: { kind: 'Node', name: nodeName },
      });
      this.stats.scheduled++;
      this.recorder.event(podRef(pod), 'Normal', 'Scheduled', `Successfully assigned ${namespace}/${name} to ${nodeName}`);
    } catch (err) {
      this.stats.bindFailures++;
      const message = err instanceof StatusError ? err.message : (err as Error).message;
      this.logger.warn({ pod: key, node: nodeName, err: message }, 'binding failed');
      // What the pod held on the node is free again, for it and for others.
      this.cache.forgetPod(key);
      this.nodeMayHelp(nodeName);
      info.unschedulablePlugins = new Set();
      let current: Pod | undefined;
      // A conflict may mean someone else bound it: ask the server rather than a cache that may lag,
      // so a bound pod is neither retried nor marked unschedulable.
      if (err instanceof StatusError && err.code === 409) current = await this.pods.get(namespace, name).catch(() => undefined);
      this.handleFailure(info, 'SchedulerError', `running Bind plugin "DefaultBinder": ${message}`, current);
    }
  }

  /** kube's handleSchedulingFailure: requeue the pod if it still waits, tell the user why. */
  private handleFailure(info: QueuedPodInfo, reason: 'Unschedulable' | 'SchedulerError', message: string, fresh?: Pod): void {
    const { namespace = '', name = '' } = info.podInfo.pod.metadata;
    const cached = fresh?.spec.nodeName ? fresh : this.podInformer.get(namespace, name);
    // Deleted meanwhile: nothing to retry or report.
    if (!cached || cached.metadata.uid !== info.podInfo.uid) return;
    this.recorder.event(podRef(cached), 'Warning', 'FailedScheduling', truncateMessage(message));
    // Bound meanwhile (by another scheduler, or our bind went through after all): not ours any more,
    // and its PodScheduled condition already says so.
    if (cached.spec.nodeName) return;
    if (cached !== info.podInfo.pod) {
      info.podInfo = podInfoOf(cached);
      info.filters = undefined;
    }
    this.queue.addUnschedulableIfNotPresent(info);
    const patch = podScheduledFalsePatch(cached, reason, message);
    if (patch) {
      void this.statusUpdates.run(() => this.pods.patch(namespace, name, patch, 'strategic', 'status')).catch((err) => {
        this.logger.warn({ pod: info.podInfo.key, err: (err as Error).message }, 'could not update pod condition');
      });
    }
  }
}

const podRef = (pod: Pod) => ({ apiVersion: 'v1', kind: 'Pod', metadata: pod.metadata });
