// The default profile's plugins, in kube's order (filters) and with kube's weights (scores).
import type { FilterPlugin, ScorePlugin } from '../framework.ts';
import { balancedAllocation } from './balanced-allocation.ts';
import { leastAllocated } from './least-allocated.ts';
import { nodeAffinity } from './node-affinity.ts';
import { nodeAffinityScore } from './node-affinity-score.ts';
import { nodePorts } from './node-ports.ts';
import { nodeReady } from './node-ready.ts';
import { nodeResourcesFit } from './node-resources-fit.ts';
import { nodeUnschedulable } from './node-unschedulable.ts';
import { podTopologySpread } from './pod-topology-spread.ts';
import { taintToleration } from './taint-toleration.ts';
import { taintTolerationScore } from './taint-toleration-score.ts';

export const defaultFilters: readonly FilterPlugin[] = [
  nodeReady,
  nodeUnschedulable,
  taintToleration,
  nodeAffinity,
  nodePorts,
  nodeResourcesFit,
];

export const defaultScores: readonly ScorePlugin[] = [
  taintTolerationScore,
  nodeAffinityScore,
  podTopologySpread,
  leastAllocated,
  balancedAllocation,
];
