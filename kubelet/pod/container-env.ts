// A container's environment as the kubelet builds it: HOSTNAME and PATH, then the spec's env in order
// (values, $(VAR) references to earlier ones, and the downward API's fieldRefs). ConfigMap and Secret
// references are not resolved by the simulation (they read as empty).
import type { Container } from '../../shared/api/container.ts';
import type { Pod } from '../../shared/api/pod.ts';
import { expandKubeVars } from '../runtime/container-process.ts';

function fieldRef(path: string, pod: Pod, podIP: string, hostIP: string): string {
  const label = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  if (label) return (label[1] === 'labels' ? pod.metadata.labels : pod.metadata.annotations)?.[label[2]] ?? '';
  switch (path) {
    case 'metadata.name': return pod.metadata.name ?? '';
    case 'metadata.namespace': return pod.metadata.namespace ?? '';
    case 'metadata.uid': return pod.metadata.uid ?? '';
    case 'spec.nodeName': return pod.spec.nodeName ?? '';
    case 'spec.serviceAccountName': return pod.spec.serviceAccountName ?? '';
    case 'status.podIP': case 'status.podIPs': return podIP;
    case 'status.hostIP': case 'status.hostIPs': return hostIP;
  }
  return '';
}

export function containerEnv(container: Container, pod: Pod, podIP: string, hostIP: string): Map<string, string> {
  const env = new Map<string, string>([
    ['PATH', '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
    ['HOSTNAME', pod.spec.hostname ?? pod.metadata.name ?? ''],
    ['HOME', '/root'],
  ]);
  for (const e of container.env ?? []) {
    if (e.valueFrom?.fieldRef) env.set(e.name, fieldRef(e.valueFrom.fieldRef.fieldPath, pod, podIP, hostIP));
    else env.set(e.name, expandKubeVars(e.value ?? '', env));
  }
  return env;
}
