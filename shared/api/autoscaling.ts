// autoscaling/v1 Scale: the body of the `scale` subresource of Deployments and ReplicaSets.
import { z } from 'zod';
import { always, kubeChecks } from './field-errors.ts';
import { ObjectMeta } from './meta.ts';

export const Scale = z.object({
  apiVersion: z.literal('autoscaling/v1').default('autoscaling/v1'),
  kind: z.literal('Scale').default('Scale'),
  metadata: ObjectMeta.prefault({}),
  spec: z.object({ replicas: z.number().int().optional() }).prefault({}),
  status: z.object({
    // Always serialized, even when zero.
    replicas: z.number().int().default(0),
    /** The label selector of the pods, in its string form (e.g. "app=web"). */
    selector: z.string().optional(),
  }).prefault({}),
}).superRefine(kubeChecks((scale, errs) => errs.nonNegative(['spec', 'replicas'], scale.spec.replicas)), always);
export type Scale = z.infer<typeof Scale>;
export type ScaleInput = z.input<typeof Scale>;
