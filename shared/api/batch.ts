// batch/v1 Job, with SetDefaults_Job and validateJobSpec. The selector and the controller-uid/job-name
// labels are not defaults: the Job strategy generates them on create (see prepareJobForCreate).
import { z } from 'zod';
import { always, kubeChecks } from './field-errors.ts';
import { LabelSelector, Loose, ObjectMeta, Time } from './meta.ts';
import { PodTemplateSpec } from './pod-spec.ts';
import { validateSelectorAndTemplate, WorkloadCondition } from './workload.ts';

const maxInt32 = 2147483647;

export const JobSpec = z.object({
  parallelism: z.number().int().optional(),
  completions: z.number().int().optional(),
  activeDeadlineSeconds: z.number().int().optional(),
  podFailurePolicy: Loose.optional(),
  successPolicy: Loose.optional(),
  backoffLimit: z.number().int().optional(),
  backoffLimitPerIndex: z.number().int().optional(),
  maxFailedIndexes: z.number().int().optional(),
  selector: LabelSelector.optional(),
  manualSelector: z.boolean().optional(),
  template: PodTemplateSpec.prefault({}),
  ttlSecondsAfterFinished: z.number().int().optional(),
  completionMode: z.enum(['NonIndexed', 'Indexed']).default('NonIndexed'),
  suspend: z.boolean().default(false),
  podReplacementPolicy: z.enum(['TerminatingOrFailed', 'Failed']).optional(),
  managedBy: z.string().optional(),
}).overwrite((spec) => {
  // A non-parallel job may leave both unset; only then is completions defaulted.
  if (spec.completions === undefined && spec.parallelism === undefined) spec.completions = 1;
  spec.parallelism ??= 1;
  spec.backoffLimit ??= spec.backoffLimitPerIndex !== undefined ? maxInt32 : 6;
  spec.podReplacementPolicy ??= spec.podFailurePolicy ? 'Failed' : 'TerminatingOrFailed';
  return spec;
}).superRefine(kubeChecks((spec, errs) => {
  for (const f of ['parallelism', 'completions', 'activeDeadlineSeconds', 'backoffLimit', 'ttlSecondsAfterFinished'] as const) {
    errs.nonNegative([f], spec[f]);
  }
  validateSelectorAndTemplate(spec, errs, [], { restartPolicies: ['OnFailure', 'Never'], selectorRequired: false });
  if (spec.completionMode === 'Indexed' && spec.completions === undefined) errs.required(['completions'], 'when completion mode is Indexed');
}), always);
export type JobSpec = z.infer<typeof JobSpec>;

export const JobStatus = z.object({
  conditions: z.array(WorkloadCondition).optional(),
  startTime: Time.optional(),
  completionTime: Time.optional(),
  active: z.number().int().optional(),
  succeeded: z.number().int().optional(),
  failed: z.number().int().optional(),
  terminating: z.number().int().optional(),
  completedIndexes: z.string().optional(),
  failedIndexes: z.string().optional(),
  uncountedTerminatedPods: z.object({ succeeded: z.array(z.string()).optional(), failed: z.array(z.string()).optional() }).optional(),
  ready: z.number().int().optional(),
});
export type JobStatus = z.infer<typeof JobStatus>;

export const Job = z.object({
  apiVersion: z.literal('batch/v1').default('batch/v1'),
  kind: z.literal('Job').default('Job'),
  metadata: ObjectMeta.prefault({}),
  spec: JobSpec.prefault({}),
  status: JobStatus.prefault({}),
}).overwrite((job) => {
  // A job without labels takes those of its pods.
  const templateLabels = job.spec.template.metadata.labels;
  if (templateLabels && Object.keys(job.metadata.labels ?? {}).length === 0) job.metadata.labels = { ...templateLabels };
  return job;
});
export type Job = z.infer<typeof Job>;
export type JobInput = z.input<typeof Job>;

export const jobControllerUidLabel = 'batch.kubernetes.io/controller-uid';
export const jobNameLabel = 'batch.kubernetes.io/job-name';

/**
 * The Job strategy on create (generateSelector): unless manualSelector is set, the job's pods are selected
 * by its uid, and the template is labelled accordingly (with the legacy unprefixed labels too, as Kubernetes
 * still does). Labels the user already set are kept; a conflict then fails validation.
 */
export function prepareJobForCreate(job: Job): Job {
  if (job.spec.manualSelector || !job.metadata.uid) return job;
  const uid = job.metadata.uid;
  const name = job.metadata.name ?? '';
  const generated = { 'job-name': name, [jobNameLabel]: name, 'controller-uid': uid, [jobControllerUidLabel]: uid };
  const labels = { ...generated, ...job.spec.template.metadata.labels };
  const selector = job.spec.selector ?? {};
  return {
    ...job,
    spec: {
      ...job.spec,
      selector: { ...selector, matchLabels: { [jobControllerUidLabel]: uid, ...selector.matchLabels } },
      template: { ...job.spec.template, metadata: { ...job.spec.template.metadata, labels } },
    },
  };
}
