// coordination.k8s.io/v1 Lease: leader election and node heartbeats.
import { z } from 'zod';
import { always, kubeChecks } from './field-errors.ts';
import { MicroTime, ObjectMeta } from './meta.ts';

export const LeaseSpec = z.object({
  holderIdentity: z.string().optional(),
  leaseDurationSeconds: z.number().int().optional(),
  acquireTime: MicroTime.optional(),
  renewTime: MicroTime.optional(),
  leaseTransitions: z.number().int().optional(),
  strategy: z.string().optional(),
  preferredHolder: z.string().optional(),
});
export type LeaseSpec = z.infer<typeof LeaseSpec>;

export const Lease = z.object({
  apiVersion: z.literal('coordination.k8s.io/v1').default('coordination.k8s.io/v1'),
  kind: z.literal('Lease').default('Lease'),
  metadata: ObjectMeta.prefault({}),
  spec: LeaseSpec.prefault({}),
}).superRefine(kubeChecks((lease, errs) => {
  const spec = lease.spec;
  if (spec.leaseDurationSeconds !== undefined && spec.leaseDurationSeconds <= 0) {
    errs.invalid(['spec', 'leaseDurationSeconds'], spec.leaseDurationSeconds, 'must be greater than 0');
  }
  errs.nonNegative(['spec', 'leaseTransitions'], spec.leaseTransitions);
  if (spec.strategy && spec.strategy !== 'OldestEmulationVersion') errs.notSupported(['spec', 'strategy'], spec.strategy, ['OldestEmulationVersion']);
  if (spec.preferredHolder && !spec.strategy) errs.forbidden(['spec', 'preferredHolder'], 'may only be specified if `strategy` is defined');
}), always);
export type Lease = z.infer<typeof Lease>;
export type LeaseInput = z.input<typeof Lease>;
