// The scheduling framework's shape, reduced to what k8ts runs: filter plugins (with their PreFilter
// folded in: a plugin looks at the pod once and returns the per-node check, or null to be skipped)
// and score plugins (PreScore returns a scorer for this cycle, or null to be skipped), each with a
// weight. One cycle reads the live cache: cycles are synchronous, so nothing changes under them.
import type { NodeInfo } from './node-info.ts';
import type { PodInfo } from './pod-info.ts';

export const MAX_NODE_SCORE = 100;

/** null: the node passes; otherwise the reasons it does not (kube's Status.Reasons()). */
export type FilterResult = readonly string[] | null;
export type NodeFilter = (node: NodeInfo) => FilterResult;

export interface FilterPlugin {
  readonly name: string;
  /** PreFilter: the check this pod needs on each node, or null when the plugin has nothing to check. */
  preFilter(pod: PodInfo): NodeFilter | null;
}

export interface NodeScorer {
  score(node: NodeInfo): number;
  /** NormalizeScore, in place, over the scores of `nodes` (same order). */
  normalize?(scores: Float64Array, nodes: readonly NodeInfo[]): void;
}

export interface ScorePlugin {
  readonly name: string;
  readonly weight: number;
  /** PreScore over the feasible nodes (and all nodes, for plugins that count beyond them); null skips. */
  preScore(pod: PodInfo, feasible: readonly NodeInfo[], allNodes: readonly NodeInfo[]): NodeScorer | null;
}

export interface PreparedFilter {
  plugin: string;
  check: NodeFilter;
}

export function prepareFilters(plugins: readonly FilterPlugin[], pod: PodInfo): PreparedFilter[] {
  const out: PreparedFilter[] = [];
  for (const p of plugins) {
    const check = p.preFilter(pod);
    if (check) out.push({ plugin: p.name, check });
  }
  return out;
}

/** Runs the filters in order and stops at the first that rejects the node, as RunFilterPlugins does. */
export function runFilters(filters: readonly PreparedFilter[], node: NodeInfo): { plugin: string; reasons: readonly string[] } | null {
  for (const f of filters) {
    const reasons = f.check(node);
    if (reasons) return { plugin: f.plugin, reasons };
  }
  return null;
}

/**
 * How many feasible nodes to find before scoring (numFeasibleNodesToFind): all of a small cluster;
 * otherwise `percentage` of the nodes (0 means adaptive: 50% less 1% per 125 nodes, at least 5%),
 * never fewer than 100.
 */
export function numFeasibleNodesToFind(percentageOfNodesToScore: number, numAllNodes: number): number {
  const MIN_FEASIBLE_NODES = 100;
  const MIN_FEASIBLE_PERCENTAGE = 5;
  if (numAllNodes < MIN_FEASIBLE_NODES) return numAllNodes;
  let percentage = percentageOfNodesToScore;
  if (percentage === 0) {
    percentage = 50 - Math.trunc(numAllNodes / 125);
    if (percentage < MIN_FEASIBLE_PERCENTAGE) percentage = MIN_FEASIBLE_PERCENTAGE;
  }
  const n = Math.trunc((numAllNodes * percentage) / 100);
  return n < MIN_FEASIBLE_NODES ? MIN_FEASIBLE_NODES : n;
}

/** Kube's FitError message: "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) were unschedulable." */
export function fitErrorMessage(numAllNodes: number, reasons: ReadonlyMap<string, number>): string {
  let msg = `0/${numAllNodes} nodes are available:`;
  // Sorted as strings (Go's sort.Strings), counts included.
  const parts = [...reasons].map(([reason, n]) => `${n} ${reason}`).sort();
  if (parts.length) msg += ` ${parts.join(', ')}.`;
  return msg;
}

/** DefaultNormalizeScore: scale to [0, MAX_NODE_SCORE] by the highest score; `reverse` flips it. */
export function defaultNormalizeScore(scores: Float64Array, reverse: boolean): void {
  let max = 0;
  for (const s of scores) if (s > max) max = s;
  if (max === 0) {
    if (reverse) scores.fill(MAX_NODE_SCORE);
    return;
  }
  for (let i = 0; i < scores.length; i++) {
    const s = Math.trunc((MAX_NODE_SCORE * scores[i]) / max);
    scores[i] = reverse ? MAX_NODE_SCORE - s : s;
  }
}

/** The weighted sum of every score plugin's normalized scores for each feasible node. */
export function prioritizeNodes(plugins: readonly ScorePlugin[], pod: PodInfo, feasible: readonly NodeInfo[], allNodes: readonly NodeInfo[]): Float64Array {
  const total = new Float64Array(feasible.length);
  const scores = new Float64Array(feasible.length);
  for (const plugin of plugins) {
    const scorer = plugin.preScore(pod, feasible, allNodes);
    if (!scorer) continue;
    for (let i = 0; i < feasible.length; i++) scores[i] = scorer.score(feasible[i]);
    scorer.normalize?.(scores, feasible);
    for (let i = 0; i < feasible.length; i++) total[i] += scores[i] * plugin.weight;
  }
  return total;
}

/** The index of a highest score; ties are broken uniformly at random (reservoir sampling). */
export function selectHost(scores: Float64Array, random: () => number = Math.random): number {
  let best = 0;
  let ties = 1;
  for (let i = 1; i < scores.length; i++) {
    if (scores[i] > scores[best]) {
      best = i;
      ties = 1;
    } else if (scores[i] === scores[best]) {
      ties++;
      if (random() * ties < 1) best = i;
    }
  }
  return best;
}
