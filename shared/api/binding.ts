// core/v1 Binding, the body of POST pods/<name>/binding with which the scheduler assigns a pod to a node.
import { z } from 'zod';
import { always, kubeChecks } from './field-errors.ts';
import { ObjectMeta, ObjectReference } from './meta.ts';

export const Binding = z.object({
  apiVersion: z.literal('v1').default('v1'),
  kind: z.literal('Binding').default('Binding'),
  metadata: ObjectMeta.prefault({}),
  target: ObjectReference.prefault({}),
}).superRefine(kubeChecks((b, errs) => {
  if (b.target.kind && b.target.kind !== 'Node') errs.notSupported(['target', 'kind'], b.target.kind, ['Node', '<empty>']);
  if (!b.target.name) errs.required(['target', 'name']);
}), always);
export type Binding = z.infer<typeof Binding>;
export type BindingInput = z.input<typeof Binding>;
