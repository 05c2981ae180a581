// The schemas every group-version document refers to that are not kinds of our registry: list and
// status envelopes, delete options, patch bodies, watch events, discovery lists, autoscaling/v1
// Scale and core/v1 Binding (subresource bodies). Written by hand, trimmed to the fields we serve.
import { META_V1, schemaRef } from './names.ts';

export type JsonSchema = Record<string, unknown>;

const ref = (name: string, extra: JsonSchema = {}): JsonSchema => ({ ...extra, allOf: [{ $ref: schemaRef(name) }] });
const str = (description: string): JsonSchema => ({ type: 'string', description });
const int = (format: 'int32' | 'int64', description: string): JsonSchema => ({ type: 'integer', format, description });
const bool = (description: string): JsonSchema => ({ type: 'boolean', description });
const gvk = (group: string, version: string, kind: string) => ({ 'x-kubernetes-group-version-kind': [{ group, kind, version }] });

const apiVersion = str('The versioned schema of this representation of an object.');
const kind = str('The REST resource this object represents, in CamelCase.');

export const SCALE = 'io.k8s.api.autoscaling.v1.Scale';
export const BINDING = 'io.k8s.api.core.v1.Binding';
export const OBJECT_META = `${META_V1}.ObjectMeta`;

/** Fallback for when the registry provides no ObjectMeta schema of its own. */
export const objectMetaSchema: JsonSchema = {
  description: 'Metadata that all persisted resources must have.',
  type: 'object',
  properties: {
    annotations: { type: 'object', additionalProperties: { type: 'string', default: '' }, description: 'Unstructured key-value data stored with the resource.' },
    creationTimestamp: ref(`${META_V1}.Time`, { description: 'When this object was created, set by the server.' }),
    deletionGracePeriodSeconds: int('int64', 'Seconds allowed for graceful termination before removal.'),
    deletionTimestamp: ref(`${META_V1}.Time`, { description: 'When this object will be deleted, set by the server.' }),
    finalizers: { type: 'array', items: { type: 'string', default: '' }, description: 'Must be empty before the object is removed from storage.', 'x-kubernetes-list-type': 'set' },
    generateName: str('Prefix for a server-generated unique name, used when name is not given.'),
    generation: int('int64', 'A sequence number for the desired state, set by the server.'),
    labels: { type: 'object', additionalProperties: { type: 'string', default: '' }, description: 'Key-value pairs used to organize and select objects.' },
    managedFields: { type: 'array', items: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true }, description: 'Which manager owns which fields.' },
    name: str('Name, unique within a namespace.'),
    namespace: str('The namespace the name is unique in; empty for cluster-scoped objects.'),
    ownerReferences: { type: 'array', items: ref(`${META_V1}.OwnerReference`, { default: {} }), description: 'Objects this one depends on.', 'x-kubernetes-list-map-keys': ['uid'], 'x-kubernetes-list-type': 'map', 'x-kubernetes-patch-merge-key': 'uid', 'x-kubernetes-patch-strategy': 'merge' },
    resourceVersion: str('Opaque version of this object, for optimistic concurrency and watches.'),
    selfLink: str('Deprecated and unset.'),
    uid: str('Unique in time and space, set by the server.'),
  },
};

export const metaSchemas: Record<string, JsonSchema> = {
  [`${META_V1}.Time`]: { description: 'A timestamp in RFC3339 form with second precision.', type: 'string', format: 'date-time' },
  [`${META_V1}.OwnerReference`]: {
    description: 'Identifies an owning object, in the same namespace or cluster-scoped.',
    type: 'object',
    required: ['apiVersion', 'kind', 'name', 'uid'],
    properties: {
      apiVersion: { ...apiVersion, default: '' }, kind: { ...kind, default: '' }, name: str('Name of the referent.'), uid: str('UID of the referent.'),
      blockOwnerDeletion: bool('If true, the owner cannot be deleted from storage until this reference is removed.'),
      controller: bool('If true, this reference points to the managing controller.'),
    },
    'x-kubernetes-map-type': 'atomic',
  },
  [`${META_V1}.ListMeta`]: {
    description: 'Metadata of synthetic resources such as lists.',
    type: 'object',
    properties: {
      continue: str('Token to fetch the next chunk of a limited list.'),
      remainingItemCount: int('int64', 'Number of items left after this chunk, when known.'),
      resourceVersion: str('The version of the list, to watch from.'),
      selfLink: str('Deprecated and unset.'),
    },
  },
  [`${META_V1}.StatusCause`]: {
    description: 'More detail about a failure; one of possibly several.',
    type: 'object',
    properties: { field: str('The field the cause refers to, in JSONPath-like form.'), message: str('Human-readable description.'), reason: str('Machine-readable reason.') },
  },
  [`${META_V1}.StatusDetails`]: {
    description: 'Extra data about a Status.',
    type: 'object',
    properties: {
      causes: { type: 'array', items: ref(`${META_V1}.StatusCause`, { default: {} }), 'x-kubernetes-list-type': 'atomic', description: 'The causes of a failure.' },
      group: str('Group of the resource concerned.'), kind: str('Kind of the resource concerned.'), name: str('Name of the resource concerned.'),
      retryAfterSeconds: int('int32', 'Seconds the client should wait before retrying.'), uid: str('UID of the resource concerned.'),
    },
  },
  [`${META_V1}.Status`]: {
    description: 'The result of an operation that returns no object.',
    type: 'object',
    properties: {
      apiVersion, kind,
      code: int('int32', 'HTTP status code of this status.'),
      details: ref(`${META_V1}.StatusDetails`, { description: 'Reason-specific extra data.' }),
      message: str('Human-readable description of the status.'),
      metadata: ref(`${META_V1}.ListMeta`, { default: {} }),
      reason: str('Machine-readable reason, CamelCase.'),
      status: str('Success or Failure.'),
    },
    ...gvk('', 'v1', 'Status'),
  },
  [`${META_V1}.Preconditions`]: {
    description: 'Must be fulfilled before an operation is carried out.',
    type: 'object',
    properties: { resourceVersion: str('Target resourceVersion.'), uid: str('Target UID.') },
  },
  [`${META_V1}.DeleteOptions`]: {
    description: 'Options of a delete request.',
    type: 'object',
    properties: {
      apiVersion, kind,
      dryRun: { type: 'array', items: { type: 'string', default: '' }, 'x-kubernetes-list-type': 'atomic', description: 'When present, modifications are not persisted.' },
      gracePeriodSeconds: int('int64', 'Seconds before the object is deleted.'),
      ignoreStoreReadErrorWithClusterBreakingPotential: bool('Deletes an object that cannot be read from storage.'),
      orphanDependents: bool('Deprecated: use propagationPolicy.'),
      preconditions: ref(`${META_V1}.Preconditions`, { description: 'Must be fulfilled before deletion.' }),
      propagationPolicy: str('Orphan, Background or Foreground.'),
    },
    ...gvk('', 'v1', 'DeleteOptions'),
  },
  [`${META_V1}.Patch`]: { description: 'A patch body; its format is given by the Content-Type.', type: 'object' },
  [`${META_V1}.WatchEvent`]: {
    description: 'One event of a watch stream.',
    type: 'object',
    required: ['type', 'object'],
    properties: {
      object: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, description: 'The object that changed (or a Status for ERROR).' },
      type: { ...str('ADDED, MODIFIED, DELETED, BOOKMARK or ERROR.'), default: '' },
    },
    ...gvk('', 'v1', 'WatchEvent'),
  },
  [`${META_V1}.APIResource`]: {
    description: 'A resource served by a group-version.',
    type: 'object',
    required: ['name', 'singularName', 'namespaced', 'kind', 'verbs'],
    properties: {
      categories: { type: 'array', items: { type: 'string', default: '' }, 'x-kubernetes-list-type': 'atomic' },
      group: str('Preferred group of the resource.'), kind: { ...str('Kind of the resource.'), default: '' },
      name: { ...str('Plural name of the resource.'), default: '' }, namespaced: { ...bool('Whether the resource is namespaced.'), default: false },
      shortNames: { type: 'array', items: { type: 'string', default: '' }, 'x-kubernetes-list-type': 'atomic' },
      singularName: { ...str('Singular name of the resource.'), default: '' },
      storageVersionHash: str('Hash of the storage version.'), verbs: { type: 'array', items: { type: 'string', default: '' } },
      version: str('Preferred version of the resource.'),
    },
  },
  [`${META_V1}.APIResourceList`]: {
    description: 'The resources served by a group-version.',
    type: 'object',
    required: ['groupVersion', 'resources'],
    properties: {
      apiVersion, kind,
      groupVersion: { ...str('The group-version these resources belong to.'), default: '' },
      resources: { type: 'array', items: ref(`${META_V1}.APIResource`, { default: {} }), 'x-kubernetes-list-type': 'atomic' },
    },
    ...gvk('', 'v1', 'APIResourceList'),
  },
  'io.k8s.api.autoscaling.v1.ScaleSpec': {
    description: 'Desired state of a scale subresource.', type: 'object',
    properties: { replicas: int('int32', 'Desired number of instances of the scaled object.') },
  },
  'io.k8s.api.autoscaling.v1.ScaleStatus': {
    description: 'Current state of a scale subresource.', type: 'object', required: ['replicas'],
    properties: { replicas: { ...int('int32', 'Actual number of observed instances.'), default: 0 }, selector: str('Label query over the pods counted in replicas.') },
  },
  [SCALE]: {
    description: 'The scale subresource of a scalable resource.',
    type: 'object',
    properties: {
      apiVersion, kind,
      metadata: ref(OBJECT_META, { default: {} }),
      spec: ref('io.k8s.api.autoscaling.v1.ScaleSpec', { default: {} }),
      status: ref('io.k8s.api.autoscaling.v1.ScaleStatus'),
    },
    ...gvk('autoscaling', 'v1', 'Scale'),
  },
  'io.k8s.api.core.v1.ObjectReference': {
    description: 'A reference to an object.', type: 'object',
    properties: { apiVersion, kind, fieldPath: str('A field within the object.'), name: str('Name of the referent.'), namespace: str('Namespace of the referent.'), resourceVersion: str('Version of the referent.'), uid: str('UID of the referent.') },
    'x-kubernetes-map-type': 'atomic',
  },
  [BINDING]: {
    description: 'Binds an object to another; used to schedule a pod to a node.',
    type: 'object', required: ['target'],
    properties: { apiVersion, kind, metadata: ref(OBJECT_META, { default: {} }), target: ref('io.k8s.api.core.v1.ObjectReference', { default: {} }) },
    ...gvk('', 'v1', 'Binding'),
  },
};
