// NodeResourcesFit (score, LeastAllocated strategy): the share of CPU and memory left free once the pod
// is placed, from "non-zero" requests (a container without a request counts as 100m / 200Mi) so that
// pods without requests still spread; CPU and memory weigh the same.
import { MAX_NODE_SCORE, type ScorePlugin } from '../framework.ts';

function leastRequested(requested: number, capacity: number): number {
  if (requested > capacity) return 0;
  return Math.trunc(((capacity - requested) * MAX_NODE_SCORE) / capacity);
}

export const leastAllocated: ScorePlugin = {
  name: 'NodeResourcesFit',
  weight: 1,
  preScore(pod) {
    const cpu = pod.nonZeroMilliCpu;
    const mem = pod.nonZeroMemory;
    return {
      score(node) {
        let sum = 0;
        let weights = 0;
        if (node.allocatable.milliCpu > 0) {
          sum += leastRequested(node.nonZeroMilliCpu + cpu, node.allocatable.milliCpu);
          weights++;
        }
        if (node.allocatable.memory > 0) {
          sum += leastRequested(node.nonZeroMemory + mem, node.allocatable.memory);
          weights++;
        }
        return weights === 0 ? 0 : Math.trunc(sum / weights);
      },
    };
  },
};
