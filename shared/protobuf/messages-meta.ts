// Protobuf messages of k8s.io/apimachinery: meta/v1, api/resource, util/intstr and runtime.
// Transcribed from the generated.proto and types.go of each package (v0.32, what kubectl 1.32 sends); the notation is described in descriptors.ts.
// Time, MicroTime, Duration, FieldsV1, Quantity, IntOrString and RawExtension carry their proto field names:
// their JSON form comes from their Go MarshalJSON (go-json.ts), not from these fields.
import type { MessageTable } from './descriptors.ts';

export const metaMessages: MessageTable = {
  'meta.v1.ObjectMeta': [
    '1 name string omitempty',
    '2 generateName string omitempty',
    '3 namespace string omitempty',
    '4 selfLink string omitempty',
    '5 uid string omitempty',
    '6 resourceVersion string omitempty',
    '7 generation int64 omitempty',
    '8 creationTimestamp Time omitempty',
    '9 deletionTimestamp *Time omitempty',
    '10 deletionGracePeriodSeconds *int64 omitempty',
    '11 labels map[string]string omitempty',
    '12 annotations map[string]string omitempty',
    '13 ownerReferences []OwnerReference omitempty',
    '14 finalizers []string omitempty',
    '17 managedFields []ManagedFieldsEntry omitempty',
  ],
  'meta.v1.OwnerReference': [
    '5 apiVersion string',
    '1 kind string',
    '3 name string',
    '4 uid string',
    '6 controller *bool omitempty',
    '7 blockOwnerDeletion *bool omitempty',
  ],
  'meta.v1.ManagedFieldsEntry': [
    '1 manager string omitempty',
    '2 operation string omitempty',
    '3 apiVersion string omitempty',
    '4 time *Time omitempty',
    '6 fieldsType string omitempty',
    '7 fieldsV1 *FieldsV1 omitempty',
    '8 subresource string omitempty',
  ],
  'meta.v1.FieldsV1': ['1 Raw bytes'],
  'meta.v1.Time': ['1 seconds int64', '2 nanos int32'],
  'meta.v1.MicroTime': ['1 seconds int64', '2 nanos int32'],
  'meta.v1.Duration': ['1 duration int64'],
  'meta.v1.LabelSelector': [
    '1 matchLabels map[string]string omitempty',
    '2 matchExpressions []LabelSelectorRequirement omitempty',
  ],
  'meta.v1.LabelSelectorRequirement': ['1 key string', '2 operator string', '3 values []string omitempty'],
  'meta.v1.Condition': [
    '1 type string',
    '2 status string',
    '3 observedGeneration int64 omitempty',
    '4 lastTransitionTime Time',
    '5 reason string',
    '6 message string',
  ],
  'meta.v1.DeleteOptions': [
    '1 gracePeriodSeconds *int64 omitempty',
    '2 preconditions *Preconditions omitempty',
    '3 orphanDependents *bool omitempty',
    '4 propagationPolicy *string omitempty',
    '5 dryRun []string omitempty',
    '6 ignoreStoreReadErrorWithClusterBreakingPotential *bool omitempty',
  ],
  'meta.v1.Preconditions': ['1 uid *string omitempty', '2 resourceVersion *string omitempty'],
  'resource.Quantity': ['1 string string'],
  'intstr.IntOrString': ['1 type int64', '2 intVal int32', '3 strVal string'],
  'runtime.RawExtension': ['1 raw bytes'],
};
