// One pod on this node (kube's pod worker): the sandbox first (its IP from the node's podCIDR; a pod
// waits while the node has none), then the init containers one at a time, each to completion
// (sidecars only until started), then all containers. It ends when every container is finished
// (Succeeded/Failed), at the activeDeadlineSeconds, or when the pod is deleted: then containers are
// stopped, the final status is written and, for a graceful deletion, the pod is deleted for good.
import type { Pod, PodCondition, PodStatus } from '../../shared/api/pod.ts';
import type { EventType } from '../../shared/events.ts';
import type { NodeContext } from '../node-context.ts';
import type { PodIPAllocator } from '../node/pod-ip-allocator.ts';
import { ContainerLifecycle, type ContainerHost } from './container-lifecycle.ts';
import { podStatusOf } from './pod-status.ts';
import type { PodStatusManager, StatusTarget } from './status-manager.ts';

export interface PodWorkerDeps {
  node: NodeContext;
  ips: PodIPAllocator;
  status: PodStatusManager;
}

export interface PodWorkerOptions {
  /** Where its status goes: the pod itself, or a static pod's mirror pod. */
  statusTarget: () => StatusTarget | undefined;
  isStatic: boolean;
  /** Refused at admission (e.g. OutOfpods): never runs, reported Failed. */
  rejected?: { reason: string; message: string };
}

const timestamp = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

export class PodWorker {
  private readonly init: ContainerLifecycle[];
  private readonly regular: ContainerLifecycle[];
  private podIP?: string;
  private sandboxReady = false;
  private initDone = false;
  private readonly startTime: string;
  /** Finished, deleted or refused: its containers will not run again. */
  private terminal = false;
  private terminating?: Promise<void>;
  private failure?: { reason: string; message: string };
  private lastConditions: PodCondition[] = [];
  private deadlineTimer?: NodeJS.Timeout;
  private syncQueued = false;
  private deleteWhenWritten = false;
  private lastStatus?: PodStatus;
  readonly uid: string;

  constructor(private pod: Pod, private readonly deps: PodWorkerDeps, private readonly options: PodWorkerOptions) {
    this.uid = pod.metadata.uid ?? '';
    this.startTime = pod.status?.startTime ?? timestamp();
    const hasInit = (pod.spec.initContainers ?? []).length > 0;
    const host: ContainerHost = {
      node: deps.node,
      pod: () => this.pod,
      podIP: () => this.podIP ?? '',
      changed: () => this.kick(),
      event: (type, reason, message, fieldPath) => this.event(type, reason, message, fieldPath),
    };
    this.init = (pod.spec.initContainers ?? []).map((c) => new ContainerLifecycle(c, c.restartPolicy === 'Always' ? 'sidecar' : 'init', host, 'PodInitializing'));
    this.regular = pod.spec.containers.map((c) => new ContainerLifecycle(c, 'regular', host, hasInit ? 'PodInitializing' : 'ContainerCreating'));
    // A pod the API shows as already started (the kubelet restarted): carry its counts over.
    for (const c of [...this.init, ...this.regular]) {
      const previous = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])].find((s) => s.name === c.name);
      if (previous) c.adopt(previous);
    }
    if (options.rejected) {
      this.failure = options.rejected;
      this.terminal = true;
      this.event('Warning', options.rejected.reason, options.rejected.message);
    }
    this.kick();
  }

  get name(): string {
    return `${this.pod.metadata.namespace}/${this.pod.metadata.name}`;
  }

  /** Still holding node resources (counts against --max-pods). */
  get active(): boolean {
    return !this.terminal;
  }

  /** The pod with the status this node reports for it (the kubelet's /pods). */
  snapshot(): Pod {
    return { ...this.pod, status: this.lastStatus ?? this.pod.status };
  }

  container(name: string): ContainerLifecycle | undefined {
    return [...this.init, ...this.regular].find((c) => c.name === name);
  }

  event(type: EventType, reason: string, message: string, fieldPath?: string): void {
    const { metadata } = this.pod;
    this.deps.node.recorder.event({ apiVersion: 'v1', kind: 'Pod', metadata: { name: metadata.name, namespace: metadata.namespace, uid: metadata.uid } }, type, reason, message, fieldPath);
  }

  /** A newer version of the pod (from the API or the manifest). */
  update(pod: Pod): void {
    this.pod = pod;
    if (pod.metadata.deletionTimestamp) void this.terminate(true);
    else this.kick();
  }

  /** Recomputes soon (changes in one tick coalesce into one sync). */
  kick(): void {
    if (this.syncQueued) return;
    this.syncQueued = true;
    queueMicrotask(() => {
      this.syncQueued = false;
      this.sync();
    });
  }

  private sync(): void {
    if (this.terminal || this.terminating) return this.publish();
    if (!this.sandboxReady && !this.createSandbox()) return this.publish();
    this.armDeadline();
    if (!this.initDone) {
      for (const c of this.init) {
        if (c.role === 'sidecar') {
          c.start();
          if (!c.started) return this.publish();
          continue;
        }
        if (c.finished && c.succeeded) continue;
        if (c.failedForGood) return void this.finish();
        c.start();
        return this.publish();
      }
      this.initDone = true;
    }
    for (const c of this.regular) c.start();
    if (this.regular.every((c) => c.finished)) return void this.finish();
    this.publish();
  }

  private createSandbox(): boolean {
    if (this.pod.spec.hostNetwork) this.podIP = this.deps.node.nodeIP;
    else {
      const ip = this.deps.ips.allocate(this.uid, this.pod.status?.podIP);
      if (!ip) return false;
      this.podIP = ip;
    }
    this.sandboxReady = true;
    return true;
  }

  private armDeadline(): void {
    const seconds = this.pod.spec.activeDeadlineSeconds;
    if (seconds === undefined || this.deadlineTimer) return;
    const left = Date.parse(this.startTime) + seconds * 1000 - Date.now();
    this.deadlineTimer = setTimeout(() => {
      const message = 'Pod was active on the node longer than the specified deadline';
      this.event('Normal', 'DeadlineExceeded', message);
      void this.finish({ reason: 'DeadlineExceeded', message });
    }, Math.max(0, left));
  }

  /** Every container is done (or the pod failed): stop what still runs, free the IP, report the end. */
  private async finish(failure?: { reason: string; message: string }): Promise<void> {
    if (this.terminal) return;
    this.terminal = true;
    if (failure) this.failure = failure;
    clearTimeout(this.deadlineTimer);
    await this.stopContainers(this.gracePeriodMs());
    this.releaseSandbox();
    this.publish();
  }

  /**
   * kube's effective grace period (calculateEffectiveGracePeriod): the deletion's, else the pod's
   * terminationGracePeriodSeconds (also when the deletion's is 0: a forced delete removes the pod from
   * the API at once, the node still stops it gracefully), and at least 1 s.
   */
  private gracePeriodMs(): number {
    const deletion = this.pod.metadata.deletionGracePeriodSeconds;
    const seconds = deletion ? deletion : this.pod.spec.terminationGracePeriodSeconds ?? 30;
    return Math.max(seconds, 1) * 1000;
  }

  /** SIGTERM to every container, SIGKILL to those still running when the grace period ends. */
  private async stopContainers(gracePeriodMs: number): Promise<void> {
    const deadline = Date.now() + gracePeriodMs;
    // Regular containers first, then sidecars with what is left (at least 2 s, as kube gives them).
    await Promise.all(this.regular.map((c) => c.stop(gracePeriodMs)));
    const left = Math.max(deadline - Date.now(), 2000);
    await Promise.all(this.init.map((c) => c.stop(left)));
  }

  /** Stops the pod; with `confirmDeletion`, deletes it from the API once its final status is written. */
  terminate(confirmDeletion: boolean): Promise<void> {
    this.deleteWhenWritten ||= confirmDeletion;
    // Already stopping: a shorter grace period (a second delete) takes over; a longer one changes nothing.
    if (this.terminating) void this.stopContainers(this.gracePeriodMs());
    this.terminating ??= (async () => {
      clearTimeout(this.deadlineTimer);
      await this.stopContainers(this.gracePeriodMs());
      this.terminal = true;
      this.releaseSandbox();
    })();
    return this.terminating.then(() => this.publish());
  }

  private releaseSandbox(): void {
    if (!this.pod.spec.hostNetwork) this.deps.ips.release(this.uid);
  }

  private publish(): void {
    const sidecars = new Set(this.init.filter((c) => c.role === 'sidecar').map((c) => c.name));
    const status: PodStatus = podStatusOf({
      pod: this.pod,
      initStatuses: this.init.map((c) => c.status()),
      statuses: this.regular.map((c) => c.status()),
      sidecars,
      sandboxReady: this.sandboxReady && !this.terminal,
      podIP: this.podIP,
      hostIP: this.deps.node.nodeIP,
      startTime: this.startTime,
      terminal: this.terminal,
      isStatic: this.options.isStatic,
      previous: this.lastConditions,
      reason: this.failure?.reason,
      message: this.failure?.message,
    });
    if (this.failure) status.phase = 'Failed';
    // A terminal phase is final, whatever the containers show later (kube's status manager rule).
    const apiPhase = this.pod.status?.phase;
    if ((apiPhase === 'Succeeded' || apiPhase === 'Failed') && status.phase !== apiPhase) status.phase = apiPhase;
    this.lastConditions = status.conditions ?? [];
    this.lastStatus = status;
    // The deletion is confirmed with the final status only: a container that stopped early (draining while
    // another still runs out the grace period) must not end the pod before the others.
    this.deps.status.set(this.uid, this.options.statusTarget, status, this.deleteWhenWritten && this.terminal);
  }
}
