// TaintToleration (filter): every NoSchedule and NoExecute taint of the node must be tolerated; the
// first one that is not is the reason.
import type { FilterPlugin } from '../framework.ts';
import { firstUntolerated, untoleratedTaintMessage } from '../taints.ts';

export const taintToleration: FilterPlugin = {
  name: 'TaintToleration',
  preFilter(pod) {
    return (node) => {
      if (node.hardTaints.length === 0) return null;
      const taint = firstUntolerated(node.hardTaints, pod.tolerations);
      return taint ? [untoleratedTaintMessage(taint)] : null;
    };
  },
};
