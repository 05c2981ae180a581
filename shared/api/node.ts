// core/v1 Node: taints and pod CIDRs in the spec; capacity, conditions, addresses and system info in the
// status, which the kubelet keeps up to date. SetDefaults_NodeStatus: allocatable defaults to capacity.
import { z } from 'zod';
import { always, kubeChecks } from './field-errors.ts';
import { ConditionStatus, Loose, ObjectMeta, Time } from './meta.ts';
import { isQualifiedName, isValidCIDR, isValidLabelValue } from './names.ts';
import { TaintEffect } from './pod-spec.ts';
import { ResourceList } from './quantity.ts';

export const Taint = z.object({
  key: z.string(),
  value: z.string().optional(),
  effect: TaintEffect,
  timeAdded: Time.optional(),
});
export type Taint = z.infer<typeof Taint>;

export const NodeSpec = z.object({
  podCIDR: z.string().optional(),
  podCIDRs: z.array(z.string()).optional(),
  providerID: z.string().optional(),
  unschedulable: z.boolean().optional(),
  taints: z.array(Taint).optional(),
  configSource: Loose.optional(),
  externalID: z.string().optional(),
});
export type NodeSpec = z.infer<typeof NodeSpec>;

export const NodeCondition = z.object({
  type: z.string(),
  status: ConditionStatus,
  lastHeartbeatTime: Time.optional(),
  lastTransitionTime: Time.optional(),
  reason: z.string().optional(),
  message: z.string().optional(),
});
export type NodeCondition = z.infer<typeof NodeCondition>;

/** Hostname, InternalIP, ExternalIP, InternalDNS or ExternalDNS. */
export const NodeAddress = z.object({ type: z.string(), address: z.string() });
export type NodeAddress = z.infer<typeof NodeAddress>;

// Every NodeSystemInfo field is always serialized by Kubernetes.
const infoString = z.string().default('');
export const NodeSystemInfo = z.object({
  machineID: infoString,
  systemUUID: infoString,
  bootID: infoString,
  kernelVersion: infoString,
  osImage: infoString,
  containerRuntimeVersion: infoString,
  kubeletVersion: infoString,
  kubeProxyVersion: infoString,
  operatingSystem: infoString,
  architecture: infoString,
  swap: Loose.optional(),
});
export type NodeSystemInfo = z.infer<typeof NodeSystemInfo>;

export const NodeStatus = z.object({
  capacity: ResourceList.optional(),
  allocatable: ResourceList.optional(),
  phase: z.string().optional(),
  conditions: z.array(NodeCondition).optional(),
  addresses: z.array(NodeAddress).optional(),
  // `Port` is capitalized in the real API too.
  daemonEndpoints: z.object({ kubeletEndpoint: z.object({ Port: z.number().int().default(0) }).prefault({}) }).optional(),
  nodeInfo: NodeSystemInfo.optional(),
  images: z.array(z.object({ names: z.array(z.string()).optional(), sizeBytes: z.number().int().optional() })).optional(),
  volumesInUse: z.array(z.string()).optional(),
  volumesAttached: z.array(Loose).optional(),
  config: Loose.optional(),
  runtimeHandlers: z.array(Loose).optional(),
  features: Loose.optional(),
}).overwrite((s) => {
  if (s.allocatable === undefined && s.capacity !== undefined) s.allocatable = { ...s.capacity };
  return s;
});
export type NodeStatus = z.infer<typeof NodeStatus>;

export const Node = z.object({
  apiVersion: z.literal('v1').default('v1'),
  kind: z.literal('Node').default('Node'),
  metadata: ObjectMeta.prefault({}),
  spec: NodeSpec.prefault({}),
  status: NodeStatus.prefault({}),
}).superRefine(kubeChecks((node, errs) => {
  const seen = new Set<string>();
  node.spec.taints?.forEach((t, i) => {
    const path = ['spec', 'taints', i];
    if (!t.key) errs.required([...path, 'key']);
    else errs.invalidEach([...path, 'key'], t.key, isQualifiedName(t.key));
    errs.invalidEach([...path, 'value'], t.value ?? '', isValidLabelValue(t.value ?? ''));
    const id = `${t.effect}\u0000${t.key}`;
    if (seen.has(id)) errs.duplicate(path, t, 'taints must be unique by key and effect pair');
    seen.add(id);
  });
  node.spec.podCIDRs?.forEach((cidr, i) => errs.invalidEach(['spec', 'podCIDRs', i], cidr, isValidCIDR(cidr)));
}), always);
export type Node = z.infer<typeof Node>;
export type NodeInput = z.input<typeof Node>;
