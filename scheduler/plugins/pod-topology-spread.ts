// PodTopologySpread (score) with kube's system default constraints, which spread the pods of one
// owner over hosts (maxSkew 3) and zones (maxSkew 5), ScheduleAnyway. A node scores by how many pods
// of the pod's owner it (or its zone) already runs, weighted by log(number of domains + 2), plus
// maxSkew - 1; normalization turns "fewest" into the highest score. Pods are matched by their first
// owner reference, as kube does when the pod has one (nodeInfo.PodsWithOwnerRef). Pods with no owner,
// and explicit spec.topologySpreadConstraints, are not spread (k8ts does not model the selectors).
import { MAX_NODE_SCORE, type ScorePlugin } from '../framework.ts';
import { LABEL_ZONE, type NodeInfo } from '../node-info.ts';

const HOST_MAX_SKEW = 3;
const ZONE_MAX_SKEW = 5;

const normalizingWeight = (domains: number) => Math.log(domains + 2);

export const podTopologySpread: ScorePlugin = {
  name: 'PodTopologySpread',
  weight: 2,
  preScore(pod, feasible, allNodes) {
    const owner = pod.ownerUid;
    if (!owner) return null;
    const hostWeight = normalizingWeight(feasible.length);
    // Zones only count when feasible nodes have the label: pods per zone over every node the pod
    // could go to (its required node affinity), for the zones among the feasible nodes.
    let zoneCounts: Map<string, number> | undefined;
    for (const n of feasible) {
      const zone = n.labels[LABEL_ZONE];
      if (zone !== undefined) (zoneCounts ??= new Map()).set(zone, 0);
    }
    let zoneWeight = 0;
    if (zoneCounts) {
      zoneWeight = normalizingWeight(zoneCounts.size);
      for (const n of allNodes) {
        const zone = n.labels[LABEL_ZONE];
        if (zone === undefined || !zoneCounts.has(zone)) continue;
        if (pod.requiredAffinity && !pod.requiredAffinity(n)) continue;
        zoneCounts.set(zone, zoneCounts.get(zone)! + n.ownerCount(owner));
      }
    }
    return {
      score(node: NodeInfo) {
        // Every node is its own host domain, labelled or not (kubelets set kubernetes.io/hostname).
        let score = node.ownerCount(owner) * hostWeight + (HOST_MAX_SKEW - 1);
        if (zoneCounts) {
          const zone = node.labels[LABEL_ZONE];
          if (zone !== undefined) score += zoneCounts.get(zone)! * zoneWeight + (ZONE_MAX_SKEW - 1);
        }
        return Math.round(score);
      },
      normalize(scores) {
        let min = Infinity;
        let max = 0;
        for (const s of scores) {
          if (s < min) min = s;
          if (s > max) max = s;
        }
        for (let i = 0; i < scores.length; i++) {
          scores[i] = max === 0 ? MAX_NODE_SCORE : Math.trunc((MAX_NODE_SCORE * (max + min - scores[i])) / max);
        }
      },
    };
  },
};
