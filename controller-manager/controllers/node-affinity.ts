// Whether a pod's node selection admits a node: spec.nodeSelector and the required node affinity
// (kube's component-helpers nodeaffinity.GetRequiredNodeAffinity(pod).Match(node)). The terms are
// ORed; inside a term matchExpressions (labels) and matchFields (metadata.name) are ANDed; an empty
// term matches nothing.
import type { Node } from '../../shared/api/node.ts';
import type { NodeSelectorRequirement, NodeSelectorTerm, PodSpec } from '../../shared/api/pod-spec.ts';

const asInteger = (s: string): number | undefined => (/^-?\d+$/.test(s) ? Number(s) : undefined);

function requirementMatches(req: NodeSelectorRequirement, values: Record<string, string>): boolean {
  const present = Object.hasOwn(values, req.key);
  const value = values[req.key];
  const wanted = req.values ?? [];
  switch (req.operator) {
    case 'In': return present && wanted.includes(value);
    case 'NotIn': return !present || !wanted.includes(value);
    case 'Exists': return present;
    case 'DoesNotExist': return !present;
    case 'Gt':
    case 'Lt': {
      const have = present ? asInteger(value) : undefined;
      const bound = wanted.length === 1 ? asInteger(wanted[0]) : undefined;
      if (have === undefined || bound === undefined) return false;
      return req.operator === 'Gt' ? have > bound : have < bound;
    }
    default: return false;
  }
}

export function nodeSelectorTermMatches(term: NodeSelectorTerm, node: Node): boolean {
  const expressions = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (expressions.length === 0 && fields.length === 0) return false;
  const labels = node.metadata?.labels ?? {};
  const nodeFields = { 'metadata.name': node.metadata?.name ?? '' };
  return expressions.every((r) => requirementMatches(r, labels)) && fields.every((r) => requirementMatches(r, nodeFields));
}

/** spec.nodeSelector and requiredDuringSchedulingIgnoredDuringExecution both admit the node. */
export function requiredNodeAffinityMatches(spec: Pick<PodSpec, 'nodeSelector' | 'affinity'>, node: Node): boolean {
  const labels = node.metadata?.labels ?? {};
  for (const [k, v] of Object.entries(spec.nodeSelector ?? {})) if (labels[k] !== v) return false;
  const required = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (!required) return true;
  return required.nodeSelectorTerms.some((term) => nodeSelectorTermMatches(term, node));
}
