// NodeAffinity (filter): the node must match spec.nodeSelector and one of the required node affinity
// terms.
import type { FilterPlugin } from '../framework.ts';

const REASONS = ["node(s) didn't match Pod's node affinity/selector"] as const;

export const nodeAffinity: FilterPlugin = {
  name: 'NodeAffinity',
  preFilter(pod) {
    const matches = pod.requiredAffinity;
    if (!matches) return null;
    return (node) => (matches(node) ? null : REASONS);
  },
};
