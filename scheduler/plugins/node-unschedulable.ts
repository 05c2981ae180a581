// NodeUnschedulable: a cordoned node (spec.unschedulable) takes only pods that tolerate the
// node.kubernetes.io/unschedulable:NoSchedule taint.
import type { FilterPlugin } from '../framework.ts';
import { TAINT_UNSCHEDULABLE, tolerates } from '../taints.ts';

const REASONS = ['node(s) were unschedulable'] as const;

export const nodeUnschedulable: FilterPlugin = {
  name: 'NodeUnschedulable',
  preFilter(pod) {
    if (tolerates(pod.tolerations, { key: TAINT_UNSCHEDULABLE, effect: 'NoSchedule' })) return null;
    return (node) => (node.unschedulable ? REASONS : null);
  },
};
