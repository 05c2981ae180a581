// Deployment conditions and their reasons (kube's pkg/controller/deployment/util): Available says
// whether enough pods are up, Progressing says how the latest rollout is going, ReplicaFailure
// carries a ReplicaSet's failure to create or delete pods.
import type { DeploymentStatus } from '../../../shared/api/apps.ts';
import type { WorkloadCondition } from '../../../shared/api/workload.ts';

export const AVAILABLE = 'Available';
export const PROGRESSING = 'Progressing';
export const REPLICA_FAILURE = 'ReplicaFailure';

export const reasons = {
  /** Progressing: a new ReplicaSet was created for the template. */
  newReplicaSetCreated: 'NewReplicaSetCreated',
  /** Progressing: an existing ReplicaSet already has the template. */
  foundNewReplicaSet: 'FoundNewReplicaSet',
  /** Progressing: the rollout moved forward. */
  replicaSetUpdated: 'ReplicaSetUpdated',
  /** Progressing: the rollout is complete. */
  newReplicaSetAvailable: 'NewReplicaSetAvailable',
  /** Progressing=False: no progress within progressDeadlineSeconds. */
  progressDeadlineExceeded: 'ProgressDeadlineExceeded',
  /** Progressing=False: creating the new ReplicaSet failed. */
  replicaSetCreateError: 'ReplicaSetCreateError',
  deploymentPaused: 'DeploymentPaused',
  deploymentResumed: 'DeploymentResumed',
  minimumReplicasAvailable: 'MinimumReplicasAvailable',
  minimumReplicasUnavailable: 'MinimumReplicasUnavailable',
} as const;

export const nowTimestamp = (now = Date.now()) => new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z');

export function newCondition(type: string, status: WorkloadCondition['status'], reason: string, message: string, now = Date.now()): WorkloadCondition {
  const ts = nowTimestamp(now);
  return { type, status, lastUpdateTime: ts, lastTransitionTime: ts, reason, message };
}

export const getCondition = (status: DeploymentStatus, type: string): WorkloadCondition | undefined =>
  status.conditions?.find((c) => c.type === type);

/**
 * SetDeploymentCondition: same status and reason changes nothing (not even the message); same status
 * keeps lastTransitionTime. The condition moves to the end of the list, as in kube.
 */
export function setCondition(status: DeploymentStatus, condition: WorkloadCondition): void {
  const current = getCondition(status, condition.type);
  if (current && current.status === condition.status && current.reason === condition.reason) return;
  if (current && current.status === condition.status) condition.lastTransitionTime = current.lastTransitionTime;
  status.conditions = [...(status.conditions ?? []).filter((c) => c.type !== condition.type), condition];
}

export function removeCondition(status: DeploymentStatus, type: string): void {
  if (!status.conditions) return;
  status.conditions = status.conditions.filter((c) => c.type !== type);
  if (status.conditions.length === 0) delete status.conditions;
}

/** A ReplicaSet's condition as a Deployment condition (DeploymentConditionFromReplicaSetCondition). */
export const fromReplicaSetCondition = (c: WorkloadCondition): WorkloadCondition => ({
  type: c.type, status: c.status, lastUpdateTime: c.lastTransitionTime, lastTransitionTime: c.lastTransitionTime, reason: c.reason, message: c.message,
});
