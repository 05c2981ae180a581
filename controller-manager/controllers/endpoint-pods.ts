// What the Endpoints and EndpointSlice controllers share about the pods behind a Service (kube's
// pkg/api/v1/pod and pkg/controller/util/endpoint helpers): which pods a Service selects, whether a
// pod belongs in its endpoints at all, whether it is ready, and which port a service port reaches on it.
import type { Pod, Service, ServicePort } from '../../shared/api/core.ts';
import type { SharedInformer } from '../../shared/informer/informer.ts';
import { selectorFromSet, type LabelSelector } from '../../shared/selectors/labels.ts';

/**
 * The selector of a Service that gets endpoints from its pods; undefined for a Service without one
 * (its Endpoints are written by hand) and for ExternalName Services (kube gives those none).
 */
export function serviceSelector(svc: Service): LabelSelector | undefined {
  if (svc.spec.type === 'ExternalName') return undefined;
  // An empty selector does not survive a round trip through kube's storage either: it means "none".
  if (!svc.spec.selector || Object.keys(svc.spec.selector).length === 0) return undefined;
  return selectorFromSet(svc.spec.selector);
}

/** The pods in the Service's namespace that its selector matches. */
export function podsOfService(svc: Service, pods: SharedInformer<Pod>): Pod[] {
  const selector = serviceSelector(svc);
  if (!selector) return [];
  return pods.list(svc.metadata.namespace ?? '').filter((p) => selector.matches(p.metadata.labels));
}

/** Keys (namespace/name) of the Services whose selector matches the pod (getPodServiceMemberships). */
export function servicesSelectingPod(pod: Pod, services: SharedInformer<Service>): Set<string> {
  const keys = new Set<string>();
  const ns = pod.metadata.namespace ?? '';
  for (const svc of services.list(ns)) {
    if (serviceSelector(svc)?.matches(pod.metadata.labels)) keys.add(`${ns}/${svc.metadata.name}`);
  }
  return keys;
}

/** The keys of the Services a pod change concerns: its Services before and after, if anything that matters changed. */
export function servicesForPodChange(oldPod: Pod, newPod: Pod, services: SharedInformer<Service>): Set<string> {
  if (oldPod.metadata.resourceVersion === newPod.metadata.resourceVersion) return new Set();
  const labelsChanged = JSON.stringify(oldPod.metadata.labels ?? {}) !== JSON.stringify(newPod.metadata.labels ?? {});
  if (!labelsChanged && !podEndpointsChanged(oldPod, newPod)) return new Set();
  const keys = servicesSelectingPod(newPod, services);
  if (labelsChanged) for (const k of servicesSelectingPod(oldPod, services)) keys.add(k);
  return keys;
}

/** Whether anything an endpoint is made of changed (kube's podEndpointsChanged). */
function podEndpointsChanged(a: Pod, b: Pod): boolean {
  const view = (p: Pod) => JSON.stringify([
    p.metadata.uid, p.metadata.deletionTimestamp !== undefined, isPodReady(p), p.status.phase, p.status.podIP, p.status.podIPs,
    p.spec.nodeName, p.spec.hostname, p.spec.subdomain, p.spec.containers.map((c) => c.ports ?? []),
  ]);
  return view(a) !== view(b);
}

/** podutil.IsPodReady: the Ready condition is True. */
export const isPodReady = (pod: Pod): boolean => pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

/**
 * endpointutil.ShouldPodBeInEndpoints: a pod that has finished (Succeeded, or Failed) or has no IP
 * yet is not an endpoint; a terminating one only when the caller keeps terminating endpoints.
 */
export function shouldPodBeInEndpoints(pod: Pod, includeTerminating: boolean): boolean {
  if (pod.status.phase === 'Succeeded' || pod.status.phase === 'Failed') return false;
  if (!pod.status.podIP && !pod.status.podIPs?.length) return false;
  if (!includeTerminating && pod.metadata.deletionTimestamp !== undefined) return false;
  return true;
}

/**
 * podutil.FindPort: the port a service port reaches on this pod. A number is taken as is; a name is
 * looked up among the pod's container ports (and sidecar init containers') with the same protocol.
 */
export function findPort(pod: Pod, servicePort: ServicePort): number | undefined {
  const target = servicePort.targetPort ?? servicePort.port;
  if (typeof target === 'number') return target;
  if (/^\d+$/.test(target)) return Number(target);
  const sidecars = (pod.spec.initContainers ?? []).filter((c) => c.restartPolicy === 'Always');
  for (const container of [...pod.spec.containers, ...sidecars]) {
    for (const port of container.ports ?? []) {
      if (port.name === target && port.protocol === servicePort.protocol) return port.containerPort;
    }
  }
  return undefined;
}

/** A Service with no cluster IP (headless): its pods' hostnames become DNS records. */
export const isHeadless = (svc: Service): boolean => !svc.spec.clusterIP || svc.spec.clusterIP === 'None';

/** endpointutil.ShouldSetHostname: the pod asked for this Service as its subdomain, and the Service is headless. */
export const shouldSetHostname = (pod: Pod, svc: Service): boolean =>
  !!pod.spec.hostname && pod.spec.subdomain === svc.metadata.name && svc.spec.clusterIP === 'None';

/** The reference an endpoint keeps to its pod. */
export const podReference = (pod: Pod) => ({ kind: 'Pod', namespace: pod.metadata.namespace, name: pod.metadata.name, uid: pod.metadata.uid });

/** The label kube puts on the Endpoints and EndpointSlices of a headless Service. */
export const headlessServiceLabel = 'service.kubernetes.io/headless';
