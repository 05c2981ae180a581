// The Progressing condition during a rollout (kube's deployment/progress.go): NewReplicaSetAvailable
// when complete, ReplicaSetUpdated (lastUpdateTime refreshed) while pods move forward, and
// ProgressDeadlineExceeded when nothing moved for progressDeadlineSeconds — which `kubectl rollout
// status` reports as a failure. A rollout that is not moving is re-checked when its deadline falls due.
import type { Deployment, ReplicaSet } from '../../../shared/api/apps.ts';
import type { WorkloadCondition } from '../../../shared/api/workload.ts';
import { fromReplicaSetCondition, getCondition, newCondition, PROGRESSING, reasons, REPLICA_FAILURE, removeCondition, setCondition } from './conditions.ts';
import { deploymentComplete, deploymentProgressing, hasProgressDeadline } from './replicasets.ts';
import { calculateStatus, statusEqual, updateDeploymentStatus, type DeploymentSyncContext } from './sync.ts';

/** DeploymentTimedOut: the Progressing condition has not been refreshed for progressDeadlineSeconds. */
function deploymentTimedOut(d: Deployment, status: Deployment['status'], now: number): boolean {
  if (!hasProgressDeadline(d)) return false;
  const cond = getCondition(status, PROGRESSING);
  if (!cond || cond.reason === reasons.newReplicaSetAvailable) return false;
  if (cond.reason === reasons.progressDeadlineExceeded) return true;
  const from = cond.lastUpdateTime ? Date.parse(cond.lastUpdateTime) : NaN;
  return !Number.isNaN(from) && from + d.spec.progressDeadlineSeconds * 1000 < now;
}

/** getReplicaFailures: the new ReplicaSet's ReplicaFailure condition, else any old one's. */
function replicaFailures(allRSs: (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined): WorkloadCondition[] {
  const failuresOf = (rs: ReplicaSet | undefined) => (rs?.status?.conditions ?? []).filter((c) => c.type === REPLICA_FAILURE).map(fromReplicaSetCondition);
  const fromNew = failuresOf(newRS);
  return fromNew.length ? fromNew : allRSs.flatMap(failuresOf);
}

/** requeueStuckDeployment: come back when the deadline of a rollout that is not moving falls due. */
function requeueStuckDeployment(ctx: DeploymentSyncContext, d: Deployment, status: Deployment['status'], now: number): void {
  const cond = getCondition(d.status, PROGRESSING);
  if (!hasProgressDeadline(d) || !cond) return;
  if (deploymentComplete(d, status) || cond.reason === reasons.progressDeadlineExceeded) return;
  const last = cond.lastUpdateTime ? Date.parse(cond.lastUpdateTime) : now;
  const after = last + d.spec.progressDeadlineSeconds * 1000 - now;
  // Under a second left: check again soon (rate limited), it will be decided either way.
  if (after < 1000) ctx.enqueueRateLimited(d);
  else ctx.enqueueAfter(d, after + 1000);
}

export async function syncRolloutStatus(ctx: DeploymentSyncContext, allRSs: (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined, d: Deployment, now = Date.now()): Promise<void> {
  const status = calculateStatus(allRSs, newRS, d);
  if (!hasProgressDeadline(d)) removeCondition(status, PROGRESSING);
  const current = getCondition(d.status, PROGRESSING);
  const complete = (status.replicas ?? 0) === (status.updatedReplicas ?? 0) && current?.reason === reasons.newReplicaSetAvailable;
  if (hasProgressDeadline(d) && !complete) {
    if (deploymentComplete(d, status)) {
      const msg = newRS ? `ReplicaSet "${newRS.metadata.name}" has successfully progressed.` : `Deployment "${d.metadata.name}" has successfully progressed.`;
      setCondition(status, newCondition(PROGRESSING, 'True', reasons.newReplicaSetAvailable, msg, now));
    } else if (deploymentProgressing(d, status)) {
      const msg = newRS ? `ReplicaSet "${newRS.metadata.name}" is progressing.` : `Deployment "${d.metadata.name}" is progressing.`;
      const cond = newCondition(PROGRESSING, 'True', reasons.replicaSetUpdated, msg, now);
      // Progress refreshes lastUpdateTime even when the reason stays the same (setCondition would not).
      if (current) {
        if (current.status === 'True') cond.lastTransitionTime = current.lastTransitionTime;
        removeCondition(status, PROGRESSING);
      }
      setCondition(status, cond);
    } else if (deploymentTimedOut(d, status, now)) {
      const msg = newRS ? `ReplicaSet "${newRS.metadata.name}" has timed out progressing.` : `Deployment "${d.metadata.name}" has timed out progressing.`;
      setCondition(status, newCondition(PROGRESSING, 'False', reasons.progressDeadlineExceeded, msg, now));
    }
  }
  const failures = replicaFailures(allRSs, newRS);
  if (failures.length) setCondition(status, failures[0]);
  else removeCondition(status, REPLICA_FAILURE);

  if (statusEqual(d.status, status)) {
    requeueStuckDeployment(ctx, d, status, now);
    return;
  }
  d.status = status;
  await updateDeploymentStatus(ctx, d);
}
