// One scheduling decision (kube's schedulePod): filter nodes starting where the previous cycle
// stopped, until enough feasible ones are found (percentageOfNodesToScore), score those, and take a
// best one at random among equals. When none fits, the reasons of every node rejected are counted
// into kube's message ("0/3 nodes are available: 3 Insufficient cpu.").
import { fitErrorMessage, numFeasibleNodesToFind, prepareFilters, prioritizeNodes, runFilters, selectHost, type FilterPlugin, type ScorePlugin } from './framework.ts';
import type { NodeInfo } from './node-info.ts';
import type { QueuedPodInfo } from './queue.ts';

export type ScheduleResult =
  | { ok: true; node: NodeInfo; evaluatedNodes: number; feasibleNodes: number }
  | { ok: false; message: string; unschedulablePlugins: Set<string> };

export const NO_NODES_AVAILABLE = 'no nodes available to schedule pods';

export class SchedulingAlgorithm {
  private nextStartNodeIndex = 0;

  constructor(
    readonly filters: readonly FilterPlugin[],
    readonly scores: readonly ScorePlugin[],
    readonly percentageOfNodesToScore: number,
    private readonly random: () => number = Math.random,
  ) {}

  schedule(info: QueuedPodInfo, nodes: readonly NodeInfo[]): ScheduleResult {
    const numAll = nodes.length;
    if (numAll === 0) return { ok: false, message: NO_NODES_AVAILABLE, unschedulablePlugins: new Set() };
    const pod = info.podInfo;
    const filters = (info.filters ??= prepareFilters(this.filters, pod));
    const toFind = numFeasibleNodesToFind(this.percentageOfNodesToScore, numAll);

    const feasible: NodeInfo[] = [];
    let reasons: Map<string, number> | undefined;
    let plugins: Set<string> | undefined;
    let processed = 0;
    const start = this.nextStartNodeIndex % numAll;
    for (let i = 0; i < numAll && feasible.length < toFind; i++) {
      const node = nodes[(start + i) % numAll];
      processed++;
      const rejected = runFilters(filters, node);
      if (!rejected) {
        feasible.push(node);
        continue;
      }
      reasons ??= new Map();
      plugins ??= new Set();
      plugins.add(rejected.plugin);
      for (const r of rejected.reasons) reasons.set(r, (reasons.get(r) ?? 0) + 1);
    }
    // Every node gets its turn across cycles, whatever the outcome of this one.
    this.nextStartNodeIndex = (start + processed) % numAll;

    if (feasible.length === 0) return { ok: false, message: fitErrorMessage(numAll, reasons ?? new Map()), unschedulablePlugins: plugins ?? new Set() };
    if (feasible.length === 1) return { ok: true, node: feasible[0], evaluatedNodes: processed, feasibleNodes: 1 };
    const scores = prioritizeNodes(this.scores, pod, feasible, nodes);
    return { ok: true, node: feasible[selectHost(scores, this.random)], evaluatedNodes: processed, feasibleNodes: feasible.length };
  }
}
