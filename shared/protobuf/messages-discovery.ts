// Protobuf messages of k8s.io/api discovery/v1: EndpointSlice.
// Transcribed from discovery/v1/generated.proto and discovery/v1/types.go (v0.32, what kubectl 1.32 sends); the notation is described in descriptors.ts.
import type { MessageTable } from './descriptors.ts';

export const discoveryMessages: MessageTable = {
  'discovery.v1.EndpointSlice': [
    '1 metadata meta.v1.ObjectMeta omitempty',
    '4 addressType string',
    '2 endpoints []Endpoint',
    '3 ports []EndpointPort',
  ],
  'discovery.v1.Endpoint': [
    '1 addresses []string',
    '2 conditions EndpointConditions omitempty',
    '3 hostname *string omitempty',
    '4 targetRef *core.v1.ObjectReference omitempty',
    '5 deprecatedTopology map[string]string omitempty',
    '6 nodeName *string omitempty',
    '7 zone *string omitempty',
    '8 hints *EndpointHints omitempty',
  ],
  'discovery.v1.EndpointConditions': ['1 ready *bool omitempty', '2 serving *bool omitempty', '3 terminating *bool omitempty'],
  'discovery.v1.EndpointHints': ['1 forZones []ForZone omitempty'],
  'discovery.v1.ForZone': ['1 name string'],
  'discovery.v1.EndpointPort': [
    '1 name *string omitempty',
    '2 protocol *string omitempty',
    '3 port *int32 omitempty',
    '4 appProtocol *string omitempty',
  ],
};
