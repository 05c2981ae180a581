// How the Job controller starts and stops pods (kube's manageJob, deleteJobPods, deleteActivePods):
// toward min(parallelism, completions left) active pods, creating in slow-start batches after the
// pod-failure back-off, and deleting the least useful pods first. Pods deleted because of suspend or
// surplus lose their tracking finalizer first (they are not failures); a finishing Job's pods keep it,
// so they are counted as failed.
import type { Job } from '../../shared/api/batch.ts';
import type { Pod } from '../../shared/api/pod.ts';
import { isNotFound } from '../../shared/client/api-client.ts';
import type { ResourceClient } from '../../shared/client/resource-client.ts';
import type { Logger } from '../../shared/log.ts';
import { newControllerRef } from '../controller-utils/controller-ref.ts';
import type { ControllerExpectations } from '../controller-utils/expectations.ts';
import type { PodControl } from '../controller-utils/pod-control.ts';
import { isPodReady, podKey } from '../controller-utils/pod-state.ts';
import { podsToDelete as rankPodsForDeletion } from '../controller-utils/pods-to-delete.ts';
import { SLOW_START_INITIAL_BATCH_SIZE, slowStartBatch } from '../controller-utils/slow-start.ts';
import { REMOVE_TRACKING_FINALIZER_PATCH, type JobSyncState } from './job-status.ts';
import { backoffRemainingMs, hasTrackingFinalizer, isJobSuspended, JOB_TRACKING_FINALIZER, onlyReplaceFailedPods } from './job-tracking.ts';
import type { RequeueTimers } from './requeue-timers.ts';

/** MaxPodCreateDeletePerSync. */
const MAX_POD_CREATE_DELETE_PER_SYNC = 500;

export interface JobPodDeps {
  podClient: ResourceClient<Pod>;
  podControl: PodControl;
  expectations: ControllerExpectations;
  wakeups: RequeueTimers;
  logger: Logger;
  podFailureBackoffMs: number;
  maxPodFailureBackoffMs: number;
}

interface Deleted { deleted: number; deletedReady: number; error?: unknown }

async function deleteEach(victims: Pod[], remove: (pod: Pod) => Promise<void>): Promise<Deleted> {
  const r: Deleted = { deleted: 0, deletedReady: 0 };
  await Promise.all(victims.map(async (pod) => {
    try {
      await remove(pod);
    } catch (err) {
      if (!isNotFound(err)) {
        r.error ??= err;
        return;
      }
    }
    r.deleted++;
    if (isPodReady(pod)) r.deletedReady++;
  }));
  return r;
}

/** deleteJobPods: pods removed without being counted: finalizer off, then delete. */
function deleteJobPods(deps: JobPodDeps, job: Job, key: string, victims: Pod[]): Promise<Deleted> {
  return deleteEach(victims, async (pod) => {
    try {
      if (hasTrackingFinalizer(pod)) await deps.podClient.patch(pod.metadata.namespace!, pod.metadata.name!, REMOVE_TRACKING_FINALIZER_PATCH, 'strategic');
      await deps.podControl.deletePod(job.metadata.namespace!, pod.metadata.name!, job);
    } catch (err) {
      // The informer will not show this deletion.
      deps.expectations.deletionObserved(key, podKey(pod));
      throw err;
    }
  });
}

/** deleteActivePods: a finishing Job's pods, deleted with their finalizers so they are counted. */
export function deleteActivePods(podControl: PodControl, job: Job, victims: Pod[]): Promise<Deleted> {
  return deleteEach(victims, (pod) => podControl.deletePod(job.metadata.namespace!, pod.metadata.name!, job));
}

/** manageJob: creates or deletes pods toward the wanted number of active ones; returns active. */
export async function manageJob(deps: JobPodDeps, state: JobSyncState): Promise<{ active: number; error?: unknown }> {
  const { job, key } = state;
  const active = state.activePods.length;
  const parallelism = job.spec.parallelism ?? 1;
  const removePods = async (victims: Pod[]) => {
    deps.expectations.expectDeletions(key, victims.map(podKey));
    const r = await deleteJobPods(deps, job, key, victims);
    state.terminating += r.deleted;
    state.ready -= r.deletedReady;
    return { active: active - r.deleted, error: r.error };
  };
  if (isJobSuspended(job)) return removePods(state.activePods);

  const completions = job.spec.completions;
  // Without completions, once one pod has succeeded the rest are left to finish.
  const wantActive = completions === undefined
    ? (state.succeeded > 0 ? active : parallelism)
    : Math.max(0, Math.min(completions - state.succeeded, parallelism));
  const rmAtLeast = Math.max(0, active - wantActive);
  if (rmAtLeast > 0) {
    deps.logger.debug({ job: key, deleting: rmAtLeast, wantActive }, 'too many pods running for job');
    return removePods(rankPodsForDeletion(state.activePods, [], Math.min(rmAtLeast, MAX_POD_CREATE_DELETE_PER_SYNC)));
  }

  const terminating = onlyReplaceFailedPods(job) ? state.terminating : 0;
  const diff = Math.min(wantActive - terminating - active, MAX_POD_CREATE_DELETE_PER_SYNC);
  if (diff <= 0) return { active };
  const wait = backoffRemainingMs(state.newBackoffRecord, Date.now(), deps.podFailureBackoffMs, deps.maxPodFailureBackoffMs);
  if (wait > 0) {
    deps.wakeups.after(key, wait);
    return { active };
  }
  deps.expectations.expectCreations(key, diff);
  const template = structuredClone(job.spec.template);
  template.metadata.finalizers = [...new Set([...(template.metadata.finalizers ?? []), JOB_TRACKING_FINALIZER])];
  const ref = newControllerRef(job, 'batch/v1', 'Job');
  let attempted = 0;
  const { successes, error } = await slowStartBatch(diff, SLOW_START_INITIAL_BATCH_SIZE, async () => {
    attempted++;
    try {
      await deps.podControl.createPod(job.metadata.namespace!, template, job, ref);
    } catch (err) {
      deps.expectations.creationObserved(key);
      throw err;
    }
  });
  // Creates never attempted after a failed batch are not awaited either.
  for (let i = attempted; i < diff; i++) deps.expectations.creationObserved(key);
  return { active: active + successes, error };
}
