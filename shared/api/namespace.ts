// core/v1 Namespace. SetDefaults_Namespace labels every namespace with its own name and
// SetDefaults_NamespaceStatus makes it Active. The "kubernetes" finalizer is NOT a default: Kubernetes adds
// it only on create (namespace strategy), since the namespace controller removes it while deleting and a
// default would put it back; the registry applies it with prepareNamespaceForCreate.
import { z } from 'zod';
import { always, kubeChecks } from './field-errors.ts';
import { ConditionStatus, ObjectMeta, Time } from './meta.ts';
import { isQualifiedName } from './names.ts';

export const NamespacePhase = z.enum(['Active', 'Terminating']);
export type NamespacePhase = z.infer<typeof NamespacePhase>;

export const NamespaceCondition = z.object({
  type: z.string(),
  status: ConditionStatus,
  lastTransitionTime: Time.optional(),
  reason: z.string().optional(),
  message: z.string().optional(),
});

export const NamespaceSpec = z.object({ finalizers: z.array(z.string()).optional() });
export const NamespaceStatus = z.object({
  phase: NamespacePhase.default('Active'),
  conditions: z.array(NamespaceCondition).optional(),
});

export const metadataNameLabel = 'kubernetes.io/metadata.name';
export const kubernetesFinalizer = 'kubernetes';
const standardFinalizers = new Set([kubernetesFinalizer, 'orphan', 'foregroundDeletion']);

export const Namespace = z.object({
  apiVersion: z.literal('v1').default('v1'),
  kind: z.literal('Namespace').default('Namespace'),
  metadata: ObjectMeta.prefault({}),
  spec: NamespaceSpec.prefault({}),
  status: NamespaceStatus.prefault({}),
}).overwrite((ns) => {
  if (ns.metadata.name) ns.metadata.labels = { ...ns.metadata.labels, [metadataNameLabel]: ns.metadata.name };
  return ns;
}).superRefine(kubeChecks((ns, errs) => {
  ns.spec.finalizers?.forEach((f, i) => {
    const msgs = isQualifiedName(f);
    errs.invalidEach(['spec', 'finalizers', i], f, msgs);
    if (!msgs.length && !f.includes('/') && !standardFinalizers.has(f)) {
      errs.invalid(['spec', 'finalizers', i], f, 'name is neither a standard finalizer name nor is it fully qualified');
    }
  });
}), always);
export type Namespace = z.infer<typeof Namespace>;
export type NamespaceInput = z.input<typeof Namespace>;

/** What the namespace strategy does on create: Active, and always the "kubernetes" finalizer. */
export function prepareNamespaceForCreate(ns: Namespace): Namespace {
  const finalizers = ns.spec.finalizers ?? [];
  return {
    ...ns,
    spec: { ...ns.spec, finalizers: finalizers.includes(kubernetesFinalizer) ? finalizers : [...finalizers, kubernetesFinalizer] },
    status: { phase: 'Active' },
  };
}
