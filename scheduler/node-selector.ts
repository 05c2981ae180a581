// Matching nodes against a pod's node selector and node affinity (component-helpers'
// nodeaffinity.RequiredNodeAffinity and PreferredSchedulingTerms), with each term parsed once per pod.
// Terms are ORed; inside a term every expression and field requirement must hold; a term with
// neither matches nothing. Gt and Lt compare integers; a value that is not one matches nothing.
import type { NodeSelectorRequirement, NodeSelectorTerm, PodSpec } from '../shared/api/core.ts';

export interface NodeFacts {
  name: string;
  labels: Readonly<Record<string, string>>;
}

type Requirement = (value: string | undefined) => boolean;

const INTEGER = /^[+-]?\d+$/;
const parseInteger = (s: string | undefined): number | undefined => (s !== undefined && INTEGER.test(s) ? Number(s) : undefined);

function requirementOf(r: NodeSelectorRequirement): Requirement {
  const values = r.values ?? [];
  switch (r.operator) {
    case 'In': {
      const set = new Set(values);
      return (v) => v !== undefined && set.has(v);
    }
    case 'NotIn': {
      const set = new Set(values);
      return (v) => v === undefined || !set.has(v);
    }
    case 'Exists': return (v) => v !== undefined;
    case 'DoesNotExist': return (v) => v === undefined;
    case 'Gt':
    case 'Lt': {
      const bound = values.length === 1 ? parseInteger(values[0]) : undefined;
      if (bound === undefined) return () => false;
      return r.operator === 'Gt'
        ? (v) => { const n = parseInteger(v); return n !== undefined && n > bound; }
        : (v) => { const n = parseInteger(v); return n !== undefined && n < bound; };
    }
  }
}

export type NodeMatcher = (node: NodeFacts) => boolean;

export function termMatcher(term: NodeSelectorTerm): NodeMatcher {
  const expressions = (term.matchExpressions ?? []).map((r) => [r.key, requirementOf(r)] as const);
  // metadata.name is the only field a node selector may name (validation rejects anything else).
  const fields = (term.matchFields ?? []).map((r) => (r.key === 'metadata.name' ? requirementOf(r) : () => false));
  if (expressions.length === 0 && fields.length === 0) return () => false;
  return (node) => {
    for (const [key, matches] of expressions) if (!matches(node.labels[key])) return false;
    for (const matches of fields) if (!matches(node.name)) return false;
    return true;
  };
}

/** The pod's hard node constraints (spec.nodeSelector AND required node affinity), or null when it has none. */
export function requiredNodeMatcher(spec: Pick<PodSpec, 'nodeSelector' | 'affinity'>): NodeMatcher | null {
  const selector = Object.entries(spec.nodeSelector ?? {});
  const terms = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (selector.length === 0 && terms === undefined) return null;
  const termMatchers = terms?.map(termMatcher);
  return (node) => {
    for (const [k, v] of selector) if (node.labels[k] !== v) return false;
    return termMatchers === undefined || termMatchers.some((m) => m(node));
  };
}

export interface WeightedMatcher {
  weight: number;
  matches: NodeMatcher;
}

/** The pod's preferred node affinity terms, or null when it has none. */
export function preferredNodeMatchers(spec: Pick<PodSpec, 'affinity'>): WeightedMatcher[] | null {
  const terms = spec.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution;
  if (!terms?.length) return null;
  // A zero weight term counts for nothing (kube skips it).
  const out = terms.filter((t) => t.weight !== 0).map((t) => ({ weight: t.weight, matches: termMatcher(t.preference) }));
  return out.length ? out : null;
}
