// Which lists a strategic merge patch merges, and on which key: the `patchStrategy` and
// `patchMergeKey` struct tags of the Kubernetes Go types (k8s.io/api core/v1, apps/v1, batch/v1,
// coordination/v1, discovery/v1; metav1.ObjectMeta), transcribed as a tree of field names.
// A field not in the tree has no tag: maps merge key by key, lists are replaced whole.
import { hasOwn } from './json-values.ts';

export type PatchStrategy = 'merge' | 'replace' | 'retainKeys' | 'merge,retainKeys';

export interface FieldPatchMeta {
  /** The field's patchStrategy tag; absent means none. */
  readonly strategy?: PatchStrategy;
  /** patchMergeKey: the element field that identifies an element of a merged list of objects. */
  readonly mergeKey?: string;
  /** Metadata below the field: of the object it holds, or of each element of the list it holds. */
  readonly fields?: PatchMeta;
}

/** Patch metadata of an object's fields, by JSON field name. */
export type PatchMeta = { readonly [field: string]: FieldPatchMeta };

const merge = (mergeKey?: string, fields?: PatchMeta): FieldPatchMeta => ({
  strategy: 'merge',
  ...(mergeKey && { mergeKey }),
  ...(fields && { fields }),
});
const conditions = merge('type');

/** metav1.ObjectMeta */
const objectMeta: PatchMeta = {
  ownerReferences: merge('uid'),
  finalizers: merge(), // a list of strings, merged as a set
};

/** core/v1 Container and EphemeralContainerCommon (same tags). */
const container: PatchMeta = {
  ports: merge('containerPort'),
  env: merge('name'),
  volumeMounts: merge('mountPath'),
  volumeDevices: merge('devicePath'),
  // envFrom, resizePolicy, command, args: no tags (replaced).
};

/** core/v1 PodSpec */
const podSpec: PatchMeta = {
  volumes: { strategy: 'merge,retainKeys', mergeKey: 'name' },
  initContainers: merge('name', container),
  containers: merge('name', container),
  ephemeralContainers: merge('name', container),
  imagePullSecrets: merge('name'),
  hostAliases: merge('ip'),
  topologySpreadConstraints: merge('topologyKey'),
  schedulingGates: merge('name'),
  resourceClaims: { strategy: 'merge,retainKeys', mergeKey: 'name' },
  // tolerations, readinessGates: no tags (replaced).
};

/** core/v1 PodStatus; containerStatuses and initContainerStatuses carry no tags (replaced). */
const podStatus: PatchMeta = {
  conditions,
  podIPs: merge('ip'),
  hostIPs: merge('ip'),
  resourceClaimStatuses: { strategy: 'merge,retainKeys', mergeKey: 'name' },
};

/** core/v1 PodTemplateSpec, embedded by every workload as spec.template. */
const podTemplateSpec: PatchMeta = {
  metadata: { fields: objectMeta },
  spec: { fields: podSpec },
};

const object = (spec?: PatchMeta, status?: PatchMeta): PatchMeta => ({
  metadata: { fields: objectMeta },
  ...(spec && { spec: { fields: spec } }),
  ...(status && { status: { fields: status } }),
});

/** A workload whose spec holds a pod template and whose status has typed conditions. */
const workload = (spec: PatchMeta = {}): PatchMeta => object({ template: { fields: podTemplateSpec }, ...spec }, { conditions });

/** By apiVersion, then kind. */
const byApiVersion: { readonly [apiVersion: string]: { readonly [kind: string]: PatchMeta } } = {
  v1: {
    Pod: object(podSpec, podStatus),
    // taints carry no tag (replaced); podCIDRs is a merged list of strings.
    Node: object({ podCIDRs: merge() }, { conditions, addresses: merge('type') }),
    Service: object({ ports: merge('port') }, { conditions }),
    Namespace: object(undefined, { conditions }),
    // Endpoints subsets, ConfigMap and Secret data, Event fields: no tags.
    Endpoints: object(),
    ConfigMap: object(),
    Secret: object(),
    Event: object(),
  },
  'apps/v1': {
    Deployment: workload({ strategy: { strategy: 'retainKeys' } }),
    ReplicaSet: workload(),
    DaemonSet: workload(),
  },
  'batch/v1': {
    Job: workload(),
  },
  'coordination.k8s.io/v1': {
    Lease: object(),
  },
  'discovery.k8s.io/v1': {
    EndpointSlice: object(),
  },
};

/**
 * The patch metadata of a kind, or undefined when the kind has none: kube-apiserver refuses
 * strategic merge patches for such kinds (custom resources) with 415 Unsupported Media Type.
 */
export function patchMetaFor(apiVersion: string, kind: string): PatchMeta | undefined {
  if (!hasOwn(byApiVersion, apiVersion)) return undefined;
  const kinds = byApiVersion[apiVersion];
  return hasOwn(kinds, kind) ? kinds[kind] : undefined;
}

/** The metadata of one field of an object, if it has any. */
export function fieldMeta(meta: PatchMeta, field: string): FieldPatchMeta | undefined {
  return hasOwn(meta, field) ? meta[field] : undefined;
}

export const NO_PATCH_META: PatchMeta = {};
