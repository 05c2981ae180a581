// Protobuf messages of k8s.io/api autoscaling/v1: Scale.
// Transcribed from autoscaling/v1/generated.proto and autoscaling/v1/types.go (v0.32, what kubectl 1.32 sends); the notation is described in descriptors.ts.
import type { MessageTable } from './descriptors.ts';

export const autoscalingMessages: MessageTable = {
  'autoscaling.v1.Scale': [
    '1 metadata meta.v1.ObjectMeta omitempty',
    '2 spec ScaleSpec omitempty',
    '3 status ScaleStatus omitempty',
  ],
  'autoscaling.v1.ScaleSpec': ['1 replicas int32 omitempty'],
  'autoscaling.v1.ScaleStatus': ['1 replicas int32', '2 selector string omitempty'],
};
