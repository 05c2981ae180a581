// Checks shared by the controllers' kinds (Deployment, ReplicaSet, DaemonSet, Job): a selector that selects
// the pods of the template, and IntOrString "int or percentage" fields (maxSurge, maxUnavailable).
import { z } from 'zod';
import { FieldErrors, labelsValue, Printed, type FieldPath } from './field-errors.ts';
import { ConditionStatus, isEmptySelector, labelSelectorMatches, Time, type IntOrString, type LabelSelector } from './meta.ts';
import { isValidPercent } from './names.ts';
import type { PodTemplateSpec } from './pod-spec.ts';

/** The condition shape of apps and batch kinds. */
export const WorkloadCondition = z.object({
  type: z.string(),
  status: ConditionStatus,
  lastUpdateTime: Time.optional(),
  lastProbeTime: Time.optional(),
  lastTransitionTime: Time.optional(),
  reason: z.string().optional(),
  message: z.string().optional(),
});
export type WorkloadCondition = z.infer<typeof WorkloadCondition>;

/** A LabelSelector as Go's String() prints it in errors. */
const selectorValue = (sel: LabelSelector | undefined) =>
  sel === undefined ? null : new Printed(`&LabelSelector{MatchLabels:${JSON.stringify(sel.matchLabels ?? {})},MatchExpressions:${JSON.stringify(sel.matchExpressions ?? [])},}`);

interface SelectorOptions {
  /** The kind as worded in "empty selector is invalid for <kind>" (Kubernetes says "deployment" for ReplicaSets too). */
  emptyFor?: string;
  /** Pods of long-running workloads must always be restarted. */
  restartPolicies: readonly string[];
  /** Whether a missing selector is an error (Jobs get one generated). */
  selectorRequired: boolean;
}

/** ValidatePodTemplateSpecForReplicaSet & co.: selector present, not empty, and matching the template's labels. */
export function validateSelectorAndTemplate(
  spec: { selector?: LabelSelector; template: PodTemplateSpec },
  errs: FieldErrors,
  path: FieldPath,
  opts: SelectorOptions,
) {
  const sel = spec.selector;
  if (!sel) {
    if (opts.selectorRequired) errs.required([...path, 'selector']);
  } else if (opts.emptyFor && isEmptySelector(sel)) {
    errs.invalid([...path, 'selector'], selectorValue(sel), `empty selector is invalid for ${opts.emptyFor}`);
  }
  const labels = spec.template?.metadata?.labels;
  // A missing selector selects nothing, so the template never matches it.
  if ((sel === undefined && opts.selectorRequired) || (sel && !isEmptySelector(sel) && !labelSelectorMatches(sel, labels))) {
    errs.invalid([...path, 'template', 'metadata', 'labels'], labelsValue(labels), '`selector` does not match template `labels`');
  }
  const restartPolicy = spec.template?.spec?.restartPolicy;
  if (restartPolicy && !opts.restartPolicies.includes(restartPolicy)) {
    errs.notSupported([...path, 'template', 'spec', 'restartPolicy'], restartPolicy, opts.restartPolicies);
  }
}

/** Resolves an int-or-percent against a total, rounding as the controllers do. */
export function intOrPercentValue(v: IntOrString | undefined, total: number, roundUp: boolean): number {
  if (v === undefined) return 0;
  if (typeof v === 'number') return v;
  const percent = Number(v.replace(/%$/, ''));
  const exact = (percent * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

/** An IntOrString as Go prints it in errors (through its String() method: unquoted). */
export const intOrStringValue = (v: IntOrString | undefined) => (v === undefined ? null : new Printed(String(v)));

/** The raw number of an int-or-percent ("25%" is 25), for "is it zero" checks. */
export const rawIntOrPercent = (v: IntOrString | undefined): number =>
  v === undefined ? 0 : typeof v === 'number' ? v : Number.parseInt(v, 10) || 0;

export function validatePositiveIntOrPercent(v: IntOrString | undefined, errs: FieldErrors, path: FieldPath) {
  if (v === undefined) return;
  if (typeof v === 'string') errs.invalidEach(path, new Printed(v), isValidPercent(v));
  else errs.nonNegative(path, v);
}

export function validateNotMoreThan100Percent(v: IntOrString | undefined, errs: FieldErrors, path: FieldPath) {
  if (typeof v === 'string' && isValidPercent(v).length === 0 && rawIntOrPercent(v) > 100) {
    errs.invalid(path, new Printed(v), 'must not be greater than 100%');
  }
}
