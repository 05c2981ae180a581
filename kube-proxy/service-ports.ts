// What the proxy should serve, computed from the Service and EndpointSlice caches: one entry per
// Service port (kube's ServicePortName), with the endpoints its ClusterIP and its NodePort send to.
// Endpoint choice follows kube's pkg/proxy/topology.go: ready endpoints, or serving-and-terminating ones
// when none is ready; a traffic policy of Local keeps only this node's endpoints.
import { isIPv4 } from 'node:net';
import type { Service } from '../shared/api/core.ts';
import type { Endpoint, EndpointSlice } from '../shared/api/discovery.ts';

/** The label an EndpointSlice names its Service by (kube's discovery.LabelServiceName). */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

export interface SessionAffinity {
  clientIP: boolean;
  timeoutMs: number;
}

export interface ServicePortInfo {
  /** kube's ServicePortName: `namespace/name:port` (`namespace/name` for an unnamed port). */
  name: string;
  protocol: string;
  clusterIP: string;
  port: number;
  nodePort?: number;
  sessionAffinity: SessionAffinity;
  /** `ip:port` of the endpoints for traffic to the ClusterIP (internalTrafficPolicy), sorted. */
  clusterEndpoints: string[];
  /** `ip:port` of the endpoints for traffic to the NodePort (externalTrafficPolicy), sorted. */
  externalEndpoints: string[];
}

export const DEFAULT_CLIENT_IP_TIMEOUT_SECONDS = 10800;

interface Candidate {
  address: string;
  ready: boolean;
  serving: boolean;
  terminating: boolean;
  local: boolean;
}

/** Ready ones; failing those, the ones still serving while terminating (ProxyTerminatingEndpoints). */
function usable(candidates: Candidate[]): string[] {
  const ready = candidates.filter((c) => c.ready);
  const chosen = ready.length ? ready : candidates.filter((c) => c.serving && c.terminating);
  return [...new Set(chosen.map((c) => c.address))].sort();
}

function candidateOf(endpoint: Endpoint, port: number, nodeName: string): Candidate | undefined {
  const ip = endpoint.addresses[0];
  if (!ip || !isIPv4(ip)) return undefined;
  const ready = endpoint.conditions?.ready ?? true;
  return {
    address: `${ip}:${port}`,
    ready,
    serving: endpoint.conditions?.serving ?? ready,
    terminating: endpoint.conditions?.terminating ?? false,
    local: endpoint.nodeName === nodeName,
  };
}

export const servicePortName = (namespace: string, service: string, port: string) => `${namespace}/${service}${port ? `:${port}` : ''}`;

/** Every Service port the proxy serves: Services with a ClusterIP (not headless, not ExternalName). */
export function buildServicePorts(services: Service[], slices: EndpointSlice[], nodeName: string): ServicePortInfo[] {
  const slicesByService = new Map<string, EndpointSlice[]>();
  for (const slice of slices) {
    const owner = slice.metadata.labels?.[SERVICE_NAME_LABEL];
    if (!owner || slice.addressType !== 'IPv4') continue;
    const key = `${slice.metadata.namespace}/${owner}`;
    slicesByService.set(key, [...(slicesByService.get(key) ?? []), slice]);
  }
  const out: ServicePortInfo[] = [];
  for (const svc of services) {
    const spec = svc.spec;
    const clusterIP = spec.clusterIP ?? '';
    if (spec.type === 'ExternalName' || !isIPv4(clusterIP)) continue;
    const namespace = svc.metadata.namespace ?? '';
    const name = svc.metadata.name ?? '';
    const serviceSlices = slicesByService.get(`${namespace}/${name}`) ?? [];
    const clientIP = spec.sessionAffinity === 'ClientIP';
    const timeoutSeconds = spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? DEFAULT_CLIENT_IP_TIMEOUT_SECONDS;
    for (const port of spec.ports ?? []) {
      const candidates: Candidate[] = [];
      for (const slice of serviceSlices) {
        // An EndpointSlice port matches the Service port of the same name and protocol.
        const slicePort = (slice.ports ?? []).find((p) => (p.name ?? '') === (port.name ?? '') && (p.protocol ?? 'TCP') === port.protocol);
        if (slicePort?.port === undefined) continue;
        for (const endpoint of slice.endpoints) {
          const candidate = candidateOf(endpoint, slicePort.port, nodeName);
          if (candidate) candidates.push(candidate);
        }
      }
      const clusterWide = usable(candidates);
      const local = usable(candidates.filter((c) => c.local));
      out.push({
        name: servicePortName(namespace, name, port.name ?? ''),
        protocol: port.protocol,
        clusterIP,
        port: port.port,
        nodePort: port.nodePort || undefined,
        sessionAffinity: { clientIP, timeoutMs: timeoutSeconds * 1000 },
        clusterEndpoints: spec.internalTrafficPolicy === 'Local' ? local : clusterWide,
        externalEndpoints: spec.externalTrafficPolicy === 'Local' ? local : clusterWide,
      });
    }
  }
  return out;
}
