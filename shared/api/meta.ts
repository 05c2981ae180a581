// meta/v1 types shared by every kind: ObjectMeta, ListMeta, OwnerReference, LabelSelector, ObjectReference,
// Condition, DeleteOptions, IntOrString; with apimachinery's ObjectMeta and LabelSelector validation.
import { z } from 'zod';
import { always, FieldErrors, kubeChecks } from './field-errors.ts';
import { isQualifiedName, isValidLabelValue } from './names.ts';

/** RFC 3339 timestamp (metav1.Time), e.g. 2024-01-02T03:04:05Z. */
export const Time = z.string();
/** RFC 3339 timestamp with microseconds (metav1.MicroTime). */
export const MicroTime = z.string();

/** intstr.IntOrString: a JSON number or a string. */
export const IntOrString = z.union([z.number().int(), z.string()]);
export type IntOrString = z.infer<typeof IntOrString>;

/** A subtree kept exactly as sent (fields we do not model one by one); never stripped. */
export const Loose = z.record(z.string(), z.unknown());
export type Loose = z.infer<typeof Loose>;

export const StringMap = z.record(z.string(), z.string());

/** ValidateLabels: every key a qualified name, every value a label value; errors point at the map itself. */
export function validateLabels(labels: Record<string, string> | undefined, errs: FieldErrors, path: (string | number)[]) {
  if (!labels) return;
  for (const [k, v] of Object.entries(labels)) {
    errs.invalidEach(path, k, isQualifiedName(k));
    errs.invalidEach(path, v, isValidLabelValue(v));
  }
}

export const Labels = StringMap.superRefine(kubeChecks<Record<string, string>>((labels, errs) => validateLabels(labels, errs, [])));

const totalAnnotationSizeLimit = 256 * 1024;
export const Annotations = StringMap.superRefine(kubeChecks<Record<string, string>>((annotations, errs) => {
  let size = 0;
  for (const [k, v] of Object.entries(annotations)) {
    // Annotation keys are qualified names, except that case does not matter.
    errs.invalidEach([], k, isQualifiedName(k.toLowerCase()));
    size += Buffer.byteLength(k) + Buffer.byteLength(v);
  }
  if (size > totalAnnotationSizeLimit) errs.tooLong([], totalAnnotationSizeLimit);
}));

export const OwnerReference = z.object({
  apiVersion: z.string(),
  kind: z.string(),
  name: z.string(),
  uid: z.string(),
  controller: z.boolean().optional(),
  blockOwnerDeletion: z.boolean().optional(),
});
export type OwnerReference = z.infer<typeof OwnerReference>;

export const ManagedFieldsEntry = Loose;

const orphanFinalizer = 'orphan';
const foregroundFinalizer = 'foregroundDeletion';

function validateOwnerReferences(refs: OwnerReference[], errs: FieldErrors) {
  // apimachinery reports these at `ownerReferences.<field>`, without the index.
  const path = 'ownerReferences';
  let firstController = '';
  for (const ref of refs) {
    const slash = ref.apiVersion.indexOf('/');
    const version = ref.apiVersion.split('/').length > 2 ? '' : ref.apiVersion.slice(slash + 1);
    const group = slash >= 0 ? ref.apiVersion.slice(0, slash) : '';
    if (!version) errs.invalid([path, 'apiVersion'], ref.apiVersion, 'version must not be empty');
    if (!ref.kind) errs.invalid([path, 'kind'], ref.kind, 'must not be empty');
    if (!ref.name) errs.invalid([path, 'name'], ref.name, 'must not be empty');
    if (!ref.uid) errs.invalid([path, 'uid'], ref.uid, 'must not be empty');
    if (group === '' && version === 'v1' && ref.kind === 'Event') errs.invalid([path], ref, '/v1, Kind=Event is disallowed from being an owner');
    if (ref.controller) {
      const current = `${ref.kind}/${ref.name}`;
      if (firstController) {
        errs.invalid([path], refs, `Only one reference can have Controller set to true. Found "true" in references for ${firstController} and ${current}`);
      } else {
        firstController = current;
      }
    }
  }
}

export const ObjectMeta = z.object({
  name: z.string().optional(),
  generateName: z.string().optional(),
  namespace: z.string().optional(),
  uid: z.string().optional(),
  resourceVersion: z.string().optional(),
  generation: z.number().int().optional(),
  creationTimestamp: Time.optional(),
  deletionTimestamp: Time.optional(),
  deletionGracePeriodSeconds: z.number().int().optional(),
  labels: Labels.optional(),
  annotations: Annotations.optional(),
  ownerReferences: z.array(OwnerReference).optional(),
  finalizers: z.array(z.string()).optional(),
  managedFields: z.array(ManagedFieldsEntry).optional(),
}).superRefine(kubeChecks((meta, errs) => {
  errs.nonNegative(['generation'], meta.generation);
  if (meta.ownerReferences) validateOwnerReferences(meta.ownerReferences, errs);
  if (meta.finalizers) {
    for (const f of meta.finalizers) errs.invalidEach(['finalizers'], f, isQualifiedName(f));
    if (meta.finalizers.includes(orphanFinalizer) && meta.finalizers.includes(foregroundFinalizer)) {
      errs.invalid(['finalizers'], meta.finalizers, `finalizer ${orphanFinalizer} and ${foregroundFinalizer} cannot be both set`);
    }
  }
}), always);
export type ObjectMeta = z.infer<typeof ObjectMeta>;

export const ListMeta = z.object({
  resourceVersion: z.string().optional(),
  continue: z.string().optional(),
  remainingItemCount: z.number().int().optional(),
  selfLink: z.string().optional(),
});
export type ListMeta = z.infer<typeof ListMeta>;

/** A `<Kind>List` document around items of the given schema. */
export const listOf = <T extends z.ZodType>(item: T) =>
  z.object({ apiVersion: z.string(), kind: z.string(), metadata: ListMeta.prefault({}), items: z.array(item) });

export const LabelSelectorOperator = z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist']);

export const LabelSelectorRequirement = z.object({
  key: z.string(),
  operator: LabelSelectorOperator,
  values: z.array(z.string()).optional(),
});
export type LabelSelectorRequirement = z.infer<typeof LabelSelectorRequirement>;

export const LabelSelector = z.object({
  matchLabels: StringMap.optional(),
  matchExpressions: z.array(LabelSelectorRequirement).optional(),
}).superRefine(kubeChecks((sel, errs) => {
  validateLabels(sel.matchLabels, errs, ['matchLabels']);
  sel.matchExpressions?.forEach((req, i) => {
    const path = ['matchExpressions', i];
    const values = req.values ?? [];
    if ((req.operator === 'In' || req.operator === 'NotIn') && values.length === 0) {
      errs.required([...path, 'values'], "must be specified when `operator` is 'In' or 'NotIn'");
    }
    if ((req.operator === 'Exists' || req.operator === 'DoesNotExist') && values.length > 0) {
      errs.forbidden([...path, 'values'], "may not be specified when `operator` is 'Exists' or 'DoesNotExist'");
    }
    errs.invalidEach([...path, 'key'], req.key, isQualifiedName(req.key));
    values.forEach((v, j) => errs.invalidEach([...path, 'values', j], v, isValidLabelValue(v)));
  });
}), always);
export type LabelSelector = z.infer<typeof LabelSelector>;

export const isEmptySelector = (sel: LabelSelector) =>
  Object.keys(sel.matchLabels ?? {}).length + (sel.matchExpressions?.length ?? 0) === 0;

/** Whether labels satisfy a LabelSelector; an empty selector matches everything. */
export function labelSelectorMatches(sel: LabelSelector, labels: Record<string, string> | undefined): boolean {
  const have = labels ?? {};
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (have[k] !== v) return false;
  for (const req of sel.matchExpressions ?? []) {
    const present = Object.hasOwn(have, req.key);
    const values = req.values ?? [];
    switch (req.operator) {
      case 'In': if (!present || !values.includes(have[req.key])) return false; break;
      case 'NotIn': if (present && values.includes(have[req.key])) return false; break;
      case 'Exists': if (!present) return false; break;
      case 'DoesNotExist': if (present) return false; break;
    }
  }
  return true;
}

export const ObjectReference = z.object({
  kind: z.string().optional(),
  namespace: z.string().optional(),
  name: z.string().optional(),
  uid: z.string().optional(),
  apiVersion: z.string().optional(),
  resourceVersion: z.string().optional(),
  fieldPath: z.string().optional(),
});
export type ObjectReference = z.infer<typeof ObjectReference>;

export const LocalObjectReference = z.object({ name: z.string().optional() });

export const ConditionStatus = z.enum(['True', 'False', 'Unknown']);

/** metav1.Condition, the standard condition shape of newer APIs. */
export const Condition = z.object({
  type: z.string(),
  status: ConditionStatus,
  observedGeneration: z.number().int().optional(),
  lastTransitionTime: Time,
  reason: z.string(),
  message: z.string(),
});
export type Condition = z.infer<typeof Condition>;

export const Preconditions = z.object({ uid: z.string().optional(), resourceVersion: z.string().optional() });

export const DeletionPropagation = z.enum(['Foreground', 'Background', 'Orphan']);
export type DeletionPropagation = z.infer<typeof DeletionPropagation>;

/** meta/v1 DeleteOptions, the optional body of a DELETE. */
export const DeleteOptions = z.object({
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
  gracePeriodSeconds: z.number().int().optional(),
  preconditions: Preconditions.optional(),
  orphanDependents: z.boolean().optional(),
  propagationPolicy: DeletionPropagation.optional(),
  dryRun: z.array(z.string()).optional(),
}).superRefine(kubeChecks((opts, errs) => {
  if (opts.orphanDependents !== undefined && opts.propagationPolicy !== undefined) {
    errs.invalid(['propagationPolicy'], opts.propagationPolicy, 'orphanDependents and deletionPropagation cannot be both set');
  }
  if (opts.dryRun && !opts.dryRun.every((d) => d === 'All')) errs.notSupported(['dryRun'], opts.dryRun, ['All']);
}), always);
export type DeleteOptions = z.infer<typeof DeleteOptions>;
