// metav1.LabelSelector (the structured selector in Deployment, ReplicaSet, Service-like specs) turned
// into a LabelSelector, with metav1.LabelSelectorAsSelector semantics, plus kube's display helpers.
import { everything, newRequirement, nothing, selectorFromRequirements, type LabelSelector, type Labels, type Requirement, type SelectionOperator } from './labels.ts';
import { SelectorParseError } from './selector-error.ts';

export type LabelSelectorOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';

export interface LabelSelectorRequirement {
  key: string;
  operator: LabelSelectorOperator | string;
  values?: string[] | null;
}

export interface LabelSelectorObject {
  matchLabels?: Record<string, string> | null;
  matchExpressions?: LabelSelectorRequirement[] | null;
}

const operators: Readonly<Record<LabelSelectorOperator, SelectionOperator>> = {
  In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!',
};
const isLabelSelectorOperator = (op: string): op is LabelSelectorOperator => Object.hasOwn(operators, op);

/**
 * metav1.LabelSelectorAsSelector. The two edge cases differ on purpose, as in kube:
 * a missing (nil) selector matches NOTHING (`matchesNothing()` is true), while a present but empty
 * selector (`{}`) matches EVERYTHING (`empty()` is true). Throws SelectorParseError when invalid.
 */
export function labelSelectorFromObject(sel: LabelSelectorObject | null | undefined): LabelSelector {
  if (sel === null || sel === undefined) return nothing();
  const matchLabels = Object.entries(sel.matchLabels ?? {});
  const matchExpressions = sel.matchExpressions ?? [];
  if (matchLabels.length + matchExpressions.length === 0) return everything();
  const requirements: Requirement[] = matchLabels.map(([k, v]) => newRequirement(k, '=', [v]));
  for (const expr of matchExpressions) {
    if (!isLabelSelectorOperator(expr.operator)) {
      throw new SelectorParseError(`${JSON.stringify(expr.operator)} is not a valid label selector operator`);
    }
    // Kube copies the values into a fresh slice, so an empty list is reported as nil.
    const values = expr.values && expr.values.length > 0 ? expr.values : null;
    requirements.push(newRequirement(expr.key, operators[expr.operator], values));
  }
  return selectorFromRequirements(requirements);
}

/** metav1.FormatLabelSelector: the selector as a string, `<none>` when empty, `<error>` when invalid. */
export function formatLabelSelector(sel: LabelSelectorObject | null | undefined): string {
  let s: string;
  try {
    s = labelSelectorFromObject(sel).toString();
  } catch {
    return '<error>';
  }
  return s === '' ? '<none>' : s;
}

/** labels.FormatLabels: `k=v` pairs sorted by key, or `<none>`. */
export function formatLabels(labels: Labels | null | undefined): string {
  const pairs = Object.entries(labels ?? {}).map(([k, v]) => `${k}=${v}`).sort();
  return pairs.length ? pairs.join(',') : '<none>';
}
