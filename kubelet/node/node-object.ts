// The Node this kubelet registers and the status it reports, as the real kubelet builds them: the
// well-known labels, capacity (= allocatable: nothing is reserved), the four conditions with kube's
// reasons and messages, addresses, the kubelet's endpoint and the system info.
import { randomUUID } from 'node:crypto';
import { release } from 'node:os';
import type { Node, NodeCondition, NodeStatus } from '../../shared/api/node.ts';

export const KUBELET_VERSION = 'v1.32.0-k8ts';

export interface NodeIdentity {
  name: string;
  ip: string;
  /** The kubelet server's port (daemonEndpoints.kubeletEndpoint.Port). */
  port: number;
  labels: Record<string, string>;
  capacity: { cpu: string; memory: string; pods: string };
}

const goArch = (arch: string) => ({ x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x' })[arch] ?? arch;
export const NODE_ARCH = goArch(process.arch);

export function nodeLabels(identity: NodeIdentity): Record<string, string> {
  return {
    'beta.kubernetes.io/arch': NODE_ARCH,
    'beta.kubernetes.io/os': 'linux',
    'kubernetes.io/arch': NODE_ARCH,
    'kubernetes.io/hostname': identity.name,
    'kubernetes.io/os': 'linux',
    ...identity.labels,
  };
}

/** The Node object the kubelet creates when it registers. */
export function initialNode(identity: NodeIdentity): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: identity.name,
      labels: nodeLabels(identity),
      annotations: { 'volumes.kubernetes.io/controller-managed-attach-detach': 'true' },
    },
    spec: {},
    status: {},
  } as Node;
}

const CONDITIONS: { type: string; status: 'True' | 'False'; reason: string; message: string }[] = [
  { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory', message: 'kubelet has sufficient memory available' },
  { type: 'DiskPressure', status: 'False', reason: 'KubeletHasNoDiskPressure', message: 'kubelet has no disk pressure' },
  { type: 'PIDPressure', status: 'False', reason: 'KubeletHasSufficientPID', message: 'kubelet has sufficient PID available' },
  { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' },
];

/** The event the kubelet records when a condition becomes what it reports (kube's "NodeHas..." events). */
export const CONDITION_EVENTS: Record<string, string> = {
  MemoryPressure: 'NodeHasSufficientMemory',
  DiskPressure: 'NodeHasNoDiskPressure',
  PIDPressure: 'NodeHasSufficientPID',
  Ready: 'NodeReady',
};

const bootID = randomUUID();
const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The status to report now; conditions keep their lastTransitionTime while their status holds. */
export function nodeStatus(identity: NodeIdentity, current: NodeCondition[] | undefined, images: NodeStatus['images']): NodeStatus {
  const heartbeat = now();
  const conditions = CONDITIONS.map((c): NodeCondition => {
    const before = current?.find((x) => x.type === c.type);
    const lastTransitionTime = before?.status === c.status && before.lastTransitionTime ? before.lastTransitionTime : heartbeat;
    return { ...c, lastHeartbeatTime: heartbeat, lastTransitionTime };
  });
  const capacity = { ...identity.capacity, 'ephemeral-storage': '100Gi', 'hugepages-1Gi': '0', 'hugepages-2Mi': '0' };
  return {
    capacity,
    allocatable: { ...capacity },
    conditions,
    addresses: [{ type: 'InternalIP', address: identity.ip }, { type: 'Hostname', address: identity.name }],
    daemonEndpoints: { kubeletEndpoint: { Port: identity.port } },
    nodeInfo: {
      machineID: identity.name,
      systemUUID: identity.name,
      bootID,
      kernelVersion: release(),
      osImage: 'k8ts simulated node',
      containerRuntimeVersion: 'k8ts://0.1.0',
      kubeletVersion: KUBELET_VERSION,
      kubeProxyVersion: '',
      operatingSystem: 'linux',
      architecture: NODE_ARCH,
    },
    images,
  };
}

/** JSON with object keys sorted, so the API's copy and ours compare whatever order their keys are in. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.entries(value).filter(([, v]) => v !== undefined).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Has anything but heartbeat times changed between what the API shows and what we would report? */
export function nodeStatusChanged(api: NodeStatus | undefined, next: NodeStatus): boolean {
  if (!api) return true;
  const essential = (s: NodeStatus) => canonical({
    capacity: s.capacity, allocatable: s.allocatable, addresses: s.addresses, daemonEndpoints: s.daemonEndpoints,
    nodeInfo: { ...s.nodeInfo, swap: undefined },
    conditions: (s.conditions ?? []).filter((c) => c.type in CONDITION_EVENTS).map(({ type, status, reason, message }) => ({ type, status, reason, message })).sort((a, b) => a.type.localeCompare(b.type)),
    images: (s.images ?? []).length,
  });
  return essential(api) !== essential(next);
}
