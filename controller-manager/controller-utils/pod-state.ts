// What the workload controllers need to know about a pod (kube's podutil and controller_utils):
// whether it still counts (active), whether it is Ready, and whether it has been Ready long enough
// to count as available.
import type { Pod } from '../../shared/api/pod.ts';

type PodLike = Pick<Pod, 'metadata' | 'status'>;

/** Not finished and not being deleted: a pod that counts toward replicas (IsPodActive). */
export const isPodActive = (pod: PodLike): boolean =>
  pod.status?.phase !== 'Succeeded' && pod.status?.phase !== 'Failed' && !pod.metadata?.deletionTimestamp;

const readyCondition = (pod: PodLike) => pod.status?.conditions?.find((c) => c.type === 'Ready');

export const isPodReady = (pod: PodLike): boolean => readyCondition(pod)?.status === 'True';

/** When the pod last became Ready (ms), or undefined when it is not Ready or the time is unknown. */
export function podReadyTime(pod: PodLike): number | undefined {
  const c = readyCondition(pod);
  if (c?.status !== 'True' || !c.lastTransitionTime) return undefined;
  const t = Date.parse(c.lastTransitionTime);
  return Number.isNaN(t) ? undefined : t;
}

/**
 * Ready for at least minReadySeconds (IsPodAvailable). Times are whole seconds on the wire, so a pod
 * counts as available strictly after lastTransitionTime + minReadySeconds, as in kube.
 */
export function isPodAvailable(pod: PodLike, minReadySeconds: number, now = Date.now()): boolean {
  if (!isPodReady(pod)) return false;
  if (minReadySeconds <= 0) return true;
  const since = podReadyTime(pod);
  return since !== undefined && since + minReadySeconds * 1000 < now;
}

/** `namespace/name`, the key expectations and queues use for a pod (controller.PodKey). */
export const podKey = (pod: Pick<Pod, 'metadata'>): string => `${pod.metadata?.namespace}/${pod.metadata?.name}`;
