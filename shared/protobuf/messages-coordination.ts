// Protobuf messages of k8s.io/api coordination/v1: Lease.
// Transcribed from coordination/v1/generated.proto and coordination/v1/types.go (v0.32, what kubectl 1.32 sends); the notation is described in descriptors.ts.
import type { MessageTable } from './descriptors.ts';

export const coordinationMessages: MessageTable = {
  'coordination.v1.Lease': ['1 metadata meta.v1.ObjectMeta omitempty', '2 spec LeaseSpec omitempty'],
  'coordination.v1.LeaseSpec': [
    '1 holderIdentity *string omitempty',
    '2 leaseDurationSeconds *int32 omitempty',
    '3 acquireTime *meta.v1.MicroTime omitempty',
    '4 renewTime *meta.v1.MicroTime omitempty',
    '5 leaseTransitions *int32 omitempty',
    '6 strategy *string omitempty',
    '7 preferredHolder *string omitempty',
  ],
};
