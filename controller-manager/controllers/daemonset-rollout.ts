// The RollingUpdate strategy of a DaemonSet (kube's daemon/update.go rollingUpdate), as a plan over
// the pods each node has. Without surge, old pods are deleted while no more than maxUnavailable nodes
// lack an available pod, and the manage loop creates their replacements. With surge, a new pod is
// started next to an old one on up to maxSurge nodes, and the old pod goes once the new one is
// available.
import type { DaemonSet } from '../../shared/api/apps.ts';
import type { Pod } from '../../shared/api/pod.ts';
import { intOrPercentValue } from '../../shared/api/workload.ts';
import { isPodAvailable } from '../controller-utils/pod-state.ts';
import { isPodUpdated, templateGeneration } from './daemonset-pods.ts';

export interface RolloutPlan {
  podsToDelete: string[];
  nodesNeedingPods: string[];
}

/** SurgeCount and UnavailableCount, with kube's fallback to 1 unavailable when both are 0. */
export function rolloutBudget(ds: DaemonSet, desiredNumberScheduled: number): { maxSurge: number; maxUnavailable: number } {
  const ru = ds.spec.updateStrategy.type === 'RollingUpdate' ? ds.spec.updateStrategy.rollingUpdate : undefined;
  const maxSurge = intOrPercentValue(ru?.maxSurge, desiredNumberScheduled, true);
  let maxUnavailable = intOrPercentValue(ru?.maxUnavailable, desiredNumberScheduled, true);
  if (desiredNumberScheduled > 0 && maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1;
  return { maxSurge, maxUnavailable };
}

/** findUpdatedPodsOnNode: at most one new and one old live pod, or ok=false for the manage loop to prune. */
export function updatedPodsOnNode(ds: DaemonSet, pods: Pod[], hash: string): { newPod?: Pod; oldPod?: Pod; ok: boolean } {
  const generation = templateGeneration(ds);
  let newPod: Pod | undefined;
  let oldPod: Pod | undefined;
  for (const pod of pods) {
    if (pod.metadata.deletionTimestamp) continue;
    if (isPodUpdated(pod, hash, generation)) {
      if (newPod) return { ok: false };
      newPod = pod;
    } else {
      if (oldPod) return { ok: false };
      oldPod = pod;
    }
  }
  return { newPod, oldPod, ok: true };
}

export interface RolloutInput {
  ds: DaemonSet;
  hash: string;
  /** Daemon pods by target node, with an empty entry for every node that should run one. */
  nodeToPods: Map<string, Pod[]>;
  desiredNumberScheduled: number;
  shouldRun(nodeName: string): boolean;
  now: number;
}

export function planRollingUpdate(input: RolloutInput): RolloutPlan {
  const { ds, hash, nodeToPods, now } = input;
  const { maxSurge, maxUnavailable } = rolloutBudget(ds, input.desiredNumberScheduled);
  const minReady = ds.spec.minReadySeconds ?? 0;
  const available = (pod: Pod) => isPodAvailable(pod, minReady, now);

  if (maxSurge === 0) {
    let numUnavailable = 0;
    const replacements: string[] = [];
    const candidates: string[] = [];
    for (const pods of nodeToPods.values()) {
      const { newPod, oldPod, ok } = updatedPodsOnNode(ds, pods, hash);
      if (!ok || (!oldPod && !newPod) || (oldPod && newPod)) {
        // The manage loop creates or prunes here; the node counts as unavailable meanwhile.
        numUnavailable++;
      } else if (newPod) {
        if (!available(newPod)) numUnavailable++;
      } else if (!available(oldPod!)) {
        // An old pod that is down anyway is replaced at no cost to availability.
        replacements.push(oldPod!.metadata.name!);
        numUnavailable++;
      } else if (numUnavailable < maxUnavailable) {
        candidates.push(oldPod!.metadata.name!);
      }
    }
    const remaining = Math.min(Math.max(maxUnavailable - numUnavailable, 0), candidates.length);
    return { podsToDelete: [...replacements, ...candidates.slice(0, remaining)], nodesNeedingPods: [] };
  }

  const podsToDelete: string[] = [];
  const shouldNotRun: string[] = [];
  const candidateNodes: string[] = [];
  const allowedNodes: string[] = [];
  let numSurge = 0;
  let numAvailable = 0;
  for (const [nodeName, pods] of nodeToPods) {
    const { newPod, oldPod, ok } = updatedPodsOnNode(ds, pods, hash);
    if (!ok) {
      numSurge++;
      continue;
    }
    if (oldPod ? available(oldPod) : newPod && available(newPod)) numAvailable++;
    if (!oldPod) continue; // the manage loop handles this node
    if (!newPod) {
      if (!available(oldPod)) {
        if (!input.shouldRun(nodeName)) podsToDelete.push(oldPod.metadata.name!);
        else allowedNodes.push(nodeName);
      } else if (!input.shouldRun(nodeName)) {
        shouldNotRun.push(oldPod.metadata.name!);
      } else if (numSurge < maxSurge) {
        candidateNodes.push(nodeName);
      }
    } else if (!available(newPod)) {
      numSurge++;
    } else {
      podsToDelete.push(oldPod.metadata.name!);
    }
  }
  // With surge the owner expects full availability: a pod on a node it may no longer run on goes only
  // once enough pods elsewhere are available.
  const deletable = Math.min(Math.max(numAvailable - input.desiredNumberScheduled, 0), shouldNotRun.length);
  podsToDelete.push(...shouldNotRun.slice(0, deletable));
  const remainingSurge = Math.min(Math.max(maxSurge - numSurge, 0), candidateNodes.length);
  return { podsToDelete, nodesNeedingPods: [...allowedNodes, ...candidateNodes.slice(0, remainingSurge)] };
}
