// What the scheduler needs to know about a pod, worked out once per version of the pod (kube's
// framework.PodInfo): its requests (plain and "non-zero" for scoring), host ports, tolerations, parsed
// node affinity and the owner it is spread with. The cache charges nodes with exactly these amounts,
// so removing a pod gives back what adding it took.
import type { Pod, Toleration } from '../shared/api/core.ts';
import { keyOf } from '../shared/informer/indexer.ts';
import { preferredNodeMatchers, requiredNodeMatcher, type NodeMatcher, type WeightedMatcher } from './node-selector.ts';
import { isZero, podRequests, type Resources } from './resources.ts';

export interface HostPort {
  /** "0.0.0.0" when the port binds every address. */
  ip: string;
  /** `${protocol}/${port}`. */
  protocolPort: string;
}

export interface PodInfo {
  key: string;
  pod: Pod;
  uid: string;
  requests: Resources;
  /** True when the pod requests nothing (only the pod count is checked then). */
  requestsNothing: boolean;
  nonZeroMilliCpu: number;
  nonZeroMemory: number;
  hostPorts: HostPort[];
  tolerations: Toleration[];
  /** spec.nodeSelector plus required node affinity; null when the pod has neither. */
  requiredAffinity: NodeMatcher | null;
  preferredAffinity: WeightedMatcher[] | null;
  /** UID of the pod's first owner reference: pods of one owner are spread apart. */
  ownerUid?: string;
  priority: number;
}

export const DEFAULT_BIND_ALL_HOST_IP = '0.0.0.0';

function hostPortsOf(pod: Pod): HostPort[] {
  const out: HostPort[] = [];
  const sidecars = pod.spec.initContainers?.filter((c) => c.restartPolicy === 'Always') ?? [];
  for (const c of [...pod.spec.containers, ...sidecars]) {
    for (const p of c.ports ?? []) {
      if (!p.hostPort || p.hostPort <= 0) continue;
      out.push({ ip: p.hostIP || DEFAULT_BIND_ALL_HOST_IP, protocolPort: `${p.protocol || 'TCP'}/${p.hostPort}` });
    }
  }
  return out;
}

export function podInfoOf(pod: Pod): PodInfo {
  const requests = podRequests(pod.spec);
  const nonZero = podRequests(pod.spec, true);
  return {
    key: keyOf(pod),
    pod,
    uid: pod.metadata.uid ?? '',
    requests,
    requestsNothing: isZero(requests),
    nonZeroMilliCpu: nonZero.milliCpu,
    nonZeroMemory: nonZero.memory,
    hostPorts: hostPortsOf(pod),
    tolerations: pod.spec.tolerations ?? [],
    requiredAffinity: requiredNodeMatcher(pod.spec),
    preferredAffinity: preferredNodeMatchers(pod.spec),
    ownerUid: pod.metadata.ownerReferences?.[0]?.uid,
    priority: pod.spec.priority ?? 0,
  };
}
