// The pods of one node: one worker per pod (by uid), fed by the API (pods bound to this node) and by
// static pod manifests. Admission is kube's simplest: past --max-pods a new pod is refused (OutOfpods).
import type { Pod } from '../../shared/api/pod.ts';
import type { ResourceClient } from '../../shared/client/resource-client.ts';
import { PodWorker, type PodWorkerDeps } from './pod-worker.ts';
import type { StatusTarget } from './status-manager.ts';

const isTerminalPhase = (pod: Pod) => pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';

export class PodManager {
  private readonly workers = new Map<string, PodWorker>();
  private readonly byName = new Map<string, string>();

  constructor(private readonly deps: PodWorkerDeps, private readonly maxPods: number, private readonly podsApi: ResourceClient<Pod>) {}

  get size(): number {
    return this.workers.size;
  }

  /** The pod worker for namespace/name (API pods and static pods alike). */
  get(namespace: string, name: string): PodWorker | undefined {
    const uid = this.byName.get(`${namespace}/${name}`);
    return uid ? this.workers.get(uid) : undefined;
  }

  list(): PodWorker[] {
    return [...this.workers.values()];
  }

  /** Re-checks every pod (the node's podCIDR arrived). */
  kickAll(): void {
    for (const w of this.workers.values()) w.kick();
  }

  /** A pod bound to this node was added or changed in the API. */
  apiPodUpdated(pod: Pod): void {
    const uid = pod.metadata.uid ?? '';
    const worker = this.workers.get(uid);
    if (worker) {
      worker.update(pod);
      this.deps.status.observed(uid, pod);
      return;
    }
    if (isTerminalPhase(pod) || pod.metadata.deletionTimestamp) {
      // Never ran here (or finished before a restart): nothing to stop, only the deletion to confirm.
      if (pod.metadata.deletionTimestamp) void this.podsApi.delete(pod.metadata.namespace ?? '', pod.metadata.name ?? '', { gracePeriodSeconds: 0, preconditions: { uid } }).catch(() => undefined);
      return;
    }
    const target: StatusTarget = { namespace: pod.metadata.namespace ?? '', name: pod.metadata.name ?? '', uid };
    this.add(pod, () => target, false);
  }

  /** The pod is gone from the API (deleted without waiting for us, or after our confirmation). */
  apiPodDeleted(pod: Pod): void {
    this.remove(pod.metadata.uid ?? '');
  }

  addStatic(pod: Pod, target: () => StatusTarget | undefined): void {
    this.add(pod, target, true);
  }

  add(pod: Pod, target: () => StatusTarget | undefined, isStatic: boolean): PodWorker {
    const active = [...this.workers.values()].filter((w) => w.active).length;
    const rejected = active >= this.maxPods
      ? { reason: 'OutOfpods', message: `Node didn't have enough resource: pods, requested: 1, used: ${active}, capacity: ${this.maxPods}` }
      : undefined;
    const worker = new PodWorker(pod, this.deps, { statusTarget: target, isStatic, rejected });
    this.workers.set(worker.uid, worker);
    this.byName.set(`${pod.metadata.namespace}/${pod.metadata.name}`, worker.uid);
    return worker;
  }

  /** Stops and forgets a pod (no deletion to confirm: it is gone, or it was a static pod). */
  remove(uid: string): Promise<void> {
    const worker = this.workers.get(uid);
    if (!worker) return Promise.resolve();
    this.workers.delete(uid);
    if (this.byName.get(worker.name) === uid) this.byName.delete(worker.name);
    return worker.terminate(false).then(() => this.deps.status.forget(uid));
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.workers.keys()].map((uid) => this.remove(uid)));
  }
}
