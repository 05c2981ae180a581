// RollingUpdate (kube's deployment/rolling.go): grow the new ReplicaSet while the total stays within
// replicas+maxSurge, shrink old ones while available pods stay at or above replicas-maxUnavailable,
// one step per sync; each step's ReplicaSet update triggers the next sync.
import type { Deployment, ReplicaSet } from '../../../shared/api/apps.ts';
import { syncRolloutStatus } from './progress.ts';
import { activeReplicaSets, availableReplicas, byCreationTimestamp, deploymentComplete, maxUnavailable, newRSNewReplicas, specReplicas } from './replicasets.ts';
import { scaleReplicaSetAndRecordEvent } from './scale.ts';
import { cleanupDeployment, getAllReplicaSetsAndSyncRevision, type DeploymentSyncContext } from './sync.ts';

export async function rolloutRolling(ctx: DeploymentSyncContext, d: Deployment, rsList: ReplicaSet[]): Promise<void> {
  const { newRS, oldRSs } = await getAllReplicaSetsAndSyncRevision(ctx, d, rsList, true);
  const allRSs = [...oldRSs, newRS!];
  if (await reconcileNewReplicaSet(ctx, allRSs, newRS!, d)) return syncRolloutStatus(ctx, allRSs, newRS, d);
  if (await reconcileOldReplicaSets(ctx, allRSs, activeReplicaSets(oldRSs), newRS!, d)) return syncRolloutStatus(ctx, allRSs, newRS, d);
  if (deploymentComplete(d, d.status)) await cleanupDeployment(ctx, oldRSs, d);
  return syncRolloutStatus(ctx, allRSs, newRS, d);
}

async function reconcileNewReplicaSet(ctx: DeploymentSyncContext, allRSs: ReplicaSet[], newRS: ReplicaSet, d: Deployment): Promise<boolean> {
  if (newRS.spec.replicas === d.spec.replicas) return false;
  const target = newRS.spec.replicas > d.spec.replicas ? d.spec.replicas : newRSNewReplicas(d, allRSs, newRS);
  return (await scaleReplicaSetAndRecordEvent(ctx, newRS, target, d)).scaled;
}

async function reconcileOldReplicaSets(ctx: DeploymentSyncContext, allRSs: ReplicaSet[], oldRSs: ReplicaSet[], newRS: ReplicaSet, d: Deployment): Promise<boolean> {
  const oldPods = specReplicas(oldRSs);
  if (oldPods === 0) return false;
  const allPods = specReplicas(allRSs);
  const minAvailable = d.spec.replicas - maxUnavailable(d);
  const newUnavailable = newRS.spec.replicas - (newRS.status?.availableReplicas ?? 0);
  // What may go without dropping below minAvailable, counting the new pods that are not up yet as
  // already missing: scaling down then never relies on pods that may never become available.
  const maxScaledDown = allPods - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return false;
  try {
    const { rsList, count: cleaned } = await cleanupUnhealthyReplicas(ctx, oldRSs, d, maxScaledDown);
    const scaledDown = await scaleDownOldReplicaSetsForRollingUpdate(ctx, [...rsList, newRS], rsList, d);
    return cleaned + scaledDown > 0;
  } catch (err) {
    // Kube drops the error here and lets the ReplicaSet update events drive the next sync.
    ctx.logger.debug({ deployment: d.metadata.name, err: (err as Error).message }, 'scaling down old replica sets failed');
    return false;
  }
}

/** Old ReplicaSets' unavailable pods go first: removing them costs no availability. */
async function cleanupUnhealthyReplicas(ctx: DeploymentSyncContext, oldRSs: ReplicaSet[], d: Deployment, maxCleanup: number): Promise<{ rsList: ReplicaSet[]; count: number }> {
  const rsList = [...oldRSs].sort(byCreationTimestamp);
  let total = 0;
  for (const [i, rs] of rsList.entries()) {
    if (total >= maxCleanup) break;
    const available = rs.status?.availableReplicas ?? 0;
    if (rs.spec.replicas === 0 || rs.spec.replicas === available) continue;
    const count = Math.min(maxCleanup - total, rs.spec.replicas - available);
    // A status written before the controller saw the last scale-down counts more available pods than
    // spec.replicas; "cleaning up" then would scale the old ReplicaSet back up and its controller would
    // replace pods it has just deleted, beyond replicas+maxSurge. Kube refuses the same way; the status
    // update that follows triggers the next sync.
    if (count < 0) throw new Error(`when cleaning up unhealthy replicas, got invalid request to scale down ${rs.metadata.name} ${rs.spec.replicas} -> ${rs.spec.replicas - count}`);
    const { rs: updated } = await scaleReplicaSetAndRecordEvent(ctx, rs, rs.spec.replicas - count, d);
    total += count;
    rsList[i] = updated;
  }
  return { rsList, count: total };
}

/** Then healthy old pods, oldest ReplicaSets first, as far as availability above minAvailable allows. */
async function scaleDownOldReplicaSetsForRollingUpdate(ctx: DeploymentSyncContext, allRSs: ReplicaSet[], oldRSs: ReplicaSet[], d: Deployment): Promise<number> {
  const minAvailable = d.spec.replicas - maxUnavailable(d);
  const available = availableReplicas(allRSs);
  if (available <= minAvailable) return 0;
  const toScaleDown = available - minAvailable;
  let total = 0;
  for (const rs of [...oldRSs].sort(byCreationTimestamp)) {
    if (total >= toScaleDown) break;
    if (rs.spec.replicas === 0) continue;
    const count = Math.min(rs.spec.replicas, toScaleDown - total);
    await scaleReplicaSetAndRecordEvent(ctx, rs, rs.spec.replicas - count, d);
    total += count;
  }
  return total;
}
