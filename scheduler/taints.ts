// Taints and tolerations (core/v1 helper ToleratesTaint): a toleration with an effect only tolerates
// that effect, one with a key only that key; Exists tolerates any value, Equal (the default) only
// the same value. An empty key with Exists tolerates everything.
import type { Taint, Toleration } from '../shared/api/core.ts';

export function toleratesTaint(t: Toleration, taint: Pick<Taint, 'key' | 'value' | 'effect'>): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  switch (t.operator ?? 'Equal') {
    case 'Equal': return (t.value ?? '') === (taint.value ?? '');
    case 'Exists': return true;
    default: return false;
  }
}

export const tolerates = (tolerations: readonly Toleration[], taint: Pick<Taint, 'key' | 'value' | 'effect'>): boolean =>
  tolerations.some((t) => toleratesTaint(t, taint));

/** The first taint (in the node's order) none of the tolerations tolerates. */
export function firstUntolerated(taints: readonly Taint[], tolerations: readonly Toleration[]): Taint | undefined {
  for (const taint of taints) if (!tolerates(tolerations, taint)) return taint;
  return undefined;
}

/** The message kube's TaintToleration filter gives for a taint the pod does not tolerate. */
export const untoleratedTaintMessage = (taint: Pick<Taint, 'key' | 'value'>): string =>
  `node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`;

export const TAINT_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';
export const TAINT_NOT_READY = 'node.kubernetes.io/not-ready';
export const TAINT_UNREACHABLE = 'node.kubernetes.io/unreachable';
