// apps/v1 Deployment, ReplicaSet and DaemonSet, with apps/v1 defaults.go and pkg/apis/apps/validation.
import { z } from 'zod';
import { always, kubeChecks } from './field-errors.ts';
import { IntOrString, LabelSelector, ObjectMeta } from './meta.ts';
import { PodTemplateSpec } from './pod-spec.ts';
import {
  intOrStringValue, rawIntOrPercent, validateNotMoreThan100Percent, validatePositiveIntOrPercent, validateSelectorAndTemplate, WorkloadCondition,
} from './workload.ts';

const alwaysRestart = ['Always'] as const;

const RollingUpdate = z.object({ maxUnavailable: IntOrString.optional(), maxSurge: IntOrString.optional() });

export const DeploymentStrategy = z.object({
  type: z.enum(['Recreate', 'RollingUpdate']).default('RollingUpdate'),
  rollingUpdate: RollingUpdate.optional(),
}).overwrite((s) => {
  if (s.type === 'RollingUpdate') {
    s.rollingUpdate = { maxUnavailable: s.rollingUpdate?.maxUnavailable ?? '25%', maxSurge: s.rollingUpdate?.maxSurge ?? '25%' };
  }
  return s;
});
export type DeploymentStrategy = z.infer<typeof DeploymentStrategy>;

export const DeploymentSpec = z.object({
  replicas: z.number().int().default(1),
  selector: LabelSelector,
  template: PodTemplateSpec.prefault({}),
  strategy: DeploymentStrategy.prefault({}),
  minReadySeconds: z.number().int().optional(),
  revisionHistoryLimit: z.number().int().default(10),
  paused: z.boolean().optional(),
  progressDeadlineSeconds: z.number().int().default(600),
}).superRefine(kubeChecks((spec, errs) => {
  errs.nonNegative(['replicas'], spec.replicas);
  validateSelectorAndTemplate(spec, errs, [], { emptyFor: 'deployment', restartPolicies: alwaysRestart, selectorRequired: true });
  if (spec.template?.spec?.activeDeadlineSeconds !== undefined) {
    errs.forbidden(['template', 'spec', 'activeDeadlineSeconds'], 'activeDeadlineSeconds in ReplicaSet is not Supported');
  }
  const { strategy } = spec;
  if (strategy.type === 'Recreate' && strategy.rollingUpdate) {
    errs.forbidden(['strategy', 'rollingUpdate'], "may not be specified when strategy `type` is 'Recreate'");
  }
  if (strategy.type === 'RollingUpdate' && strategy.rollingUpdate) {
    const { maxUnavailable, maxSurge } = strategy.rollingUpdate;
    const path = ['strategy', 'rollingUpdate'];
    validatePositiveIntOrPercent(maxUnavailable, errs, [...path, 'maxUnavailable']);
    validatePositiveIntOrPercent(maxSurge, errs, [...path, 'maxSurge']);
    if (rawIntOrPercent(maxUnavailable) === 0 && rawIntOrPercent(maxSurge) === 0) {
      errs.invalid([...path, 'maxUnavailable'], intOrStringValue(maxUnavailable), 'may not be 0 when `maxSurge` is 0');
    }
    validateNotMoreThan100Percent(maxUnavailable, errs, [...path, 'maxUnavailable']);
  }
  errs.nonNegative(['minReadySeconds'], spec.minReadySeconds);
  errs.nonNegative(['revisionHistoryLimit'], spec.revisionHistoryLimit);
  errs.nonNegative(['progressDeadlineSeconds'], spec.progressDeadlineSeconds);
  if (spec.progressDeadlineSeconds <= (spec.minReadySeconds ?? 0)) {
    errs.invalid(['progressDeadlineSeconds'], spec.progressDeadlineSeconds, 'must be greater than minReadySeconds');
  }
}), always);
export type DeploymentSpec = z.infer<typeof DeploymentSpec>;

export const DeploymentStatus = z.object({
  observedGeneration: z.number().int().optional(),
  replicas: z.number().int().optional(),
  updatedReplicas: z.number().int().optional(),
  readyReplicas: z.number().int().optional(),
  availableReplicas: z.number().int().optional(),
  unavailableReplicas: z.number().int().optional(),
  terminatingReplicas: z.number().int().optional(),
  conditions: z.array(WorkloadCondition).optional(),
  collisionCount: z.number().int().optional(),
});
export type DeploymentStatus = z.infer<typeof DeploymentStatus>;

export const Deployment = z.object({
  apiVersion: z.literal('apps/v1').default('apps/v1'),
  kind: z.literal('Deployment').default('Deployment'),
  metadata: ObjectMeta.prefault({}),
  spec: DeploymentSpec.prefault({} as z.input<typeof DeploymentSpec>),
  status: DeploymentStatus.prefault({}),
});
export type Deployment = z.infer<typeof Deployment>;
export type DeploymentInput = z.input<typeof Deployment>;

export const ReplicaSetSpec = z.object({
  replicas: z.number().int().default(1),
  minReadySeconds: z.number().int().optional(),
  selector: LabelSelector,
  template: PodTemplateSpec.prefault({}),
}).superRefine(kubeChecks((spec, errs) => {
  errs.nonNegative(['replicas'], spec.replicas);
  errs.nonNegative(['minReadySeconds'], spec.minReadySeconds);
  validateSelectorAndTemplate(spec, errs, [], { emptyFor: 'deployment', restartPolicies: alwaysRestart, selectorRequired: true });
  if (spec.template?.spec?.activeDeadlineSeconds !== undefined) {
    errs.forbidden(['template', 'spec', 'activeDeadlineSeconds'], 'activeDeadlineSeconds in ReplicaSet is not Supported');
  }
}), always);
export type ReplicaSetSpec = z.infer<typeof ReplicaSetSpec>;

export const ReplicaSetStatus = z.object({
  // Always serialized, even when zero.
  replicas: z.number().int().default(0),
  fullyLabeledReplicas: z.number().int().optional(),
  readyReplicas: z.number().int().optional(),
  availableReplicas: z.number().int().optional(),
  terminatingReplicas: z.number().int().optional(),
  observedGeneration: z.number().int().optional(),
  conditions: z.array(WorkloadCondition).optional(),
});
export type ReplicaSetStatus = z.infer<typeof ReplicaSetStatus>;

export const ReplicaSet = z.object({
  apiVersion: z.literal('apps/v1').default('apps/v1'),
  kind: z.literal('ReplicaSet').default('ReplicaSet'),
  metadata: ObjectMeta.prefault({}),
  spec: ReplicaSetSpec.prefault({} as z.input<typeof ReplicaSetSpec>),
  status: ReplicaSetStatus.prefault({}),
});
export type ReplicaSet = z.infer<typeof ReplicaSet>;
export type ReplicaSetInput = z.input<typeof ReplicaSet>;

export const DaemonSetUpdateStrategy = z.object({
  type: z.enum(['OnDelete', 'RollingUpdate']).default('RollingUpdate'),
  rollingUpdate: RollingUpdate.optional(),
}).overwrite((s) => {
  if (s.type === 'RollingUpdate') {
    s.rollingUpdate = { maxUnavailable: s.rollingUpdate?.maxUnavailable ?? 1, maxSurge: s.rollingUpdate?.maxSurge ?? 0 };
  }
  return s;
});
export type DaemonSetUpdateStrategy = z.infer<typeof DaemonSetUpdateStrategy>;

export const DaemonSetSpec = z.object({
  selector: LabelSelector,
  template: PodTemplateSpec.prefault({}),
  updateStrategy: DaemonSetUpdateStrategy.prefault({}),
  minReadySeconds: z.number().int().optional(),
  revisionHistoryLimit: z.number().int().default(10),
}).superRefine(kubeChecks((spec, errs) => {
  validateSelectorAndTemplate(spec, errs, [], { emptyFor: 'daemonset', restartPolicies: alwaysRestart, selectorRequired: true });
  const ads = spec.template?.spec?.activeDeadlineSeconds;
  if (ads !== undefined) errs.invalid(['template', 'spec', 'activeDeadlineSeconds'], ads, 'activeDeadlineSeconds in DaemonSet is not Supported');
  errs.nonNegative(['minReadySeconds'], spec.minReadySeconds);
  errs.nonNegative(['revisionHistoryLimit'], spec.revisionHistoryLimit);
  const ru = spec.updateStrategy.rollingUpdate;
  if (spec.updateStrategy.type === 'RollingUpdate' && ru) {
    const path = ['updateStrategy', 'rollingUpdate'];
    validatePositiveIntOrPercent(ru.maxUnavailable, errs, [...path, 'maxUnavailable']);
    validatePositiveIntOrPercent(ru.maxSurge, errs, [...path, 'maxSurge']);
    const unavailable = rawIntOrPercent(ru.maxUnavailable);
    const surge = rawIntOrPercent(ru.maxSurge);
    if (unavailable === 0 && surge === 0) errs.invalid([...path, 'maxUnavailable'], intOrStringValue(ru.maxUnavailable), 'cannot be 0 when maxSurge is 0');
    if (unavailable !== 0 && surge !== 0) errs.invalid([...path, 'maxSurge'], intOrStringValue(ru.maxSurge), 'may not be set when maxUnavailable is non-zero');
    validateNotMoreThan100Percent(ru.maxUnavailable, errs, [...path, 'maxUnavailable']);
  }
}), always);
export type DaemonSetSpec = z.infer<typeof DaemonSetSpec>;

// The four scheduling counters are always serialized, even when zero.
export const DaemonSetStatus = z.object({
  currentNumberScheduled: z.number().int().default(0),
  numberMisscheduled: z.number().int().default(0),
  desiredNumberScheduled: z.number().int().default(0),
  numberReady: z.number().int().default(0),
  observedGeneration: z.number().int().optional(),
  updatedNumberScheduled: z.number().int().optional(),
  numberAvailable: z.number().int().optional(),
  numberUnavailable: z.number().int().optional(),
  collisionCount: z.number().int().optional(),
  conditions: z.array(WorkloadCondition).optional(),
});
export type DaemonSetStatus = z.infer<typeof DaemonSetStatus>;

export const DaemonSet = z.object({
  apiVersion: z.literal('apps/v1').default('apps/v1'),
  kind: z.literal('DaemonSet').default('DaemonSet'),
  metadata: ObjectMeta.prefault({}),
  spec: DaemonSetSpec.prefault({} as z.input<typeof DaemonSetSpec>),
  status: DaemonSetStatus.prefault({}),
});
export type DaemonSet = z.infer<typeof DaemonSet>;
export type DaemonSetInput = z.input<typeof DaemonSet>;
