// How the Job controller records what its pods did (kube's trackJobStatusAndRemoveFinalizers and
// flushUncountedAndRemoveFinalizers): a finished pod's uid goes into status.uncountedTerminatedPods
// first, then its tracking finalizer is removed, then it moves into the succeeded/failed counters.
// Each step is written before the next, so a pod is counted exactly once whatever fails or restarts
// in between. The interim FailureTarget / SuccessCriteriaMet condition is written before any
// finalizer goes; Failed / Complete follows once no pod is uncounted or terminating.
import type { Job } from '../../shared/api/batch.ts';
import type { Pod } from '../../shared/api/pod.ts';
import type { WorkloadCondition } from '../../shared/api/workload.ts';
import { isNotFound } from '../../shared/client/api-client.ts';
import type { ResourceClient } from '../../shared/client/resource-client.ts';
import type { EventRecorder } from '../../shared/events.ts';
import {
  ensureJobCondition, findCondition, hasTrackingFinalizer, isPodFailed, JOB_TRACKING_FINALIZER, newCondition, type BackoffRecord, type JobBackoffStore,
} from './job-tracking.ts';

/** MaxUncountedPods: keeps status.uncountedTerminatedPods small; the rest waits for the next sync. */
const MAX_UNCOUNTED_PODS = 500;

export const REMOVE_TRACKING_FINALIZER_PATCH = { metadata: { '$deleteFromPrimitiveList/finalizers': [JOB_TRACKING_FINALIZER] } };

/** Everything one sync has learnt about a Job; `job` is a private copy whose status is rewritten. */
export interface JobSyncState {
  key: string;
  job: Job;
  pods: Pod[];
  activePods: Pod[];
  finishedCondition?: WorkloadCondition;
  succeeded: number;
  failed: number;
  ready: number;
  terminating: number;
  /** status.uncountedTerminatedPods as the sync found it. */
  uncounted: { succeeded: Set<string>; failed: Set<string> };
  /** Pods whose finalizer removal was issued but not seen yet: already counted. */
  expectedRmFinalizers: Set<string>;
  newBackoffRecord: BackoffRecord;
}

export interface JobStatusDeps {
  podClient: ResourceClient<Pod>;
  updateJobStatus(job: Job): Promise<Job>;
  /** Pod uids whose finalizer removal this controller has issued but not yet seen, per Job key. */
  finalizerExpectations: Map<string, Set<string>>;
  backoffStore: JobBackoffStore;
  recorder: EventRecorder;
}

export async function trackJobStatusAndRemoveFinalizers(deps: JobStatusDeps, state: JobSyncState, needsFlushIn: boolean): Promise<void> {
  let needsFlush = needsFlushIn;
  const { job } = state;
  const uncounted = job.status.uncountedTerminatedPods ?? {};
  job.status.uncountedTerminatedPods = uncounted;
  uncounted.succeeded ??= [];
  uncounted.failed ??= [];
  const withFinalizer = new Set(state.pods.filter((p) => hasTrackingFinalizer(p) && !state.expectedRmFinalizers.has(p.metadata.uid!)).map((p) => p.metadata.uid!));
  if (moveCountedUids(job, withFinalizer)) needsFlush = true;
  const toRemoveFinalizer: Pod[] = [];
  let reachedMaxUncounted = false;
  const finishingAsFailure = state.finishedCondition !== undefined && state.finishedCondition.type !== 'SuccessCriteriaMet';
  for (const pod of state.pods) {
    const uid = pod.metadata.uid!;
    if (!hasTrackingFinalizer(pod) || state.expectedRmFinalizers.has(uid)) continue; // counted in an earlier sync
    const failed = isPodFailed(pod, job);
    const canRemove = !!job.metadata.deletionTimestamp || state.finishedCondition !== undefined || pod.status.phase === 'Succeeded' || failed;
    if (!canRemove) continue;
    toRemoveFinalizer.push(pod);
    if (pod.status.phase === 'Succeeded' && !state.uncounted.failed.has(uid)) {
      if (!state.uncounted.succeeded.has(uid)) {
        uncounted.succeeded.push(uid);
        needsFlush = true;
      }
    } else if ((failed || finishingAsFailure) && !state.uncounted.failed.has(uid)) {
      // A Job that is failing counts every pod it still has as failed.
      uncounted.failed.push(uid);
      needsFlush = true;
    }
    if (uncounted.succeeded.length + uncounted.failed.length >= MAX_UNCOUNTED_PODS) {
      reachedMaxUncounted = true;
      break;
    }
  }
  const finished = state.finishedCondition;
  if (finished?.type === 'FailureTarget') {
    (job.status.conditions ??= []).push(finished);
    needsFlush = true;
    state.finishedCondition = newCondition('Failed', 'True', finished.reason ?? '', finished.message ?? '', Date.now());
  } else if (finished?.type === 'SuccessCriteriaMet') {
    if (!findCondition(job, 'SuccessCriteriaMet')) {
      (job.status.conditions ??= []).push(finished);
      needsFlush = true;
    }
    state.finishedCondition = newCondition('Complete', 'True', finished.reason ?? '', finished.message ?? '', Date.now());
  }

  // 1. The uids are in the status before 2. any finalizer goes, before 3. the counters move.
  if (needsFlush) {
    state.job = await deps.updateJobStatus(tidy(job));
    deps.backoffStore.update(state.newBackoffRecord);
    needsFlush = false;
  }
  const removeError = await removeTrackingFinalizers(deps, state.key, toRemoveFinalizer, withFinalizer);
  if (moveCountedUids(state.job, withFinalizer)) needsFlush = true;
  if (removeError) {
    if (needsFlush) state.job = await deps.updateJobStatus(tidy(state.job));
    throw removeError;
  }
  const jobFinished = !reachedMaxUncounted && enactJobFinished(state);
  if (jobFinished) needsFlush = true;
  if (needsFlush) {
    state.job = await deps.updateJobStatus(tidy(state.job));
    if (jobFinished) recordJobFinished(deps.recorder, state.job, state.finishedCondition!);
  }
}

/** Removes the finalizers; a pod whose finalizer is gone (or the pod itself) leaves `withFinalizer`. */
async function removeTrackingFinalizers(deps: JobStatusDeps, key: string, pods: Pod[], withFinalizer: Set<string>): Promise<unknown> {
  if (pods.length === 0) return undefined;
  const expected = deps.finalizerExpectations.get(key) ?? new Set<string>();
  deps.finalizerExpectations.set(key, expected);
  let error: unknown;
  await Promise.all(pods.map(async (pod) => {
    const uid = pod.metadata.uid!;
    expected.add(uid);
    try {
      await deps.podClient.patch(pod.metadata.namespace!, pod.metadata.name!, REMOVE_TRACKING_FINALIZER_PATCH, 'strategic');
    } catch (err) {
      expected.delete(uid);
      if (!isNotFound(err)) {
        error ??= err;
        return;
      }
    }
    withFinalizer.delete(uid);
  }));
  return error;
}

/** enactJobFinished: the terminal condition, once every pod is counted and none is terminating. */
function enactJobFinished(state: JobSyncState): boolean {
  const finished = state.finishedCondition;
  if (!finished) return false;
  const { job } = state;
  const uncounted = job.status.uncountedTerminatedPods;
  if ((uncounted?.succeeded?.length ?? 0) + (uncounted?.failed?.length ?? 0) > 0) return false;
  if (state.terminating > 0) return false;
  ensureJobCondition(job, finished.type, 'True', finished.reason ?? '', finished.message ?? '', Date.now());
  if (finished.type === 'Complete') job.status.completionTime = findCondition(job, 'Complete')?.lastTransitionTime;
  return true;
}

function recordJobFinished(recorder: EventRecorder, job: Job, finished: WorkloadCondition): void {
  if (finished.type === 'Complete') {
    if (job.spec.completions !== undefined && (job.status.succeeded ?? 0) > job.spec.completions) {
      recorder.event(job, 'Warning', 'TooManySucceededPods', 'Too many succeeded pods running after completion count reached');
    }
    recorder.event(job, 'Normal', 'Completed', 'Job completed');
  } else {
    recorder.event(job, 'Warning', finished.reason ?? 'Failed', finished.message ?? '');
  }
}

/** cleanUncountedPodsWithoutFinalizers: uids whose finalizer is gone move into the counters. */
function moveCountedUids(job: Job, withFinalizer: Set<string>): boolean {
  const uncounted = job.status.uncountedTerminatedPods ?? {};
  job.status.uncountedTerminatedPods = uncounted;
  let changed = false;
  for (const field of ['succeeded', 'failed'] as const) {
    const before = uncounted[field] ?? [];
    const still = before.filter((uid) => withFinalizer.has(uid));
    if (still.length === before.length) continue;
    job.status[field] = (job.status[field] ?? 0) + (before.length - still.length);
    uncounted[field] = still;
    changed = true;
  }
  return changed;
}

/** Empty uid lists are left out, as kube's omitempty does (`uncountedTerminatedPods: {}`). */
function tidy(job: Job): Job {
  const u = job.status.uncountedTerminatedPods ?? {};
  return {
    ...job,
    status: {
      ...job.status,
      uncountedTerminatedPods: { ...(u.succeeded?.length ? { succeeded: u.succeeded } : {}), ...(u.failed?.length ? { failed: u.failed } : {}) },
    },
  };
}
