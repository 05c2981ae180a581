// The Job controller (kube 1.32's pkg/controller/job): runs pods from the template until
// spec.completions of them have succeeded, at most spec.parallelism at a time. Every pod carries the
// batch.kubernetes.io/job-tracking finalizer until its end is counted: a finished pod's uid is first
// written to status.uncountedTerminatedPods, then its finalizer is removed, then it moves into the
// succeeded/failed counters, so a pod is counted once even across controller restarts and pod
// deletions. A Job that passes backoffLimit or activeDeadlineSeconds gets FailureTarget, its pods are
// deleted, and Failed follows once none is left terminating; success is SuccessCriteriaMet, then
// Complete. Failed pods are replaced after an exponential back-off; suspend deletes the active pods.
import type { Job } from '../../shared/api/batch.ts';
import type { Pod } from '../../shared/api/pod.ts';
import { resources } from '../../shared/api/registry.ts';
import { isNotFound } from '../../shared/client/api-client.ts';
import { ResourceClient } from '../../shared/client/resource-client.ts';
import { StatusError } from '../../shared/errors.ts';
import { keyOf, splitKey } from '../../shared/informer/indexer.ts';
import { objectOf } from '../../shared/informer/informer.ts';
import { labelSelectorFromObject } from '../../shared/selectors/label-selector-object.ts';
import { WorkQueue } from '../../shared/workqueue.ts';
import type { Controller, ControllerContext } from '../controller-context.ts';
import { adoptPatch, checkFreshOwner, claimObjects, controllerRefOf, newControllerRef, releasePatch } from '../controller-utils/controller-ref.ts';
import { ControllerExpectations } from '../controller-utils/expectations.ts';
import { PodControl } from '../controller-utils/pod-control.ts';
import { isPodActive, isPodReady, podKey } from '../controller-utils/pod-state.ts';
import { deleteActivePods, manageJob, type JobPodDeps } from './job-pods.ts';
import { REMOVE_TRACKING_FINALIZER_PATCH, trackJobStatusAndRemoveFinalizers, type JobStatusDeps, type JobSyncState } from './job-status.ts';
import {
  activeDeadlineRemainingMs, ensureJobCondition, findCondition, hasTrackingFinalizer, isJobFinished, isJobSuspended, isPodFailed,
  isPodTerminating, JOB_TRACKING_FINALIZER, JobBackoffStore, newCondition, pastBackoffLimitOnFailure,
} from './job-tracking.ts';
import { metaTime } from './meta-time.ts';
import { RequeueTimers } from './requeue-timers.ts';

const API_VERSION = 'batch/v1';
const KIND = 'Job';
const CONTROLLER_NAME = 'kubernetes.io/job-controller';
/** Queue keys of orphan pods whose tracking finalizer must go; namespaces cannot contain ':'. */
const ORPHAN_PREFIX = 'orphan-pod:';

export interface JobControllerOptions {
  /** DefaultJobPodFailureBackOff (10s): the delay before replacing a failed pod, doubled per failure. */
  podFailureBackoffMs?: number;
  /** MaxJobPodFailureBackOff (10m). */
  maxPodFailureBackoffMs?: number;
}

export function newJobController(ctx: ControllerContext, options: JobControllerOptions = {}): Controller {
  const jobs = ctx.informers.informerFor(resources.jobs);
  const pods = ctx.informers.informerFor(resources.pods);
  const podClient = new ResourceClient<Pod>(ctx.client, resources.pods);
  const jobClient = new ResourceClient<Job>(ctx.client, resources.jobs);
  const podControl = new PodControl(podClient, ctx.recorder);
  const logger = ctx.logger.child({ controller: 'job' });
  const queue = new WorkQueue<string>();
  const wakeups = new RequeueTimers(queue);
  const expectations = new ControllerExpectations();
  /** Pod uids whose finalizer removal this controller has issued but not yet seen, per Job. */
  const finalizerExpectations = new Map<string, Set<string>>();
  const backoffStore = new JobBackoffStore();

  const ownerOf = (pod: Pod): Job | undefined => {
    const ref = controllerRefOf(pod);
    if (!ref || ref.kind !== KIND) return undefined;
    const job = jobs.get(pod.metadata.namespace!, ref.name);
    return job?.metadata.uid === ref.uid ? job : undefined;
  };
  const selecting = (pod: Pod) => jobs.list(pod.metadata.namespace!).filter((job) => {
    try { return labelSelectorFromObject(job.spec.selector).matches(pod.metadata.labels); } catch { return false; }
  });
  const enqueue = (job: Job) => queue.add(keyOf(job));
  const enqueueOrphan = (pod: Pod) => queue.add(ORPHAN_PREFIX + podKey(pod));
  const finalizerRemovalObserved = (jobKey: string, uid: string | undefined) => {
    if (uid) finalizerExpectations.get(jobKey)?.delete(uid);
  };

  /** The Job's pods still holding the finalizer go to the orphan queue (the Job is done or gone). */
  const cleanupPodFinalizers = (job: Job) => {
    for (const pod of pods.list(job.metadata.namespace!)) {
      if (controllerRefOf(pod)?.uid === job.metadata.uid && hasTrackingFinalizer(pod)) enqueueOrphan(pod);
    }
  };

  /** deletePod: a pod going away (marked or gone) is a deletion the owner may be waiting for. */
  const podGone = (pod: Pod, final: boolean) => {
    const ref = controllerRefOf(pod);
    if (!ref) {
      if (hasTrackingFinalizer(pod)) enqueueOrphan(pod);
      return;
    }
    const job = ownerOf(pod);
    if (!job || isJobFinished(job)) {
      if (hasTrackingFinalizer(pod)) enqueueOrphan(pod);
      return;
    }
    const key = keyOf(job);
    expectations.deletionObserved(key, podKey(pod));
    if (final || !hasTrackingFinalizer(pod)) finalizerRemovalObserved(key, pod.metadata.uid);
    enqueue(job);
  };

  jobs.addEventHandler({
    onAdd: enqueue,
    onUpdate: (_old, job) => {
      enqueue(job);
      // The Job should not have finished with finalizers left; this is the backstop.
      if (isJobFinished(job)) cleanupPodFinalizers(job);
    },
    onDelete: (obj) => {
      const job = objectOf(obj);
      queue.add(keyOf(job));
      cleanupPodFinalizers(job);
    },
  });
  pods.addEventHandler({
    onAdd: (pod) => {
      if (pod.metadata.deletionTimestamp) return podGone(pod, false);
      const job = ownerOf(pod);
      if (job) {
        expectations.creationObserved(keyOf(job));
        enqueue(job);
        return;
      }
      if (controllerRefOf(pod)) return;
      if (hasTrackingFinalizer(pod)) enqueueOrphan(pod);
      selecting(pod).forEach(enqueue);
    },
    onUpdate: (old, pod) => {
      if (old.metadata.resourceVersion === pod.metadata.resourceVersion) return;
      if (pod.metadata.deletionTimestamp) return podGone(pod, false);
      const finalizerRemoved = !hasTrackingFinalizer(pod);
      const oldRef = controllerRefOf(old);
      const ref = controllerRefOf(pod);
      if (oldRef && oldRef.uid !== ref?.uid) {
        const oldJob = ownerOf(old);
        if (oldJob) {
          if (finalizerRemoved) finalizerRemovalObserved(keyOf(oldJob), pod.metadata.uid);
          enqueue(oldJob);
        }
      }
      if (ref) {
        const job = ownerOf(pod);
        if (!job) {
          if (hasTrackingFinalizer(pod)) enqueueOrphan(pod);
          return;
        }
        if (finalizerRemoved) finalizerRemovalObserved(keyOf(job), pod.metadata.uid);
        enqueue(job);
        return;
      }
      if (hasTrackingFinalizer(pod)) enqueueOrphan(pod);
      selecting(pod).forEach(enqueue);
    },
    onDelete: (obj) => podGone(objectOf(obj), true),
  });

  /** syncOrphanPod: removes the finalizer from a pod no unfinished Job of ours owns. */
  async function syncOrphanPod(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const pod = pods.get(namespace, name);
    if (!pod || !hasTrackingFinalizer(pod)) return;
    const ref = controllerRefOf(pod);
    if (ref) {
      if (ref.kind !== KIND || ref.apiVersion !== API_VERSION) return;
      const job = ownerOf(pod);
      if (job?.spec.managedBy && job.spec.managedBy !== CONTROLLER_NAME) return;
      if (job && !isJobFinished(job)) return; // adopted meanwhile
    }
    try {
      await podClient.patch(namespace, name, REMOVE_TRACKING_FINALIZER_PATCH, 'strategic');
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  /** getPodsForJob: adopts matching orphans (adding the finalizer) and releases pods it no longer selects. */
  async function claimPods(job: Job): Promise<Pod[]> {
    const selector = labelSelectorFromObject(job.spec.selector);
    const ref = newControllerRef(job, API_VERSION, KIND);
    const namespace = job.metadata.namespace!;
    const claimed = await claimObjects(pods.list(namespace), {
      owner: job,
      kind: 'Pod',
      match: (pod) => selector.matches(pod.metadata.labels),
      adopt: (pod) => {
        const patch = adoptPatch(ref, pod.metadata.uid);
        return podClient.patch(namespace, pod.metadata.name!, { metadata: { ...patch.metadata, finalizers: [JOB_TRACKING_FINALIZER] } }, 'strategic');
      },
      release: async (pod) => {
        await podClient.patch(namespace, pod.metadata.name!, releasePatch(job.metadata.uid!, pod.metadata.uid), 'strategic');
      },
      recheckOwner: async () => checkFreshOwner(await jobClient.get(namespace, job.metadata.name!), job),
      isNotFound,
      ignoreOnRelease: (err) => err instanceof StatusError && err.reason === 'Invalid',
    });
    return claimed;
  }

  const podDeps: JobPodDeps = {
    podClient, podControl, expectations, wakeups, logger,
    podFailureBackoffMs: options.podFailureBackoffMs ?? 10_000,
    maxPodFailureBackoffMs: options.maxPodFailureBackoffMs ?? 10 * 60_000,
  };
  const statusDeps: JobStatusDeps = { podClient, updateJobStatus: (job) => jobClient.updateStatus(job), finalizerExpectations, backoffStore, recorder: ctx.recorder };

  async function syncJob(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const shared = jobs.get(namespace, name);
    if (!shared) {
      wakeups.forget(key);
      expectations.delete(key);
      finalizerExpectations.delete(key);
      backoffStore.remove(key);
      return;
    }
    if (shared.spec.managedBy && shared.spec.managedBy !== CONTROLLER_NAME) return;
    if (isJobFinished(shared)) {
      backoffStore.remove(key);
      return;
    }
    if (shared.spec.completionMode === 'Indexed') {
      ctx.recorder.event(shared, 'Warning', 'UnknownCompletionMode', 'Skipped Job sync because completion mode Indexed is not supported by this controller');
      return;
    }
    const job = structuredClone(shared);
    job.status.uncountedTerminatedPods ??= {};
    // Expectations first: a pod that enters the cache after this check only defers the sync.
    const satisfiedExpectations = expectations.satisfied(key);
    const claimed = await claimPods(job);
    const activePods = claimed.filter(isPodActive);
    const uncountedStatus = job.status.uncountedTerminatedPods;
    const state: JobSyncState = {
      key, job, pods: claimed, activePods,
      succeeded: 0, failed: 0,
      ready: activePods.filter(isPodReady).length,
      terminating: claimed.filter(isPodTerminating).length,
      uncounted: { succeeded: new Set(uncountedStatus.succeeded ?? []), failed: new Set(uncountedStatus.failed ?? []) },
      expectedRmFinalizers: new Set(finalizerExpectations.get(key) ?? []),
      newBackoffRecord: { key, failuresAfterLastSuccess: 0 },
    };
    let active = activePods.length;
    // getNewFinishedPods: finished pods still holding the finalizer and not yet in the uncounted lists.
    const fresh = (pod: Pod, uncounted: Set<string>) => hasTrackingFinalizer(pod) && !uncounted.has(pod.metadata.uid!) && !state.expectedRmFinalizers.has(pod.metadata.uid!);
    const newSucceeded = claimed.filter((p) => fresh(p, state.uncounted.succeeded) && p.status.phase === 'Succeeded');
    const newFailed = claimed.filter((p) => fresh(p, state.uncounted.failed) && isPodFailed(p, job));
    state.succeeded = (job.status.succeeded ?? 0) + newSucceeded.length + state.uncounted.succeeded.size;
    state.failed = (job.status.failed ?? 0) + newFailed.length + state.uncounted.failed.size;

    const now = Date.now();
    let startTimeSet = false;
    if (!job.status.startTime && !isJobSuspended(job)) {
      job.status.startTime = metaTime(now);
      startTimeSet = true;
    }
    state.newBackoffRecord = backoffStore.newRecord(key, newSucceeded, newFailed);

    let manageError: unknown;
    const successCriteriaMet = findCondition(job, 'SuccessCriteriaMet');
    if (successCriteriaMet?.status === 'True') state.finishedCondition = successCriteriaMet;
    if (!state.finishedCondition) {
      const failureTarget = findCondition(job, 'FailureTarget');
      if (failureTarget?.status === 'True') {
        state.finishedCondition = newCondition('Failed', 'True', failureTarget.reason ?? '', failureTarget.message ?? '', now);
      }
    }
    if (!state.finishedCondition) {
      const deadlineLeft = activeDeadlineRemainingMs(job, now);
      if (state.failed > (job.spec.backoffLimit ?? 6) || pastBackoffLimitOnFailure(job, claimed)) {
        state.finishedCondition = newCondition('FailureTarget', 'True', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit', now);
      } else if (deadlineLeft !== undefined && deadlineLeft <= 0) {
        state.finishedCondition = newCondition('FailureTarget', 'True', 'DeadlineExceeded', 'Job was active longer than specified deadline', now);
      } else if (deadlineLeft !== undefined) {
        wakeups.after(key, deadlineLeft);
      }
    }

    let suspendConditionChanged = false;
    if (state.finishedCondition) {
      const r = await deleteActivePods(podControl, job, activePods);
      // Not finished while pods may remain that the cache has not shown yet.
      if (r.deleted !== active || !satisfiedExpectations) state.finishedCondition = undefined;
      active -= r.deleted;
      state.terminating += r.deleted;
      state.ready -= r.deletedReady;
      manageError = r.error;
    } else {
      let manageJobCalled = false;
      if (satisfiedExpectations && !job.metadata.deletionTimestamp) {
        const r = await manageJob(podDeps, state);
        active = r.active;
        manageError = r.error;
        manageJobCalled = true;
      }
      const completions = job.spec.completions;
      const complete = completions === undefined ? state.succeeded > 0 && active === 0 : state.succeeded >= completions && active === 0;
      if (complete) {
        state.finishedCondition = newCondition('SuccessCriteriaMet', 'True', 'CompletionsReached', 'Reached expected number of succeeded pods', now);
      } else if (manageJobCalled) {
        if (isJobSuspended(job)) {
          if (ensureJobCondition(job, 'Suspended', 'True', 'JobSuspended', 'Job suspended', now)) {
            suspendConditionChanged = true;
            ctx.recorder.event(job, 'Normal', 'Suspended', 'Job suspended');
          }
        } else if (ensureJobCondition(job, 'Suspended', 'False', 'JobResumed', 'Job resumed', now)) {
          suspendConditionChanged = true;
          ctx.recorder.event(job, 'Normal', 'Resumed', 'Job resumed');
          // activeDeadlineSeconds counts the time a Job is continuously active.
          job.status.startTime = metaTime(now);
        }
      }
    }

    const needsStatusUpdate = startTimeSet || suspendConditionChanged || active !== (job.status.active ?? 0)
      || state.ready !== job.status.ready || state.terminating !== job.status.terminating;
    job.status.active = active;
    job.status.ready = state.ready;
    job.status.terminating = state.terminating;
    await trackJobStatusAndRemoveFinalizers(statusDeps, state, needsStatusUpdate);
    if (manageError) throw manageError;
  }

  return {
    name: 'job',
    queue,
    reconcile: (key: string) => (key.startsWith(ORPHAN_PREFIX) ? syncOrphanPod(key.slice(ORPHAN_PREFIX.length)) : syncJob(key)),
    start(signal: AbortSignal) {
      signal.addEventListener('abort', () => wakeups.stop(), { once: true });
    },
  };
}

