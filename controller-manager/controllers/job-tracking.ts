// The Job controller's reading of pods and conditions (kube's job_controller.go and backoff_utils.go):
// when a pod counts as failed, when the backoff limit or the active deadline is passed, the Job's
// conditions, and the exponential delay before replacing failed pods.
import type { Job } from '../../shared/api/batch.ts';
import type { Pod } from '../../shared/api/pod.ts';
import type { WorkloadCondition } from '../../shared/api/workload.ts';
import { metaTime, parseTime } from './meta-time.ts';

/** batch.JobTrackingFinalizer: a pod keeps it until its end has been counted in the Job's status. */
export const JOB_TRACKING_FINALIZER = 'batch.kubernetes.io/job-tracking';

export const hasTrackingFinalizer = (pod: Pod): boolean => pod.metadata.finalizers?.includes(JOB_TRACKING_FINALIZER) ?? false;

export const findCondition = (job: Job, type: string): WorkloadCondition | undefined => job.status.conditions?.find((c) => c.type === type);

/** Finished: a Complete or Failed condition that is True (util.IsJobFinished). */
export const isJobFinished = (job: Job): boolean =>
  (job.status.conditions ?? []).some((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');

export const isJobSuspended = (job: Job): boolean => job.spec.suspend === true;

export function newCondition(type: string, status: 'True' | 'False' | 'Unknown', reason: string, message: string, now: number): WorkloadCondition {
  const at = metaTime(now);
  return { type, status, lastProbeTime: at, lastTransitionTime: at, reason, message };
}

/**
 * ensureJobConditionStatus: sets the condition of that type, or appends it; a False condition is
 * never appended (going from nothing to False says nothing). Reports whether anything changed.
 */
export function ensureJobCondition(job: Job, type: string, status: 'True' | 'False', reason: string, message: string, now: number): boolean {
  const conditions = job.status.conditions ?? [];
  const i = conditions.findIndex((c) => c.type === type);
  if (i >= 0) {
    const c = conditions[i];
    if (c.status === status && c.reason === reason && c.message === message) return false;
    conditions[i] = newCondition(type, status, reason, message, now);
  } else {
    if (status === 'False') return false;
    conditions.push(newCondition(type, status, reason, message, now));
  }
  job.status.conditions = conditions;
  return true;
}

/** Failed pods alone are replaced (podReplacementPolicy Failed, or any podFailurePolicy). */
export const onlyReplaceFailedPods = (job: Job): boolean => job.spec.podReplacementPolicy === 'Failed' || job.spec.podFailurePolicy !== undefined;

/** A pod that failed, or one being deleted before it succeeded (it may never reach Failed). */
export function isPodFailed(pod: Pod, job: Job): boolean {
  if (pod.status.phase === 'Failed') return true;
  if (onlyReplaceFailedPods(job)) return false;
  return !!pod.metadata.deletionTimestamp && pod.status.phase !== 'Succeeded';
}

/** Being deleted but not finished: still holds resources on its node. */
export const isPodTerminating = (pod: Pod): boolean =>
  !!pod.metadata.deletionTimestamp && pod.status.phase !== 'Succeeded' && pod.status.phase !== 'Failed';

/** With restartPolicy OnFailure, container restarts of running pods count against the backoff limit. */
export function pastBackoffLimitOnFailure(job: Job, pods: Pod[]): boolean {
  if (job.spec.template.spec.restartPolicy !== 'OnFailure') return false;
  let restarts = 0;
  for (const pod of pods) {
    if (pod.status.phase !== 'Running' && pod.status.phase !== 'Pending') continue;
    for (const s of [...(pod.status.initContainerStatuses ?? []), ...(pod.status.containerStatuses ?? [])]) restarts += s.restartCount ?? 0;
  }
  const limit = job.spec.backoffLimit ?? 6;
  return limit === 0 ? restarts > 0 : restarts >= limit;
}

/** How long the Job may still run before activeDeadlineSeconds (undefined: no deadline applies). */
export function activeDeadlineRemainingMs(job: Job, now: number): number | undefined {
  const start = parseTime(job.status.startTime);
  if (job.spec.activeDeadlineSeconds === undefined || start === undefined || isJobSuspended(job)) return undefined;
  return start + job.spec.activeDeadlineSeconds * 1000 - now;
}

/** When a finished pod finished: its last container's end, else when it stopped being Ready, else its deletion. */
export function podFinishedTime(pod: Pod): number {
  let latest: number | undefined;
  for (const s of [...(pod.status.initContainerStatuses ?? []), ...(pod.status.containerStatuses ?? [])]) {
    const t = parseTime(s.state?.terminated?.finishedAt);
    if (t !== undefined && (latest === undefined || t > latest)) latest = t;
  }
  if (latest !== undefined) return latest;
  const ready = pod.status.conditions?.find((c) => c.type === 'Ready');
  const readyFalse = ready?.status === 'False' ? parseTime(ready.lastTransitionTime) : undefined;
  return readyFalse ?? parseTime(pod.metadata.deletionTimestamp) ?? parseTime(pod.metadata.creationTimestamp) ?? Date.now();
}

export interface BackoffRecord {
  key: string;
  failuresAfterLastSuccess: number;
  lastFailureTime?: number;
}

/** Pod-failure back-off per Job: failures since the last success, and when the last one happened. */
export class JobBackoffStore {
  private readonly records = new Map<string, BackoffRecord>();

  /** The record after the newly finished pods (kept only once the status that counts them is written). */
  newRecord(key: string, newSucceeded: Pod[], newFailed: Pod[]): BackoffRecord {
    const old = this.records.get(key);
    const record: BackoffRecord = { key, failuresAfterLastSuccess: old?.failuresAfterLastSuccess ?? 0, lastFailureTime: old?.lastFailureTime };
    const failedTimes = newFailed.map(podFinishedTime).sort((a, b) => a - b);
    if (newSucceeded.length === 0) {
      if (failedTimes.length === 0) return record;
      return { key, failuresAfterLastSuccess: record.failuresAfterLastSuccess + failedTimes.length, lastFailureTime: failedTimes[failedTimes.length - 1] };
    }
    const lastSuccess = Math.max(...newSucceeded.map(podFinishedTime));
    const after = failedTimes.filter((t) => t > lastSuccess);
    return { key, failuresAfterLastSuccess: after.length, lastFailureTime: after.length ? after[after.length - 1] : undefined };
  }

  update(record: BackoffRecord): void {
    this.records.set(record.key, record);
  }

  remove(key: string): void {
    this.records.delete(key);
  }
}

/** The delay left before replacing failed pods: base doubled per failure after the first, capped. */
export function backoffRemainingMs(record: BackoffRecord, now: number, baseMs: number, maxMs: number): number {
  if (record.failuresAfterLastSuccess === 0 || record.lastFailureTime === undefined) return 0;
  let backoff = baseMs;
  for (let i = 1; i < record.failuresAfterLastSuccess && backoff < maxMs; i++) backoff = Math.min(backoff * 2, maxMs);
  const elapsed = now - record.lastFailureTime;
  return elapsed > backoff ? 0 : backoff - elapsed;
}
