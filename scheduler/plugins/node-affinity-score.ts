// NodeAffinity (score): the sum of the weights of the preferred terms a node matches, scaled so the
// best node gets the maximum.
import { defaultNormalizeScore, type ScorePlugin } from '../framework.ts';

export const nodeAffinityScore: ScorePlugin = {
  name: 'NodeAffinity',
  weight: 2,
  preScore(pod) {
    const terms = pod.preferredAffinity;
    if (!terms) return null;
    return {
      score(node) {
        let sum = 0;
        for (const t of terms) if (t.matches(node)) sum += t.weight;
        return sum;
      },
      normalize: (scores) => defaultNormalizeScore(scores, false),
    };
  },
};
