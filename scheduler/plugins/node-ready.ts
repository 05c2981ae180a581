// NodeReady: a node whose Ready condition is not True carries, for scheduling, the NoSchedule taint
// kube's node lifecycle controller would give it (not-ready, or unreachable when Unknown), so only pods
// that tolerate it land there; the message is TaintToleration's for that taint.
import type { FilterPlugin } from '../framework.ts';
import type { Taint } from '../../shared/api/core.ts';
import { tolerates, untoleratedTaintMessage } from '../taints.ts';

const reasonsByTaint = new Map<string, readonly string[]>();
const reasonsOf = (taint: Taint): readonly string[] => {
  let r = reasonsByTaint.get(taint.key);
  if (!r) reasonsByTaint.set(taint.key, (r = [untoleratedTaintMessage(taint)]));
  return r;
};

export const nodeReady: FilterPlugin = {
  name: 'NodeReady',
  preFilter(pod) {
    return (node) => {
      const taint = node.readinessTaint;
      return taint && !tolerates(pod.tolerations, taint) ? reasonsOf(taint) : null;
    };
  },
};
