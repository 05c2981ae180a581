// A DaemonSet's status as kube's updateDaemonSetStatus computes it: per node that should run the
// DaemonSet, whether it has a pod (current), whether the oldest one is Ready, available and made
// from the current template; pods on nodes that should not run it are misscheduled.
import type { DaemonSet } from '../../shared/api/apps.ts';
import type { Node } from '../../shared/api/node.ts';
import type { Pod } from '../../shared/api/pod.ts';
import { isPodAvailable, isPodReady } from '../controller-utils/pod-state.ts';
import { byCreationTimestampAndPhase, isPodUpdated, nodeShouldRunDaemonPod, templateGeneration } from './daemonset-pods.ts';

export interface DaemonSetCounts {
  desiredNumberScheduled: number;
  currentNumberScheduled: number;
  numberMisscheduled: number;
  numberReady: number;
  updatedNumberScheduled: number;
  numberAvailable: number;
  numberUnavailable: number;
}

/** The counts from the nodes and the daemon pods by target node. */
export function countDaemonSetStatus(ds: DaemonSet, nodeList: Node[], byNode: Map<string, Pod[]>, hash: string, now: number): DaemonSetCounts {
  const counts: DaemonSetCounts = {
    desiredNumberScheduled: 0, currentNumberScheduled: 0, numberMisscheduled: 0, numberReady: 0, updatedNumberScheduled: 0, numberAvailable: 0, numberUnavailable: 0,
  };
  const generation = templateGeneration(ds);
  for (const node of nodeList) {
    const { shouldRun } = nodeShouldRunDaemonPod(node, ds);
    const daemonPods = byNode.get(node.metadata.name!) ?? [];
    if (!shouldRun) {
      if (daemonPods.length) counts.numberMisscheduled++;
      continue;
    }
    counts.desiredNumberScheduled++;
    if (!daemonPods.length) continue;
    counts.currentNumberScheduled++;
    const pod = [...daemonPods].sort(byCreationTimestampAndPhase)[0];
    if (isPodReady(pod)) {
      counts.numberReady++;
      if (isPodAvailable(pod, ds.spec.minReadySeconds ?? 0, now)) counts.numberAvailable++;
    }
    if (isPodUpdated(pod, hash, generation)) counts.updatedNumberScheduled++;
  }
  counts.numberUnavailable = counts.desiredNumberScheduled - counts.numberAvailable;
  return counts;
}

/** Nothing to write: the counts match and this generation has been observed. */
export function statusUpToDate(ds: DaemonSet, counts: DaemonSetCounts): boolean {
  const s = ds.status;
  return s.desiredNumberScheduled === counts.desiredNumberScheduled && s.currentNumberScheduled === counts.currentNumberScheduled
    && s.numberMisscheduled === counts.numberMisscheduled && s.numberReady === counts.numberReady
    && (s.updatedNumberScheduled ?? 0) === counts.updatedNumberScheduled && (s.numberAvailable ?? 0) === counts.numberAvailable
    && (s.numberUnavailable ?? 0) === counts.numberUnavailable && (s.observedGeneration ?? 0) >= (ds.metadata.generation ?? 0);
}

/** The DaemonSet with these counts; the optional ones are left out when zero, as kube's JSON does. */
export function withStatus(target: DaemonSet, counts: DaemonSetCounts, observedGeneration: number | undefined): DaemonSet {
  return {
    ...target,
    status: {
      ...target.status,
      desiredNumberScheduled: counts.desiredNumberScheduled,
      currentNumberScheduled: counts.currentNumberScheduled,
      numberMisscheduled: counts.numberMisscheduled,
      numberReady: counts.numberReady,
      updatedNumberScheduled: counts.updatedNumberScheduled || undefined,
      numberAvailable: counts.numberAvailable || undefined,
      numberUnavailable: counts.numberUnavailable || undefined,
      observedGeneration,
    },
  };
}
