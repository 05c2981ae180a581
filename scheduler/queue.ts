// The scheduling queue (kube's PriorityQueue): pods waiting to be scheduled live in exactly one of
//  - the active queue: tried next, highest spec.priority first, then first come first served;
//  - the back-off queue: failed recently, tried again once their back-off (1 s doubling per attempt up
//    to 10 s: podInitialBackoff / podMaxBackoff) has passed;
//  - the unschedulable pods: rejected by the filters, waiting for a cluster change that may help (the
//    scheduler calls moveToActiveOrBackoff), or podMaxInUnschedulablePodsDuration (5 min) at most;
//  - the gated pods: spec.schedulingGates not empty, waiting for an update that removes them.
// Kube also tracks events that happen while a pod is "in flight" (being scheduled); here a scheduling
// cycle runs without yielding, so no event can fall inside one.
import { Heap, type HeapItem } from './heap.ts';
import type { PreparedFilter } from './framework.ts';
import type { PodInfo } from './pod-info.ts';

export type QueueName = 'active' | 'backoff' | 'unschedulable' | 'gated';

export interface QueuedPodInfo extends HeapItem {
  podInfo: PodInfo;
  /** When it last entered the queue or last failed (back-off counts from there). */
  timestamp: number;
  /** Orders pods of equal priority in the active queue. */
  seq: number;
  attempts: number;
  initialAttemptTimestamp?: number;
  /** Filter plugins that rejected it in its last attempt (what may help it later). */
  unschedulablePlugins: Set<string>;
  backoffExpiry: number;
  where?: QueueName;
  /** The filters prepared for this version of the pod (PreFilter depends only on the pod here). */
  filters?: PreparedFilter[];
}

export interface QueueOptions {
  initialBackoffMs: number;
  maxBackoffMs: number;
  maxInUnschedulableMs: number;
  /** How often pods stuck in the unschedulable pool are looked at (kube: 30 s). */
  flushUnschedulableEveryMs?: number;
}

const isGated = (p: PodInfo) => (p.pod.spec.schedulingGates?.length ?? 0) > 0;

export class SchedulingQueue {
  private readonly active = new Heap<QueuedPodInfo>((a, b) => a.podInfo.priority > b.podInfo.priority || (a.podInfo.priority === b.podInfo.priority && a.seq < b.seq));
  private readonly backoff = new Heap<QueuedPodInfo>((a, b) => a.backoffExpiry < b.backoffExpiry);
  private readonly unschedulable = new Map<string, QueuedPodInfo>();
  private readonly gated = new Map<string, QueuedPodInfo>();
  private readonly byKey = new Map<string, QueuedPodInfo>();
  private waiter?: (info: QueuedPodInfo | undefined) => void;
  private seq = 0;
  private closed = false;
  private backoffTimer?: NodeJS.Timeout;
  private backoffTimerAt = Infinity;
  private readonly flushTimer: NodeJS.Timeout;

  constructor(private readonly options: QueueOptions) {
    this.flushTimer = setInterval(() => this.flushUnschedulableLeftover(), options.flushUnschedulableEveryMs ?? 30_000);
    this.flushTimer.unref();
  }

  get lengths(): Record<QueueName, number> {
    return { active: this.active.length, backoff: this.backoff.length, unschedulable: this.unschedulable.size, gated: this.gated.size };
  }

  has(key: string): boolean {
    return this.byKey.has(key);
  }

  get(key: string): QueuedPodInfo | undefined {
    return this.byKey.get(key);
  }

  /** A new pending pod. */
  add(podInfo: PodInfo): void {
    if (this.closed || this.byKey.has(podInfo.key)) return;
    const info: QueuedPodInfo = { podInfo, timestamp: Date.now(), seq: 0, attempts: 0, unschedulablePlugins: new Set(), backoffExpiry: 0, heapIndex: -1 };
    this.byKey.set(podInfo.key, info);
    if (isGated(podInfo)) this.place(info, 'gated');
    else this.place(info, 'active');
  }

  /**
   * A new version of a queued pod. `specChanged`: more than its status changed (kube's isPodUpdated),
   * which is what may make an unschedulable pod schedulable.
   */
  update(podInfo: PodInfo, specChanged: boolean): void {
    const info = this.byKey.get(podInfo.key);
    if (!info) return this.add(podInfo);
    const priorityChanged = info.podInfo.priority !== podInfo.priority;
    info.podInfo = podInfo;
    info.filters = undefined;
    switch (info.where) {
      case 'active':
        if (priorityChanged) this.active.fix(info);
        break;
      case 'backoff':
        break;
      case 'unschedulable':
        if (specChanged) {
          this.unschedulable.delete(podInfo.key);
          this.requeue(info);
        }
        break;
      case 'gated':
        if (!isGated(podInfo)) {
          this.gated.delete(podInfo.key);
          this.place(info, 'active');
        }
        break;
    }
  }

  delete(key: string): void {
    const info = this.byKey.get(key);
    if (!info) return;
    this.byKey.delete(key);
    this.unplace(info);
  }

  /** The next pod to schedule; waits for one. Undefined once closed. */
  pop(): Promise<QueuedPodInfo | undefined> {
    if (this.closed) return Promise.resolve(undefined);
    const info = this.active.pop();
    if (info) return Promise.resolve(this.popped(info));
    return new Promise((resolve) => { this.waiter = resolve; });
  }

  /**
   * A pod whose attempt failed goes back: rejected by filters, to the unschedulable pods; failed for
   * another reason (no nodes at all, an error, a failed bind), to back-off.
   */
  addUnschedulableIfNotPresent(info: QueuedPodInfo): void {
    if (this.closed || this.byKey.has(info.podInfo.key)) return;
    this.byKey.set(info.podInfo.key, info);
    info.timestamp = Date.now();
    info.backoffExpiry = info.timestamp + this.backoffDuration(info.attempts);
    if (info.unschedulablePlugins.size === 0) this.place(info, 'backoff');
    else this.place(info, 'unschedulable');
  }

  /** A cluster change: unschedulable pods it may help (`mayHelp`) move on, to back-off if still backing off. */
  moveToActiveOrBackoff(mayHelp: (info: QueuedPodInfo) => boolean = () => true): number {
    let moved = 0;
    for (const [key, info] of this.unschedulable) {
      if (!mayHelp(info)) continue;
      this.unschedulable.delete(key);
      this.requeue(info);
      moved++;
    }
    return moved;
  }

  /** Pods in the unschedulable pool (for the scheduler's event checks). */
  unschedulablePods(): IterableIterator<QueuedPodInfo> {
    return this.unschedulable.values();
  }

  close(): void {
    this.closed = true;
    clearInterval(this.flushTimer);
    clearTimeout(this.backoffTimer);
    this.waiter?.(undefined);
    this.waiter = undefined;
  }

  /** kube's calculateBackoffDuration: initial * 2^(attempts-1), capped. */
  backoffDuration(attempts: number): number {
    if (attempts === 0) return 0;
    let d = this.options.initialBackoffMs;
    for (let i = 1; i < attempts; i++) {
      if (d > this.options.maxBackoffMs - d) return this.options.maxBackoffMs;
      d += d;
    }
    return Math.min(d, this.options.maxBackoffMs);
  }

  private popped(info: QueuedPodInfo): QueuedPodInfo {
    this.byKey.delete(info.podInfo.key);
    info.where = undefined;
    info.attempts++;
    info.initialAttemptTimestamp ??= Date.now();
    return info;
  }

  private requeue(info: QueuedPodInfo): void {
    this.place(info, info.backoffExpiry > Date.now() ? 'backoff' : 'active');
  }

  private place(info: QueuedPodInfo, where: QueueName): void {
    info.where = where;
    switch (where) {
      case 'active':
        info.seq = this.seq++;
        if (this.waiter) {
          const w = this.waiter;
          this.waiter = undefined;
          w(this.popped(info));
        } else this.active.push(info);
        break;
      case 'backoff':
        if (info.backoffExpiry <= Date.now()) return this.place(info, 'active');
        this.backoff.push(info);
        this.armBackoffTimer();
        break;
      case 'unschedulable':
        this.unschedulable.set(info.podInfo.key, info);
        break;
      case 'gated':
        this.gated.set(info.podInfo.key, info);
        break;
    }
  }

  private unplace(info: QueuedPodInfo): void {
    switch (info.where) {
      case 'active': this.active.remove(info); break;
      case 'backoff': this.backoff.remove(info); break;
      case 'unschedulable': this.unschedulable.delete(info.podInfo.key); break;
      case 'gated': this.gated.delete(info.podInfo.key); break;
    }
    info.where = undefined;
  }

  private armBackoffTimer(): void {
    const next = this.backoff.peek();
    if (!next || next.backoffExpiry >= this.backoffTimerAt) return;
    clearTimeout(this.backoffTimer);
    this.backoffTimerAt = next.backoffExpiry;
    // Kept referenced: pods waiting out their back-off are work still to do.
    this.backoffTimer = setTimeout(() => this.flushBackoff(), Math.max(0, next.backoffExpiry - Date.now()));
  }

  private flushBackoff(): void {
    this.backoffTimerAt = Infinity;
    const now = Date.now();
    for (let next = this.backoff.peek(); next && next.backoffExpiry <= now; next = this.backoff.peek()) {
      this.backoff.pop();
      this.place(next, 'active');
    }
    this.armBackoffTimer();
  }

  private flushUnschedulableLeftover(): void {
    const cutoff = Date.now() - this.options.maxInUnschedulableMs;
    this.moveToActiveOrBackoff((info) => info.timestamp < cutoff);
  }
}
