// NodeResourcesBalancedAllocation: prefers nodes whose CPU and memory would be used in similar
// proportions once the pod is placed: (1 - |cpuFraction - memFraction| / 2) * 100, from plain requests.
// Skipped for pods that request neither (kube issue 129138: they would all pile onto one node).
import { MAX_NODE_SCORE, type ScorePlugin } from '../framework.ts';

export const balancedAllocation: ScorePlugin = {
  name: 'NodeResourcesBalancedAllocation',
  weight: 1,
  preScore(pod) {
    const cpu = pod.requests.milliCpu;
    const mem = pod.requests.memory;
    if (cpu === 0 && mem === 0) return null;
    return {
      score(node) {
        const a = node.allocatable;
        // With fewer than two resources to compare the deviation is zero.
        if (a.milliCpu <= 0 || a.memory <= 0) return MAX_NODE_SCORE;
        const cpuFraction = Math.min(1, (node.requested.milliCpu + cpu) / a.milliCpu);
        const memFraction = Math.min(1, (node.requested.memory + mem) / a.memory);
        return Math.trunc((1 - Math.abs((cpuFraction - memFraction) / 2)) * MAX_NODE_SCORE);
      },
    };
  },
};
