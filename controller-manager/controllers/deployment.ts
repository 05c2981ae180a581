// The Deployment controller (kube's pkg/controller/deployment): one ReplicaSet per pod template
// (named <deployment>-<pod-template-hash>), rolled from old to new by the RollingUpdate or Recreate
// strategy, with revisions for `kubectl rollout history/undo`, pause/resume, proportional scaling of
// a rollout in flight, old ReplicaSets pruned to revisionHistoryLimit, and status and conditions that
// `kubectl rollout status` reads. Syncs read the informer caches and take one step at a time; each
// ReplicaSet change they make comes back as an event that triggers the next.
import type { Deployment, ReplicaSet } from '../../shared/api/apps.ts';
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
import { adoptPatch, checkFreshOwner, claimObjects, controllerRefOf, newControllerRef, releasePatch, type OwnerMeta } from '../controller-utils/controller-ref.ts';
import { rolloutRecreate, type PodMap } from './deployment/recreate.ts';
import { rolloutRolling } from './deployment/rolling.ts';
import { checkPausedConditions, isScalingEvent, sync, syncStatusOnly, updateDeploymentStatus, type DeploymentSyncContext } from './deployment/sync.ts';

const API_VERSION = 'apps/v1';
const KIND = 'Deployment';

export class DeploymentController implements Controller {
  readonly name = 'deployment';
  readonly queue = new WorkQueue<string>();
  private readonly deployments: SharedInformer<Deployment>;
  private readonly replicaSets: SharedInformer<ReplicaSet>;
  private readonly pods: SharedInformer<Pod>;
  private readonly deploymentClient: ResourceClient<Deployment>;
  private readonly rsClient: ResourceClient<ReplicaSet>;
  private readonly syncContext: DeploymentSyncContext;
  private readonly logger: Logger;

  constructor(ctx: ControllerContext) {
    this.logger = ctx.logger.child({ controller: this.name });
    this.deployments = ctx.informers.informerFor(resources.deployments);
    this.replicaSets = ctx.informers.informerFor(resources.replicasets);
    this.pods = ctx.informers.informerFor(resources.pods);
    this.deploymentClient = new ResourceClient<Deployment>(ctx.client, resources.deployments);
    this.rsClient = new ResourceClient<ReplicaSet>(ctx.client, resources.replicasets);
    this.syncContext = {
      deployments: this.deploymentClient,
      replicaSets: this.rsClient,
      rsCache: this.replicaSets,
      recorder: ctx.recorder,
      logger: this.logger,
      enqueueAfter: (d, ms) => this.queue.addAfter(keyOf(d), ms),
      enqueueRateLimited: (d) => this.queue.addRateLimited(keyOf(d)),
    };
    this.deployments.addEventHandler({
      onAdd: (d) => this.queue.add(keyOf(d)),
      onUpdate: (_old, cur) => this.queue.add(keyOf(cur)),
      onDelete: (obj) => this.queue.add(keyOf(objectOf(obj))),
    });
    this.replicaSets.addEventHandler({
      onAdd: (rs) => this.addReplicaSet(rs),
      onUpdate: (old, cur) => this.updateReplicaSet(old, cur),
      onDelete: (obj) => this.deleteReplicaSet(obj),
    });
    this.pods.addEventHandler({ onDelete: (obj) => this.deletePod(obj) });
  }

  // --- event handlers -------------------------------------------------------------------------------

  private resolveControllerRef(namespace: string, ref: { kind: string; name: string; uid: string } | undefined): Deployment | undefined {
    if (!ref || ref.kind !== KIND) return undefined;
    const d = this.deployments.get(namespace, ref.name);
    return d && d.metadata.uid === ref.uid ? d : undefined;
  }

  /** Deployments whose selector matches an orphan ReplicaSet (getDeploymentsForReplicaSet). */
  private deploymentsMatching(rs: ReplicaSet): Deployment[] {
    return this.deployments.list(rs.metadata.namespace ?? '').filter((d) => {
      try {
        const selector = labelSelectorFromObject(d.spec.selector);
        return !selector.empty() && selector.matches(rs.metadata.labels);
      } catch {
        return false;
      }
    });
  }

  private addReplicaSet(rs: ReplicaSet): void {
    if (rs.metadata.deletionTimestamp) return this.deleteReplicaSet(rs);
    const ref = controllerRefOf(rs);
    if (ref) {
      const d = this.resolveControllerRef(rs.metadata.namespace ?? '', ref);
      if (d) this.queue.add(keyOf(d));
      return;
    }
    for (const d of this.deploymentsMatching(rs)) this.queue.add(keyOf(d));
  }

  private updateReplicaSet(old: ReplicaSet, cur: ReplicaSet): void {
    if (old.metadata.resourceVersion === cur.metadata.resourceVersion) return;
    const namespace = cur.metadata.namespace ?? '';
    const curRef = controllerRefOf(cur);
    const oldRef = controllerRefOf(old);
    const refChanged = JSON.stringify(curRef ?? null) !== JSON.stringify(oldRef ?? null);
    if (refChanged && oldRef) {
      const d = this.resolveControllerRef(namespace, oldRef);
      if (d) this.queue.add(keyOf(d));
    }
    if (curRef) {
      const d = this.resolveControllerRef(namespace, curRef);
      if (d) this.queue.add(keyOf(d));
      return;
    }
    const labelsChanged = JSON.stringify(old.metadata.labels ?? {}) !== JSON.stringify(cur.metadata.labels ?? {});
    if (labelsChanged || refChanged) for (const d of this.deploymentsMatching(cur)) this.queue.add(keyOf(d));
  }

  private deleteReplicaSet(obj: ReplicaSet | DeletedFinalStateUnknown<ReplicaSet>): void {
    const rs = objectOf(obj);
    const d = this.resolveControllerRef(rs.metadata.namespace ?? '', controllerRefOf(rs));
    if (d) this.queue.add(keyOf(d));
  }

  /** A Recreate rollout waits for the old pods to be gone: sync when the last one goes. */
  private deletePod(obj: Pod | DeletedFinalStateUnknown<Pod>): void {
    const pod = objectOf(obj);
    const namespace = pod.metadata?.namespace ?? '';
    const podRef = controllerRefOf(pod);
    if (podRef?.kind !== 'ReplicaSet') return;
    const rs = this.replicaSets.get(namespace, podRef.name);
    if (!rs || rs.metadata.uid !== podRef.uid) return;
    const d = this.resolveControllerRef(namespace, controllerRefOf(rs));
    if (!d || d.spec.strategy.type !== 'Recreate') return;
    const rsList = this.replicaSets.list(namespace).filter((r) => controllerRefOf(r)?.uid === d.metadata.uid);
    let remaining = 0;
    for (const pods of this.podMap(d, rsList).values()) remaining += pods.length;
    if (remaining === 0) this.queue.add(keyOf(d));
  }

  // --- sync -------------------------------------------------------------------------------------------

  async reconcile(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const cached = this.deployments.get(namespace, name);
    if (!cached) return;
    const d = structuredClone(cached);
    if (d.spec.selector && Object.keys(d.spec.selector.matchLabels ?? {}).length === 0 && !(d.spec.selector.matchExpressions?.length)) {
      this.syncContext.recorder.event(d, 'Warning', 'SelectingAll', 'This deployment is selecting all pods. A non-empty selector is required.');
      if ((d.status.observedGeneration ?? 0) < (d.metadata.generation ?? 0)) {
        d.status.observedGeneration = d.metadata.generation;
        await updateDeploymentStatus(this.syncContext, d);
      }
      return;
    }
    let selector: LabelSelector;
    try {
      selector = labelSelectorFromObject(d.spec.selector);
    } catch (err) {
      this.logger.error({ key, err: (err as Error).message }, 'invalid selector; not syncing');
      return;
    }
    const rsList = await this.claimReplicaSets(d, selector);
    const podMap = this.podMap(d, rsList);
    if (d.metadata.deletionTimestamp) return syncStatusOnly(this.syncContext, d, rsList);
    await checkPausedConditions(this.syncContext, d);
    if (d.spec.paused) return sync(this.syncContext, d, rsList);
    if (await isScalingEvent(this.syncContext, d, rsList)) return sync(this.syncContext, d, rsList);
    if (d.spec.strategy.type === 'Recreate') return rolloutRecreate(this.syncContext, d, rsList, podMap);
    return rolloutRolling(this.syncContext, d, rsList);
  }

  /** getReplicaSetsForDeployment: adopt matching orphans, release owned ones that stopped matching. */
  private claimReplicaSets(d: Deployment, selector: LabelSelector): Promise<ReplicaSet[]> {
    const ref = newControllerRef(d, API_VERSION, KIND);
    const namespace = d.metadata.namespace!;
    return claimObjects(this.replicaSets.list(namespace), {
      owner: d as OwnerMeta,
      kind: 'ReplicaSet',
      match: (rs) => selector.matches(rs.metadata.labels),
      adopt: (rs) => this.rsClient.patch(namespace, rs.metadata.name!, adoptPatch(ref, rs.metadata.uid), 'strategic'),
      release: async (rs) => {
        await this.rsClient.patch(namespace, rs.metadata.name!, releasePatch(d.metadata.uid!, rs.metadata.uid), 'strategic');
      },
      recheckOwner: async () => checkFreshOwner(await this.deploymentClient.get(namespace, d.metadata.name!), d),
      isNotFound,
      ignoreOnRelease: (err) => err instanceof StatusError && err.reason === 'Invalid',
    });
  }

  /** getPodMapForDeployment: the Deployment's pods (terminating ones too) by owning ReplicaSet uid. */
  private podMap(d: Deployment, rsList: ReplicaSet[]): PodMap {
    const map: PodMap = new Map(rsList.map((rs) => [rs.metadata.uid!, []]));
    let selector: LabelSelector;
    try {
      selector = labelSelectorFromObject(d.spec.selector);
    } catch {
      return map;
    }
    for (const pod of this.pods.list(d.metadata.namespace ?? '')) {
      if (!selector.matches(pod.metadata?.labels)) continue;
      const ref = controllerRefOf(pod);
      if (ref && map.has(ref.uid)) map.get(ref.uid)!.push(pod);
    }
    return map;
  }
}

export const newDeploymentController: ControllerFactory = (ctx) => new DeploymentController(ctx);
