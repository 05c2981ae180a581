// TaintToleration (score): fewer PreferNoSchedule taints the pod does not tolerate is better; counted
// against the tolerations that cover PreferNoSchedule (that effect or none), normalized in reverse.
import { defaultNormalizeScore, type ScorePlugin } from '../framework.ts';
import { tolerates } from '../taints.ts';

export const taintTolerationScore: ScorePlugin = {
  name: 'TaintToleration',
  weight: 3,
  preScore(pod, feasible) {
    // No PreferNoSchedule taint anywhere: every node would score the same, which ranks nothing.
    if (!feasible.some((n) => n.preferNoScheduleTaints.length > 0)) return null;
    const tolerations = pod.tolerations.filter((t) => !t.effect || t.effect === 'PreferNoSchedule');
    return {
      score(node) {
        let n = 0;
        for (const taint of node.preferNoScheduleTaints) if (!tolerates(tolerations, taint)) n++;
        return n;
      },
      normalize: (scores) => defaultNormalizeScore(scores, true),
    };
  },
};
