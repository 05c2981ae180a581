// The parts of a Deployment sync every strategy shares (kube's deployment/sync.go): finding or
// creating the new ReplicaSet and keeping revisions in step, resizing without a rollout (scaling
// events, paused Deployments), deleting old ReplicaSets beyond revisionHistoryLimit, and status.
import type { Deployment, ReplicaSet } from '../../../shared/api/apps.ts';
import { isAlreadyExists, isNotFound } from '../../../shared/client/api-client.ts';
import type { ResourceClient } from '../../../shared/client/resource-client.ts';
import type { EventRecorder } from '../../../shared/events.ts';
import type { SharedInformer } from '../../../shared/informer/informer.ts';
import type { Logger } from '../../../shared/log.ts';
import { controllerRefOf, newControllerRef } from '../../controller-utils/controller-ref.ts';
import { hasStatusCause, NAMESPACE_TERMINATING_CAUSE } from '../../controller-utils/pod-control.ts';
import { byRevision, desiredReplicasOf, maxRevision, REVISION_ANNOTATION, setDeploymentRevision, setNewReplicaSetAnnotations } from './annotations.ts';
import { AVAILABLE, getCondition, newCondition, PROGRESSING, reasons, setCondition } from './conditions.ts';
import { canonicalJSON, computeHash } from './hash.ts';
import {
  activeReplicaSets, actualReplicas, availableReplicas, byCreationTimestamp, equalIgnoreHash, findNewReplicaSet, findOldReplicaSets,
  hasProgressDeadline, maxUnavailable, newRSNewReplicas, POD_TEMPLATE_HASH_LABEL, readyReplicas, specReplicas,
} from './replicasets.ts';
import { scale } from './scale.ts';

export interface DeploymentSyncContext {
  deployments: ResourceClient<Deployment>;
  replicaSets: ResourceClient<ReplicaSet>;
  rsCache: SharedInformer<ReplicaSet>;
  recorder: EventRecorder;
  logger: Logger;
  /** Sync the Deployment again after a delay (progress deadline checks). */
  enqueueAfter(d: Deployment, ms: number): void;
  enqueueRateLimited(d: Deployment): void;
}

export interface ReplicaSets {
  newRS: ReplicaSet | undefined;
  oldRSs: ReplicaSet[];
}

/** Writes status and remembers the new resourceVersion, so the next write of this sync does not conflict. */
export async function updateDeploymentStatus(ctx: DeploymentSyncContext, d: Deployment): Promise<void> {
  const updated = await ctx.deployments.updateStatus(d);
  d.metadata.resourceVersion = updated.metadata.resourceVersion;
}

/**
 * Writes the revision annotation. Kube writes it together with status (its status strategy keeps
 * annotations); a status write here changes status only, so the annotation goes through the object
 * itself, pinned to the resourceVersion this sync read.
 */
async function writeDeploymentRevision(ctx: DeploymentSyncContext, d: Deployment): Promise<void> {
  const patch = { metadata: { resourceVersion: d.metadata.resourceVersion, annotations: { [REVISION_ANNOTATION]: d.metadata.annotations?.[REVISION_ANNOTATION] } } };
  const updated = await ctx.deployments.patch(d.metadata.namespace!, d.metadata.name!, patch, 'merge');
  d.metadata.resourceVersion = updated.metadata.resourceVersion;
}

/** getAllReplicaSetsAndSyncRevision: old ReplicaSets and the new one (created when asked and missing). */
export async function getAllReplicaSetsAndSyncRevision(ctx: DeploymentSyncContext, d: Deployment, rsList: ReplicaSet[], createIfMissing: boolean): Promise<ReplicaSets> {
  const oldRSs = findOldReplicaSets(d, rsList);
  const newRS = await getNewReplicaSet(ctx, d, rsList, oldRSs, createIfMissing);
  return { newRS, oldRSs };
}

async function getNewReplicaSet(ctx: DeploymentSyncContext, d: Deployment, rsList: ReplicaSet[], oldRSs: ReplicaSet[], createIfMissing: boolean): Promise<ReplicaSet | undefined> {
  const existing = findNewReplicaSet(d, rsList);
  const newRevision = maxRevision(oldRSs) + 1;
  if (existing) {
    const rs = structuredClone(existing);
    const annotationsChanged = setNewReplicaSetAnnotations(d, rs, newRevision, true);
    if (annotationsChanged || rs.spec.minReadySeconds !== d.spec.minReadySeconds) {
      rs.spec.minReadySeconds = d.spec.minReadySeconds;
      return ctx.replicaSets.update(rs);
    }
    // The revision the ReplicaSet carries is the one to show on the Deployment.
    const revisionChanged = setDeploymentRevision(d, rs.metadata.annotations?.[REVISION_ANNOTATION] ?? '');
    let statusChanged = false;
    if (hasProgressDeadline(d) && !getCondition(d.status, PROGRESSING)) {
      setCondition(d.status, newCondition(PROGRESSING, 'True', reasons.foundNewReplicaSet, `Found new replica set "${rs.metadata.name}"`));
      statusChanged = true;
    }
    if (revisionChanged) await writeDeploymentRevision(ctx, d);
    if (statusChanged) await updateDeploymentStatus(ctx, d);
    return rs;
  }
  if (!createIfMissing) return undefined;

  const template = structuredClone(d.spec.template);
  const hash = computeHash(template, d.status.collisionCount);
  template.metadata = { ...template.metadata, labels: { ...(template.metadata?.labels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash } };
  const selector = structuredClone(d.spec.selector);
  selector.matchLabels = { ...(selector.matchLabels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash };
  const fresh = {
    apiVersion: 'apps/v1', kind: 'ReplicaSet',
    metadata: {
      // Deterministic, so a retried create finds its earlier self instead of making a second one.
      name: `${d.metadata.name}-${hash}`,
      namespace: d.metadata.namespace,
      ownerReferences: [newControllerRef(d, 'apps/v1', 'Deployment')],
      labels: { ...template.metadata.labels },
    },
    spec: { replicas: 0, minReadySeconds: d.spec.minReadySeconds, selector, template },
    status: { replicas: 0 },
  } as ReplicaSet;
  const replicas = newRSNewReplicas(d, [...oldRSs, fresh], fresh);
  fresh.spec.replicas = replicas;
  setNewReplicaSetAnnotations(d, fresh, newRevision, false);

  let created: ReplicaSet;
  let alreadyExisted = false;
  try {
    created = await ctx.replicaSets.create(d.metadata.namespace!, fresh);
  } catch (err) {
    if (isAlreadyExists(err)) {
      alreadyExisted = true;
      const found = ctx.rsCache.get(fresh.metadata.namespace!, fresh.metadata.name!) ?? await ctx.replicaSets.get(fresh.metadata.namespace!, fresh.metadata.name!);
      // Ours, with our template: a create retried after a slow cache. Anything else is a hash collision.
      if (controllerRefOf(found)?.uid === d.metadata.uid && equalIgnoreHash(d.spec.template, found.spec.template)) {
        created = found;
      } else {
        d.status.collisionCount = (d.status.collisionCount ?? 0) + 1;
        try {
          await updateDeploymentStatus(ctx, d);
          ctx.logger.info({ deployment: d.metadata.name, collisionCount: d.status.collisionCount }, 'hash collision; bumped collisionCount');
        } catch { /* the original error makes the sync retry */ }
        throw err;
      }
    } else if (hasStatusCause(err, NAMESPACE_TERMINATING_CAUSE)) {
      throw err;
    } else {
      const msg = `Failed to create new replica set "${fresh.metadata.name}": ${(err as Error).message}`;
      if (hasProgressDeadline(d)) {
        setCondition(d.status, newCondition(PROGRESSING, 'False', reasons.replicaSetCreateError, msg));
        await updateDeploymentStatus(ctx, d).catch(() => undefined);
      }
      ctx.recorder.event(d, 'Warning', reasons.replicaSetCreateError, msg);
      throw err;
    }
  }
  if (!alreadyExisted && replicas > 0) {
    ctx.recorder.event(d, 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${created.metadata.name} from 0 to ${replicas}`);
  }
  const revisionChanged = setDeploymentRevision(d, String(newRevision));
  if (revisionChanged) await writeDeploymentRevision(ctx, d);
  if (!alreadyExisted && hasProgressDeadline(d)) {
    setCondition(d.status, newCondition(PROGRESSING, 'True', reasons.newReplicaSetCreated, `Created new replica set "${created.metadata.name}"`));
    await updateDeploymentStatus(ctx, d);
  }
  return created;
}

/** isScalingEvent: some active ReplicaSet was sized for a different spec.replicas than the current one. */
export async function isScalingEvent(ctx: DeploymentSyncContext, d: Deployment, rsList: ReplicaSet[]): Promise<boolean> {
  const { newRS, oldRSs } = await getAllReplicaSetsAndSyncRevision(ctx, d, rsList, false);
  return activeReplicaSets([...oldRSs, newRS]).some((rs) => {
    const desired = desiredReplicasOf(rs);
    return desired !== undefined && desired !== d.spec.replicas;
  });
}

/** cleanupDeployment: delete the oldest idle ReplicaSets beyond revisionHistoryLimit. */
export async function cleanupDeployment(ctx: DeploymentSyncContext, oldRSs: ReplicaSet[], d: Deployment): Promise<void> {
  const limit = d.spec.revisionHistoryLimit;
  if (limit === undefined) return;
  const cleanable = oldRSs.filter((rs) => !rs.metadata.deletionTimestamp);
  const diff = cleanable.length - limit;
  if (diff <= 0) return;
  cleanable.sort(byRevision(byCreationTimestamp));
  for (const rs of cleanable.slice(0, diff)) {
    // Only a ReplicaSet with no pods, whose controller has seen its latest spec.
    if ((rs.status?.replicas ?? 0) !== 0 || rs.spec.replicas !== 0 || (rs.metadata.generation ?? 0) > (rs.status?.observedGeneration ?? 0)) continue;
    try {
      await ctx.replicaSets.delete(rs.metadata.namespace!, rs.metadata.name!);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}

// --- status ---------------------------------------------------------------------------------------

const omitZero = (n: number) => (n === 0 ? undefined : n);

/** calculateStatus: counts from the ReplicaSets, and the Available condition. */
export function calculateStatus(allRSs: (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined, d: Deployment): Deployment['status'] {
  const available = availableReplicas(allRSs);
  const unavailable = Math.max(0, specReplicas(allRSs) - available);
  const status: Deployment['status'] = {
    observedGeneration: d.metadata.generation,
    replicas: omitZero(actualReplicas(allRSs)),
    updatedReplicas: omitZero(actualReplicas([newRS])),
    readyReplicas: omitZero(readyReplicas(allRSs)),
    availableReplicas: omitZero(available),
    unavailableReplicas: omitZero(unavailable),
    collisionCount: d.status.collisionCount,
    conditions: d.status.conditions?.map((c) => ({ ...c })),
  };
  if (available >= d.spec.replicas - maxUnavailable(d)) {
    setCondition(status, newCondition(AVAILABLE, 'True', reasons.minimumReplicasAvailable, 'Deployment has minimum availability.'));
  } else {
    setCondition(status, newCondition(AVAILABLE, 'False', reasons.minimumReplicasUnavailable, 'Deployment does not have minimum availability.'));
  }
  return status;
}

export const statusEqual = (a: Deployment['status'], b: Deployment['status']) => canonicalJSON(a) === canonicalJSON(b);

/** syncDeploymentStatus: write the computed status when it differs. */
export async function syncDeploymentStatus(ctx: DeploymentSyncContext, allRSs: (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined, d: Deployment): Promise<void> {
  const status = calculateStatus(allRSs, newRS, d);
  if (statusEqual(d.status, status)) return;
  d.status = status;
  await updateDeploymentStatus(ctx, d);
}

/** sync: for scaling events and paused Deployments — resize without rolling anything out. */
export async function sync(ctx: DeploymentSyncContext, d: Deployment, rsList: ReplicaSet[]): Promise<void> {
  const { newRS, oldRSs } = await getAllReplicaSetsAndSyncRevision(ctx, d, rsList, false);
  await scale(ctx, d, newRS, oldRSs);
  if (d.spec.paused) await cleanupDeployment(ctx, oldRSs, d);
  await syncDeploymentStatus(ctx, [...oldRSs, newRS], newRS, d);
}

/** checkPausedConditions: Progressing=Unknown with DeploymentPaused / DeploymentResumed as spec.paused flips. */
export async function checkPausedConditions(ctx: DeploymentSyncContext, d: Deployment): Promise<void> {
  if (!hasProgressDeadline(d)) return;
  const cond = getCondition(d.status, PROGRESSING);
  // A reported timeout is not overwritten by pausing.
  if (cond?.reason === reasons.progressDeadlineExceeded) return;
  const pausedShown = cond?.reason === reasons.deploymentPaused;
  if (d.spec.paused && !pausedShown) {
    setCondition(d.status, newCondition(PROGRESSING, 'Unknown', reasons.deploymentPaused, 'Deployment is paused'));
  } else if (!d.spec.paused && pausedShown) {
    setCondition(d.status, newCondition(PROGRESSING, 'Unknown', reasons.deploymentResumed, 'Deployment is resumed'));
  } else {
    return;
  }
  await updateDeploymentStatus(ctx, d);
}

/** syncStatusOnly: a Deployment being deleted only has its status kept current. */
export async function syncStatusOnly(ctx: DeploymentSyncContext, d: Deployment, rsList: ReplicaSet[]): Promise<void> {
  const { newRS, oldRSs } = await getAllReplicaSetsAndSyncRevision(ctx, d, rsList, false);
  await syncDeploymentStatus(ctx, [...oldRSs, newRS], newRS, d);
}
