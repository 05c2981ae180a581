// The ReplicaSet controller (kube's pkg/controller/replicaset): keeps spec.replicas pods running from
// the template. It adopts orphan pods its selector matches and releases owned pods it no longer
// matches, creates missing pods in slow-start batches, deletes surplus pods least useful first, and
// records what it issued (expectations) so a sync that runs before the cache has caught up with its
// own writes never creates or deletes twice. Status is written through /status only when it changed.
import type { ReplicaSet } from '../../shared/api/apps.ts';
import type { Pod } from '../../shared/api/pod.ts';
import { resources } from '../../shared/api/registry.ts';
import { isNotFound } from '../../shared/client/api-client.ts';
import { ResourceClient } from '../../shared/client/resource-client.ts';
import { StatusError } from '../../shared/errors.ts';
import { keyOf, splitKey } from '../../shared/informer/indexer.ts';
import { objectOf, type DeletedFinalStateUnknown, type SharedInformer } from '../../shared/informer/informer.ts';
import type { Logger } from '../../shared/log.ts';
import { labelSelectorFromObject } from '../../shared/selectors/label-selector-object.ts';
import type { LabelSelector } from '../../shared/selectors/labels.ts';
import { WorkQueue } from '../../shared/workqueue.ts';
import type { Controller, ControllerContext, ControllerFactory } from '../controller-context.ts';
import { adoptPatch, checkFreshOwner, claimObjects, controllerRefOf, newControllerRef, releasePatch } from '../controller-utils/controller-ref.ts';
import { ControllerExpectations } from '../controller-utils/expectations.ts';
import { hasStatusCause, NAMESPACE_TERMINATING_CAUSE, PodControl } from '../controller-utils/pod-control.ts';
import { isPodActive, isPodReady, podKey } from '../controller-utils/pod-state.ts';
import { podsToDelete } from '../controller-utils/pods-to-delete.ts';
import { SLOW_START_INITIAL_BATCH_SIZE, slowStartBatch } from '../controller-utils/slow-start.ts';
import { calculateReplicaSetStatus, replicaSetStatusUnchanged } from './replicaset/status.ts';

const API_VERSION = 'apps/v1';
const KIND = 'ReplicaSet';
/** At most this many creates or deletes per sync (kube's BurstReplicas). */
const BURST_REPLICAS = 500;
/** Status writes retried once after a fresh read (kube's statusUpdateRetries). */
const STATUS_UPDATE_RETRIES = 1;

export class ReplicaSetController implements Controller {
  readonly name = 'replicaset';
  readonly queue = new WorkQueue<string>();
  readonly expectations = new ControllerExpectations();
  private readonly replicaSets: SharedInformer<ReplicaSet>;
  private readonly pods: SharedInformer<Pod>;
  private readonly rsClient: ResourceClient<ReplicaSet>;
  private readonly podClient: ResourceClient<Pod>;
  private readonly podControl: PodControl;
  private readonly logger: Logger;

  constructor(ctx: ControllerContext) {
    this.logger = ctx.logger.child({ controller: this.name });
    this.replicaSets = ctx.informers.informerFor(resources.replicasets);
    this.pods = ctx.informers.informerFor(resources.pods);
    this.rsClient = new ResourceClient<ReplicaSet>(ctx.client, resources.replicasets);
    this.podClient = new ResourceClient<Pod>(ctx.client, resources.pods);
    this.podControl = new PodControl(this.podClient, ctx.recorder);
    this.replicaSets.addEventHandler({
      onAdd: (rs) => this.queue.add(keyOf(rs)),
      onUpdate: (old, cur) => {
        // A ReplicaSet deleted and recreated under the same name: forget the old one's expectations.
        if (old.metadata?.uid !== cur.metadata?.uid) this.expectations.delete(keyOf(old));
        this.queue.add(keyOf(cur));
      },
      onDelete: (obj) => {
        const key = keyOf(objectOf(obj));
        this.expectations.delete(key);
        this.queue.add(key);
      },
    });
    this.pods.addEventHandler({
      onAdd: (pod) => this.addPod(pod),
      onUpdate: (old, cur) => this.updatePod(old, cur),
      onDelete: (obj) => this.deletePod(obj),
    });
  }

  // --- event handlers: map pods to the ReplicaSets that care -----------------------------------

  /** The ReplicaSet a controller reference points to, if it still is that object. */
  private resolveControllerRef(namespace: string, ref: { kind: string; name: string; uid: string } | undefined): ReplicaSet | undefined {
    if (!ref || ref.kind !== KIND) return undefined;
    const rs = this.replicaSets.get(namespace, ref.name);
    return rs && rs.metadata?.uid === ref.uid ? rs : undefined;
  }

  /** ReplicaSets whose selector matches an orphan pod (GetPodReplicaSets); empty selectors match nothing here. */
  private replicaSetsMatching(pod: Pod): ReplicaSet[] {
    return this.replicaSets.list(pod.metadata?.namespace ?? '').filter((rs) => {
      try {
        const selector = labelSelectorFromObject(rs.spec.selector);
        return !selector.empty() && selector.matches(pod.metadata?.labels);
      } catch {
        return false;
      }
    });
  }

  private addPod(pod: Pod): void {
    // A pod that shows up already terminating (e.g. after a relist) must still lower deletion expectations.
    if (pod.metadata?.deletionTimestamp) return this.deletePod(pod);
    const ref = controllerRefOf(pod);
    if (ref) {
      const rs = this.resolveControllerRef(pod.metadata?.namespace ?? '', ref);
      if (!rs) return;
      this.expectations.creationObserved(keyOf(rs));
      this.queue.add(keyOf(rs));
      return;
    }
    // An orphan: let every matching ReplicaSet try to adopt it.
    for (const rs of this.replicaSetsMatching(pod)) this.queue.add(keyOf(rs));
  }

  private updatePod(old: Pod, cur: Pod): void {
    if (old.metadata?.resourceVersion === cur.metadata?.resourceVersion) return; // a resync: nothing changed
    const labelsChanged = JSON.stringify(old.metadata?.labels ?? {}) !== JSON.stringify(cur.metadata?.labels ?? {});
    if (cur.metadata?.deletionTimestamp) {
      // Terminating: count the deletion now rather than waiting out the grace period.
      this.deletePod(cur);
      if (labelsChanged) this.deletePod(old);
      return;
    }
    const namespace = cur.metadata?.namespace ?? '';
    const curRef = controllerRefOf(cur);
    const oldRef = controllerRefOf(old);
    const refChanged = JSON.stringify(curRef ?? null) !== JSON.stringify(oldRef ?? null);
    if (refChanged && oldRef) {
      const oldRS = this.resolveControllerRef(namespace, oldRef);
      if (oldRS) this.queue.add(keyOf(oldRS));
    }
    if (curRef) {
      const rs = this.resolveControllerRef(namespace, curRef);
      if (!rs) return;
      this.queue.add(keyOf(rs));
      // Availability comes minReadySeconds after readiness, with no event of its own: check back then
      // (plus a second, as timestamps are whole seconds).
      const minReady = rs.spec.minReadySeconds ?? 0;
      if (minReady > 0 && !isPodReady(old) && isPodReady(cur)) this.queue.addAfter(keyOf(rs), minReady * 1000 + 1000);
      return;
    }
    if (labelsChanged || refChanged) for (const rs of this.replicaSetsMatching(cur)) this.queue.add(keyOf(rs));
  }

  private deletePod(obj: Pod | DeletedFinalStateUnknown<Pod>): void {
    const pod = objectOf(obj);
    const rs = this.resolveControllerRef(pod.metadata?.namespace ?? '', controllerRefOf(pod));
    if (!rs) return;
    this.expectations.deletionObserved(keyOf(rs), podKey(pod));
    this.queue.add(keyOf(rs));
  }

  // --- sync ------------------------------------------------------------------------------------

  async reconcile(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const cached = this.replicaSets.get(namespace, name);
    if (!cached) {
      this.expectations.delete(key);
      return;
    }
    const rs = structuredClone(cached);
    // Read before listing pods: pods seen after this point include every one the expectations wait for.
    const needsSync = this.expectations.satisfied(key);
    let selector: LabelSelector;
    try {
      selector = labelSelectorFromObject(rs.spec.selector);
    } catch (err) {
      this.logger.error({ key, err: (err as Error).message }, 'invalid selector; not syncing');
      return;
    }
    const active = this.pods.list(namespace).filter(isPodActive);
    const pods = await this.claimPods(rs, selector, active);

    let manageError: unknown;
    if (needsSync && !rs.metadata.deletionTimestamp) {
      try {
        await this.manageReplicas(key, pods, rs);
      } catch (err) {
        manageError = err;
      }
    }
    const updated = await this.updateStatus(rs, calculateReplicaSetStatus(rs, pods, manageError));
    const minReady = updated.spec.minReadySeconds ?? 0;
    if (!manageError && minReady > 0 && (updated.status.readyReplicas ?? 0) === updated.spec.replicas && (updated.status.availableReplicas ?? 0) !== updated.spec.replicas) {
      this.queue.addAfter(key, minReady * 1000);
    }
    if (manageError) throw manageError;
  }

  /** Adopts matching orphans and releases owned pods that no longer match; the pods this ReplicaSet controls. */
  private claimPods(rs: ReplicaSet, selector: LabelSelector, pods: Pod[]): Promise<Pod[]> {
    const ref = newControllerRef(rs, API_VERSION, KIND);
    return claimObjects(pods, {
      owner: rs,
      kind: 'Pod',
      match: (pod) => selector.matches(pod.metadata?.labels),
      adopt: (pod) => this.podClient.patch(pod.metadata!.namespace!, pod.metadata!.name!, adoptPatch(ref, pod.metadata?.uid), 'strategic'),
      release: async (pod) => {
        await this.podClient.patch(pod.metadata!.namespace!, pod.metadata!.name!, releasePatch(rs.metadata.uid!, pod.metadata?.uid), 'strategic');
      },
      recheckOwner: async () => checkFreshOwner(await this.rsClient.get(rs.metadata.namespace!, rs.metadata.name!), rs),
      isNotFound,
      ignoreOnRelease: (err) => err instanceof StatusError && err.reason === 'Invalid',
    });
  }

  /** Creates or deletes pods to reach spec.replicas (manageReplicas). */
  private async manageReplicas(key: string, pods: Pod[], rs: ReplicaSet): Promise<void> {
    const diff = pods.length - rs.spec.replicas;
    const namespace = rs.metadata.namespace!;
    if (diff < 0) {
      const count = Math.min(-diff, BURST_REPLICAS);
      this.expectations.expectCreations(key, count);
      const ref = newControllerRef(rs, API_VERSION, KIND);
      const { successes, error } = await slowStartBatch(count, SLOW_START_INITIAL_BATCH_SIZE, async () => {
        try {
          await this.podControl.createPod(namespace, rs.spec.template, rs, ref);
        } catch (err) {
          // Every create would fail in a namespace that is going away; there is nothing to do.
          if (!hasStatusCause(err, NAMESPACE_TERMINATING_CAUSE)) throw err;
        }
      });
      // Creates never attempted (or failed) will never be observed.
      for (let i = successes; i < count; i++) this.expectations.creationObserved(key);
      if (error) throw error;
      return;
    }
    if (diff > 0) {
      const victims = podsToDelete(pods, this.relatedPods(rs), Math.min(diff, BURST_REPLICAS));
      this.expectations.expectDeletions(key, victims.map(podKey));
      const results = await Promise.allSettled(victims.map(async (pod) => {
        try {
          await this.podControl.deletePod(namespace, pod.metadata!.name!, rs);
        } catch (err) {
          // The informer will not show this deletion (it failed, or the pod was already gone).
          this.expectations.deletionObserved(key, podKey(pod));
          if (!isNotFound(err)) throw err;
        }
      }));
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    }
  }

  /** Pods of every ReplicaSet sharing this one's controller (getIndirectlyRelatedPods). */
  private relatedPods(rs: ReplicaSet): Pod[] {
    const controller = controllerRefOf(rs);
    if (!controller) return [];
    const seen = new Set<string>();
    const related: Pod[] = [];
    for (const other of this.replicaSets.list(rs.metadata.namespace ?? '')) {
      if (controllerRefOf(other)?.uid !== controller.uid) continue;
      let selector: LabelSelector;
      try {
        selector = labelSelectorFromObject(other.spec.selector);
      } catch {
        continue;
      }
      for (const pod of this.pods.list(rs.metadata.namespace ?? '')) {
        if (!selector.matches(pod.metadata?.labels) || seen.has(pod.metadata?.uid ?? '')) continue;
        seen.add(pod.metadata?.uid ?? '');
        related.push(pod);
      }
    }
    return related;
  }

  /** Writes the status if it changed, with observedGeneration; one retry on a fresh copy (updateReplicaSetStatus). */
  private async updateStatus(rs: ReplicaSet, status: ReplicaSet['status']): Promise<ReplicaSet> {
    if (replicaSetStatusUnchanged(rs, status)) return rs;
    status.observedGeneration = rs.metadata.generation;
    let current = rs;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.rsClient.updateStatus({ ...current, status });
      } catch (err) {
        if (attempt >= STATUS_UPDATE_RETRIES) throw err;
        current = await this.rsClient.get(rs.metadata.namespace!, rs.metadata.name!);
      }
    }
  }
}

export const newReplicaSetController: ControllerFactory = (ctx) => new ReplicaSetController(ctx);
