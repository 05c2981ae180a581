// Which pods a ReplicaSet deletes first when it scales down: kube's ActivePodsWithRanks ordering
// (pkg/controller/controller_utils.go) and getPodsToDelete (pkg/controller/replicaset). The least
// useful pods go first: unscheduled before scheduled, Pending before Unknown before Running, not ready
// before ready, lower pod-deletion-cost first, pods doubled up on a node with related pods first, then
// the most recently ready, the most restarted, the newest (times compared on a log2 scale, so that
// pods of roughly the same age are picked at random rather than strictly the youngest).
import type { Pod } from '../../shared/api/pod.ts';
import { isPodActive, isPodReady, podReadyTime } from './pod-state.ts';

export const POD_DELETION_COST_ANNOTATION = 'controller.kubernetes.io/pod-deletion-cost';

const phaseOrdinal: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

/** The pod-deletion-cost annotation as an int32; 0 when absent or invalid (GetDeletionCostFromPodAnnotations). */
export function deletionCost(pod: Pod): number {
  const value = pod.metadata?.annotations?.[POD_DELETION_COST_ANNOTATION];
  if (value === undefined || !/^(-\d+|0|[1-9]\d*)$/.test(value)) return 0;
  const n = Number(value);
  return n >= -(2 ** 31) && n < 2 ** 31 ? n : 0;
}

const maxContainerRestarts = (pod: Pod) => Math.max(0, ...(pod.status?.containerStatuses ?? []).map((c) => c.restartCount ?? 0));

const timeOf = (t: string | undefined) => {
  const ms = t ? Date.parse(t) : NaN;
  return Number.isNaN(ms) ? undefined : ms;
};

/** afterOrZero: a missing time sorts as the latest. */
const afterOrZero = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? a === undefined : a > b);

/** Difference of the base-2 log ranks of two ages, in nanoseconds as kube measures them. */
function logarithmicRankDiff(a: number, b: number, now: number): number {
  const rank = (t: number) => {
    const d = (now - t) * 1e6;
    return d > 0 ? Math.trunc(Math.log2(d)) : -1;
  };
  return rank(a) - rank(b);
}

/** Newer first, on the log scale; ties broken by UID so the choice is arbitrary but stable. */
function newerFirst(a: Pod, b: Pod, ta: number | undefined, tb: number | undefined, now: number): number | undefined {
  if (ta === tb) return undefined;
  if (ta === undefined || tb === undefined) return afterOrZero(ta, tb) ? -1 : 1;
  const diff = logarithmicRankDiff(ta, tb, now);
  if (diff === 0) return (a.metadata?.uid ?? '') < (b.metadata?.uid ?? '') ? -1 : (a.metadata?.uid ?? '') > (b.metadata?.uid ?? '') ? 1 : 0;
  return diff < 0 ? -1 : 1;
}

interface Ranked { pod: Pod; rank: number }

/** Negative when `a` should be deleted before `b` (ActivePodsWithRanks.Less). */
function compareForDeletion(a: Ranked, b: Ranked, now: number): number {
  const pa = a.pod;
  const pb = b.pod;
  const assignedA = !!pa.spec?.nodeName;
  const assignedB = !!pb.spec?.nodeName;
  if (assignedA !== assignedB) return assignedA ? 1 : -1;
  const phaseA = phaseOrdinal[pa.status?.phase ?? ''] ?? 0;
  const phaseB = phaseOrdinal[pb.status?.phase ?? ''] ?? 0;
  if (phaseA !== phaseB) return phaseA - phaseB;
  const readyA = isPodReady(pa);
  const readyB = isPodReady(pb);
  if (readyA !== readyB) return readyA ? 1 : -1;
  const costA = deletionCost(pa);
  const costB = deletionCost(pb);
  if (costA !== costB) return costA - costB;
  if (a.rank !== b.rank) return b.rank - a.rank;
  if (readyA && readyB) {
    const byReady = newerFirst(pa, pb, podReadyTime(pa), podReadyTime(pb), now);
    if (byReady !== undefined) return byReady;
  }
  const restartsA = maxContainerRestarts(pa);
  const restartsB = maxContainerRestarts(pb);
  if (restartsA !== restartsB) return restartsB - restartsA;
  return newerFirst(pa, pb, timeOf(pa.metadata?.creationTimestamp), timeOf(pb.metadata?.creationTimestamp), now) ?? 0;
}

/**
 * The `count` pods of `pods` to delete first. `relatedPods` are the pods of every ReplicaSet with
 * the same controller (a Deployment's other revisions): a pod sharing its node with many of them is
 * deleted first, to spread what is left.
 */
export function podsToDelete(pods: Pod[], relatedPods: Pod[], count: number, now = Date.now()): Pod[] {
  if (count >= pods.length) return pods.slice();
  const onNode = new Map<string, number>();
  for (const p of relatedPods) {
    if (!isPodActive(p)) continue;
    const node = p.spec?.nodeName ?? '';
    onNode.set(node, (onNode.get(node) ?? 0) + 1);
  }
  const ranked = pods.map((pod) => ({ pod, rank: onNode.get(pod.spec?.nodeName ?? '') ?? 0 }));
  ranked.sort((a, b) => compareForDeletion(a, b, now));
  return ranked.slice(0, count).map((r) => r.pod);
}
