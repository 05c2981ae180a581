// Taints and tolerations as kube's v1helper and taint utils read them: which toleration tolerates which
// taint, the first taint a pod does not tolerate, and the taint keys the node controllers own.
import type { Taint } from '../../shared/api/node.ts';
import type { Toleration } from '../../shared/api/pod-spec.ts';

export const TAINT_NODE_NOT_READY = 'node.kubernetes.io/not-ready';
export const TAINT_NODE_UNREACHABLE = 'node.kubernetes.io/unreachable';
export const TAINT_NODE_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';
export const TAINT_NODE_MEMORY_PRESSURE = 'node.kubernetes.io/memory-pressure';
export const TAINT_NODE_DISK_PRESSURE = 'node.kubernetes.io/disk-pressure';
export const TAINT_NODE_NETWORK_UNAVAILABLE = 'node.kubernetes.io/network-unavailable';
export const TAINT_NODE_PID_PRESSURE = 'node.kubernetes.io/pid-pressure';

/** Toleration.ToleratesTaint: an empty effect or key matches all; an empty operator means Equal. */
export function toleratesTaint(toleration: Toleration, taint: Taint): boolean {
  if (toleration.effect && toleration.effect !== taint.effect) return false;
  if (toleration.key && toleration.key !== taint.key) return false;
  switch (toleration.operator ?? 'Equal') {
    case 'Equal': return (toleration.value ?? '') === (taint.value ?? '');
    case 'Exists': return true;
    default: return false;
  }
}

/** The first taint passing `filter` that no toleration tolerates (FindMatchingUntoleratedTaint). */
export function findUntoleratedTaint(taints: Taint[] | undefined, tolerations: Toleration[] | undefined, filter: (t: Taint) => boolean): Taint | undefined {
  return (taints ?? []).find((t) => filter(t) && !(tolerations ?? []).some((tol) => toleratesTaint(tol, t)));
}

/**
 * GetMatchingTolerations: for every taint the first toleration that tolerates it, or undefined when
 * some taint is not tolerated at all.
 */
export function matchingTolerations(taints: Taint[], tolerations: Toleration[] | undefined): Toleration[] | undefined {
  const used: Toleration[] = [];
  for (const taint of taints) {
    const tol = (tolerations ?? []).find((t) => toleratesTaint(t, taint));
    if (!tol) return undefined;
    used.push(tol);
  }
  return used;
}

/** Taints are identified by key and effect (Taint.MatchTaint). */
export const sameTaint = (a: Pick<Taint, 'key' | 'effect'>, b: Pick<Taint, 'key' | 'effect'>): boolean => a.key === b.key && a.effect === b.effect;
