// core/v1 PodSpec and PodTemplateSpec (shared by Pods and every workload template), with
// SetDefaults_PodSpec / SetDefaults_Volume and ValidatePodSpec's checks.
import { z } from 'zod';
import { Container } from './container.ts';
import { always, FieldErrors, kubeChecks, type FieldPath } from './field-errors.ts';
import { Loose, ObjectMeta, StringMap, validateLabels } from './meta.ts';
import { inclusiveRangeError, isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidIP, isValidLabelValue } from './names.ts';
import { Quantity, ResourceList } from './quantity.ts';

// Volume sources are kept whole (z.looseObject): we model only what defaulting touches.
const withDefaultMode = z.looseObject({ defaultMode: z.number().int().default(0o644) });
const volumeSourceKeys = ['configMap', 'secret', 'projected', 'downwardAPI', 'emptyDir', 'hostPath', 'persistentVolumeClaim'];

export const Volume = z.looseObject({
  name: z.string(),
  configMap: withDefaultMode.optional(),
  secret: withDefaultMode.optional(),
  projected: withDefaultMode.optional(),
  downwardAPI: withDefaultMode.optional(),
  emptyDir: z.looseObject({ medium: z.string().optional(), sizeLimit: Quantity.optional() }).optional(),
  hostPath: z.looseObject({ path: z.string(), type: z.string().default('') }).optional(),
  persistentVolumeClaim: z.looseObject({ claimName: z.string(), readOnly: z.boolean().optional() }).optional(),
}).overwrite((v) => {
  // A volume that names no source is an emptyDir (SetDefaults_Volume).
  if (Object.keys(v).every((k) => k === 'name')) v.emptyDir = {};
  return v;
});
export type Volume = z.infer<typeof Volume>;

/** Taint effects in Kubernetes' order. */
export const TaintEffect = z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']);
export type TaintEffect = z.infer<typeof TaintEffect>;

export const Toleration = z.object({
  key: z.string().optional(),
  /** Absent means Equal. */
  operator: z.enum(['Equal', 'Exists']).optional(),
  value: z.string().optional(),
  /** Absent matches every effect. */
  effect: TaintEffect.optional(),
  tolerationSeconds: z.number().int().optional(),
}).superRefine(kubeChecks((t, errs) => {
  if (t.key) errs.invalidEach(['key'], t.key, isQualifiedName(t.key));
  if (!t.key && t.operator !== 'Exists') {
    errs.invalid(['operator'], t.operator ?? '', 'operator must be Exists when `key` is empty, which means "match all values and all keys"');
  }
  if (t.tolerationSeconds !== undefined && t.effect !== 'NoExecute') {
    errs.invalid(['effect'], t.effect ?? '', "effect must be 'NoExecute' when `tolerationSeconds` is set");
  }
  if (t.operator === 'Exists' && t.value) errs.invalid(['operator'], t, "value must be empty when `operator` is 'Exists'");
  if (t.operator !== 'Exists') {
    const msgs = isValidLabelValue(t.value ?? '');
    if (msgs.length) errs.invalid(['operator'], t.value ?? '', msgs.join(';'));
  }
}), always);
export type Toleration = z.infer<typeof Toleration>;

export const NodeSelectorRequirement = z.object({
  key: z.string(),
  operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt']),
  values: z.array(z.string()).optional(),
});
export type NodeSelectorRequirement = z.infer<typeof NodeSelectorRequirement>;

function validateNodeSelectorRequirement(rq: NodeSelectorRequirement, errs: FieldErrors, path: FieldPath) {
  const n = rq.values?.length ?? 0;
  if ((rq.operator === 'In' || rq.operator === 'NotIn') && n === 0) errs.required([...path, 'values'], "must be specified when `operator` is 'In' or 'NotIn'");
  if ((rq.operator === 'Exists' || rq.operator === 'DoesNotExist') && n > 0) errs.forbidden([...path, 'values'], "may not be specified when `operator` is 'Exists' or 'DoesNotExist'");
  if ((rq.operator === 'Gt' || rq.operator === 'Lt') && n !== 1) errs.required([...path, 'values'], "must be specified single value when `operator` is 'Lt' or 'Gt'");
  errs.invalidEach([...path, 'key'], rq.key, isQualifiedName(rq.key));
}

export const NodeSelectorTerm = z.object({
  matchExpressions: z.array(NodeSelectorRequirement).optional(),
  matchFields: z.array(NodeSelectorRequirement).optional(),
}).superRefine(kubeChecks((term, errs) => {
  term.matchExpressions?.forEach((rq, i) => validateNodeSelectorRequirement(rq, errs, ['matchExpressions', i]));
  term.matchFields?.forEach((rq, i) => {
    if (rq.key !== 'metadata.name') errs.invalid(['matchFields', i, 'key'], rq.key, 'not a valid field selector key');
    else if (rq.operator !== 'In' && rq.operator !== 'NotIn') errs.invalid(['matchFields', i, 'operator'], rq.operator, 'not a valid selector operator');
    else if (rq.values?.length !== 1) errs.required(['matchFields', i, 'values'], 'must be only one value when `operator` is \'In\' or \'NotIn\' for node field selector');
  });
}), always);
export type NodeSelectorTerm = z.infer<typeof NodeSelectorTerm>;

export const NodeSelector = z.object({ nodeSelectorTerms: z.array(NodeSelectorTerm) })
  .superRefine(kubeChecks((sel, errs) => {
    if (sel.nodeSelectorTerms.length === 0) errs.required(['nodeSelectorTerms'], 'must have at least one node selector term');
  }), always);

export const PreferredSchedulingTerm = z.object({ weight: z.number().int(), preference: NodeSelectorTerm })
  .superRefine(kubeChecks((t, errs) => {
    if (t.weight <= 0 || t.weight > 100) errs.invalid(['weight'], t.weight, 'must be in the range 1-100');
  }), always);

export const NodeAffinity = z.object({
  requiredDuringSchedulingIgnoredDuringExecution: NodeSelector.optional(),
  preferredDuringSchedulingIgnoredDuringExecution: z.array(PreferredSchedulingTerm).optional(),
});

export const Affinity = z.object({
  nodeAffinity: NodeAffinity.optional(),
  // Inter-pod (anti-)affinity is kept as sent.
  podAffinity: Loose.optional(),
  podAntiAffinity: Loose.optional(),
});
export type Affinity = z.infer<typeof Affinity>;

export const RestartPolicy = z.enum(['Always', 'OnFailure', 'Never']);
export type RestartPolicy = z.infer<typeof RestartPolicy>;
export const DNSPolicy = z.enum(['ClusterFirst', 'ClusterFirstWithHostNet', 'Default', 'None']);

const named = z.object({ name: z.string() });

function validateContainerSet(spec: PodSpec, errs: FieldErrors) {
  const names = new Set<string>();
  const volumes = new Set((spec.volumes ?? []).map((v) => v.name));
  const check = (field: 'initContainers' | 'containers') => spec[field]?.forEach((c, i) => {
    const path = [field, i];
    if (c.name && names.has(c.name)) errs.duplicate([...path, 'name'], c.name);
    names.add(c.name);
    c.volumeMounts?.forEach((m, j) => {
      if (m.name && !volumes.has(m.name)) errs.notFound([...path, 'volumeMounts', j, 'name'], m.name);
    });
    if (field === 'containers') {
      if (c.restartPolicy) errs.forbidden([...path, 'restartPolicy'], 'may not be set for non-init containers');
    } else if (c.restartPolicy !== 'Always') {
      // Plain init containers run to completion: probes and lifecycle hooks make no sense there.
      for (const f of ['lifecycle', 'livenessProbe', 'readinessProbe', 'startupProbe'] as const) {
        if (c[f]) errs.forbidden([...path, f], 'may not be set for init containers without restartPolicy=Always');
      }
    }
  });
  check('initContainers');
  check('containers');
}

function validateVolumes(spec: PodSpec, errs: FieldErrors) {
  const names = new Set<string>();
  spec.volumes?.forEach((v, i) => {
    const path = ['volumes', i];
    if (!v.name) errs.required([...path, 'name']);
    else {
      errs.invalidEach([...path, 'name'], v.name, isDNS1123Label(v.name));
      if (names.has(v.name)) errs.duplicate([...path, 'name'], v.name);
      names.add(v.name);
    }
    const sources = Object.keys(v).filter((k) => k !== 'name' && v[k] !== undefined);
    for (const extra of sources.slice(1)) errs.forbidden([...path, extra], 'may not specify more than 1 volume type');
    if (sources.length === 0) errs.required(path, 'must specify a volume type');
  });
}

export const PodSpec = z.object({
  volumes: z.array(Volume).optional(),
  initContainers: z.array(Container).optional(),
  containers: z.array(Container),
  ephemeralContainers: z.array(Loose).optional(),
  restartPolicy: RestartPolicy.default('Always'),
  terminationGracePeriodSeconds: z.number().int().default(30),
  activeDeadlineSeconds: z.number().int().optional(),
  dnsPolicy: DNSPolicy.default('ClusterFirst'),
  nodeSelector: StringMap.optional(),
  serviceAccountName: z.string().optional(),
  /** Deprecated alias of serviceAccountName, still served. */
  serviceAccount: z.string().optional(),
  automountServiceAccountToken: z.boolean().optional(),
  nodeName: z.string().optional(),
  hostNetwork: z.boolean().optional(),
  hostPID: z.boolean().optional(),
  hostIPC: z.boolean().optional(),
  shareProcessNamespace: z.boolean().optional(),
  securityContext: Loose.default(() => ({})),
  imagePullSecrets: z.array(named.partial()).optional(),
  hostname: z.string().optional(),
  subdomain: z.string().optional(),
  affinity: Affinity.optional(),
  schedulerName: z.string().default('default-scheduler'),
  tolerations: z.array(Toleration).optional(),
  hostAliases: z.array(z.object({ ip: z.string(), hostnames: z.array(z.string()).optional() })).optional(),
  priorityClassName: z.string().optional(),
  priority: z.number().int().optional(),
  dnsConfig: Loose.optional(),
  readinessGates: z.array(z.object({ conditionType: z.string() })).optional(),
  runtimeClassName: z.string().optional(),
  enableServiceLinks: z.boolean().optional(),
  preemptionPolicy: z.enum(['PreemptLowerPriority', 'Never']).optional(),
  overhead: ResourceList.optional(),
  topologySpreadConstraints: z.array(Loose).optional(),
  setHostnameAsFQDN: z.boolean().optional(),
  os: named.optional(),
  hostUsers: z.boolean().optional(),
  schedulingGates: z.array(named).optional(),
  resourceClaims: z.array(Loose).optional(),
  resources: Loose.optional(),
}).overwrite((s) => {
  if (s.schedulerName === '') s.schedulerName = 'default-scheduler';
  return s;
}).superRefine(kubeChecks((spec, errs) => {
  if (!spec.containers?.length) errs.required(['containers']);
  validateVolumes(spec, errs);
  validateContainerSet(spec, errs);
  validateLabels(spec.nodeSelector, errs, ['nodeSelector']);
  for (const f of ['serviceAccountName', 'nodeName'] as const) {
    if (spec[f]) errs.invalidEach([f], spec[f], isDNS1123Subdomain(spec[f]!));
  }
  for (const f of ['hostname', 'subdomain'] as const) {
    if (spec[f]) errs.invalidEach([f], spec[f], isDNS1123Label(spec[f]!));
  }
  const ads = spec.activeDeadlineSeconds;
  if (ads !== undefined && (ads < 1 || ads > 2147483647)) errs.invalid(['activeDeadlineSeconds'], ads, inclusiveRangeError(1, 2147483647));
  if (spec.dnsPolicy === 'None' && !spec.dnsConfig) errs.required(['dnsConfig'], 'must provide `dnsConfig` when `dnsPolicy` is None');
  spec.hostAliases?.forEach((a, i) => errs.invalidEach(['hostAliases', i, 'ip'], a.ip, isValidIP(a.ip)));
  spec.readinessGates?.forEach((g, i) => errs.invalidEach(['readinessGates', i, 'conditionType'], g.conditionType, isQualifiedName(g.conditionType)));
  const gates = new Set<string>();
  spec.schedulingGates?.forEach((g, i) => {
    errs.invalidEach(['schedulingGates', i, 'name'], g.name, isQualifiedName(g.name));
    if (gates.has(g.name)) errs.duplicate(['schedulingGates', i, 'name'], g.name);
    gates.add(g.name);
  });
}), always);
export type PodSpec = z.infer<typeof PodSpec>;

export const PodTemplateSpec = z.object({
  metadata: ObjectMeta.prefault({}),
  spec: PodSpec.prefault({ containers: [] }),
});
export type PodTemplateSpec = z.infer<typeof PodTemplateSpec>;
