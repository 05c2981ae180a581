// Which EndpointSlices a Service should have, and how to get there from the ones it has (kube's
// endpointslice reconciler): endpoints are grouped by the ports they serve; existing slices keep the
// endpoints still wanted (updated in place when they changed) and lose the others; new endpoints
// fill slices already being written, then fit into an unchanged one, then go into new slices;
// emptied slices are deleted, or renamed into the new ones instead. A Service with no endpoints at all
// keeps one empty "placeholder" slice.
import type { Pod, Service } from '../../shared/api/core.ts';
import type { Endpoint, EndpointSlice, EndpointSlicePort } from '../../shared/api/discovery.ts';
import { findPort, headlessServiceLabel, isHeadless, isPodReady, podReference, shouldPodBeInEndpoints, shouldSetHostname } from './endpoint-pods.ts';
import { semanticallyEqual } from './endpoint-writes.ts';

export const serviceNameLabel = 'kubernetes.io/service-name';
export const managedByLabel = 'endpointslice.kubernetes.io/managed-by';
export const controllerName = 'endpointslice-controller.k8s.io';
/** kube's --max-endpoints-per-slice default. */
export const defaultMaxEndpointsPerSlice = 100;

export interface SlicePlan {
  create: EndpointSlice[];
  update: EndpointSlice[];
  delete: EndpointSlice[];
}

interface PortGroup {
  ports: EndpointSlicePort[];
  /** The endpoints serving exactly these ports, by endpointKey. */
  endpoints: Map<string, Endpoint>;
}

/** An endpoint is the same endpoint while it is the same pod at the same addresses. */
const endpointKey = (ep: Endpoint) => `${ep.targetRef?.uid ?? ''}|${[...ep.addresses].sort().join(',')}`;
const portsKey = (ports: EndpointSlicePort[] | undefined) =>
  JSON.stringify((ports ?? []).map((p) => [p.name ?? '', p.port ?? 0, p.protocol ?? 'TCP', p.appProtocol ?? '']).sort());

export const ownedBy = (slice: EndpointSlice, svc: Service): boolean =>
  (slice.metadata.ownerReferences ?? []).some((o) => o.uid === svc.metadata.uid && o.kind === 'Service' && o.apiVersion === 'v1');

/** The labels a slice of this Service carries: the Service's own, plus the ones that tie the slice to it. */
export function sliceLabels(svc: Service): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(svc.metadata.labels ?? {})) {
    if (k !== serviceNameLabel && k !== managedByLabel) labels[k] = v;
  }
  if (isHeadless(svc)) labels[headlessServiceLabel] = '';
  else delete labels[headlessServiceLabel];
  labels[serviceNameLabel] = svc.metadata.name!;
  labels[managedByLabel] = controllerName;
  return labels;
}

function newSlice(svc: Service, ports: EndpointSlicePort[]): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      generateName: `${svc.metadata.name}-`,
      namespace: svc.metadata.namespace,
      labels: sliceLabels(svc),
      ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: svc.metadata.name!, uid: svc.metadata.uid!, controller: true, blockOwnerDeletion: true }],
    },
    addressType: 'IPv4',
    endpoints: [],
    ports,
  };
}

/** The endpoint a pod contributes, or undefined when it has no IPv4 address. */
function podEndpoint(pod: Pod, svc: Service, zoneOf: (node: string) => string | undefined): Endpoint | undefined {
  const ips = [pod.status.podIP, ...(pod.status.podIPs ?? []).map((p) => p.ip)].filter((ip): ip is string => !!ip && !ip.includes(':'));
  if (ips.length === 0) return undefined;
  const serving = isPodReady(pod);
  const terminating = pod.metadata.deletionTimestamp !== undefined;
  // A terminating pod is never "ready", unless the Service publishes not-ready addresses.
  const ready = svc.spec.publishNotReadyAddresses === true || (serving && !terminating);
  const ep: Endpoint = { addresses: [ips[0]], conditions: { ready, serving, terminating }, targetRef: podReference(pod) };
  if (pod.spec.nodeName) {
    ep.nodeName = pod.spec.nodeName;
    const zone = zoneOf(pod.spec.nodeName);
    if (zone) ep.zone = zone;
  }
  if (shouldSetHostname(pod, svc)) ep.hostname = pod.spec.hostname;
  return ep;
}

function desiredGroups(svc: Service, pods: Pod[], zoneOf: (node: string) => string | undefined): Map<string, PortGroup> {
  const groups = new Map<string, PortGroup>();
  for (const pod of pods) {
    // Terminating pods stay, marked terminating: clients drain them (unlike in Endpoints).
    if (!shouldPodBeInEndpoints(pod, true)) continue;
    const ep = podEndpoint(pod, svc, zoneOf);
    if (!ep) continue;
    const ports: EndpointSlicePort[] = [];
    for (const sp of svc.spec.ports ?? []) {
      const port = findPort(pod, sp);
      if (port === undefined) continue;
      const p: EndpointSlicePort = { name: sp.name ?? '', port, protocol: sp.protocol };
      if (sp.appProtocol) p.appProtocol = sp.appProtocol;
      ports.push(p);
    }
    const key = portsKey(ports);
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { ports, endpoints: new Map() }));
    group.endpoints.set(endpointKey(ep), ep);
  }
  return groups;
}

/** What to create, update and delete so that `existing` (the Service's slices in the cache) become what it wants. */
export function planSlices(svc: Service, pods: Pod[], existing: EndpointSlice[], zoneOf: (node: string) => string | undefined, maxPerSlice = defaultMaxEndpointsPerSlice): SlicePlan {
  const plan: SlicePlan = { create: [], update: [], delete: [] };
  const existingByPorts = new Map<string, EndpointSlice[]>();
  for (const slice of existing) {
    // Slices of an older Service of the same name, or of an address family we do not serve, go.
    if (!ownedBy(slice, svc) || slice.addressType !== 'IPv4') {
      plan.delete.push(slice);
      continue;
    }
    const key = portsKey(slice.ports);
    existingByPorts.set(key, [...(existingByPorts.get(key) ?? []), slice]);
  }
  const desired = desiredGroups(svc, pods, zoneOf);
  for (const [key, group] of desired) {
    const step = planPortGroup(svc, group, existingByPorts.get(key) ?? [], maxPerSlice);
    plan.create.push(...step.create);
    plan.update.push(...step.update);
    plan.delete.push(...step.delete);
  }
  for (const [key, slices] of existingByPorts) if (!desired.has(key)) plan.delete.push(...slices);

  // With nothing to serve, one empty slice still says "this Service has no endpoints".
  if (existing.length === plan.delete.length && plan.create.length === 0) {
    const placeholder = newSlice(svc, []);
    const reusable = plan.delete.length === 1 && isPlaceholderOf(plan.delete[0], placeholder, svc);
    if (reusable) plan.delete = [];
    else plan.create.push(placeholder);
  }

  // Rather than delete one slice and create another, rewrite the old one (fewer writes and watch events).
  while (plan.create.length > 0) {
    const i = plan.delete.findIndex((s) => ownedBy(s, svc) && s.addressType === 'IPv4');
    if (i < 0) break;
    const [old] = plan.delete.splice(i, 1);
    const fresh = plan.create.shift()!;
    plan.update.push({ ...fresh, metadata: { ...old.metadata, labels: fresh.metadata.labels, ownerReferences: fresh.metadata.ownerReferences, generateName: old.metadata.generateName } });
  }
  return plan;
}

function isPlaceholderOf(slice: EndpointSlice, placeholder: EndpointSlice, svc: Service): boolean {
  return ownedBy(slice, svc) && slice.endpoints.length === 0 && (slice.ports ?? []).length === 0 &&
    semanticallyEqual(slice.metadata.labels ?? {}, placeholder.metadata.labels);
}

/** reconcileByPortMapping: the slices serving one set of ports. */
function planPortGroup(svc: Service, group: PortGroup, slices: EndpointSlice[], maxPerSlice: number): SlicePlan {
  const plan: SlicePlan = { create: [], update: [], delete: [] };
  const wanted = new Map(group.endpoints);
  const labels = sliceLabels(svc);
  const toUpdate: EndpointSlice[] = [];
  const unchanged: EndpointSlice[] = [];

  // 1. Existing slices keep the endpoints still wanted (refreshed) and drop the rest.
  for (const slice of slices) {
    const kept: Endpoint[] = [];
    let changed = false;
    for (const ep of slice.endpoints) {
      const key = endpointKey(ep);
      const want = wanted.get(key);
      if (!want) continue;
      kept.push(want);
      if (!semanticallyEqual(want, ep)) changed = true;
      wanted.delete(key);
    }
    const labelsChanged = !semanticallyEqual(slice.metadata.labels ?? {}, labels);
    if (changed || kept.length !== slice.endpoints.length) {
      if (kept.length === 0) plan.delete.push(slice);
      else toUpdate.push({ ...structuredClone(slice), endpoints: kept, metadata: { ...structuredClone(slice.metadata), labels } });
    } else if (labelsChanged) {
      toUpdate.push({ ...structuredClone(slice), metadata: { ...structuredClone(slice.metadata), labels } });
    } else {
      unchanged.push(slice);
    }
  }

  const take = (slice: EndpointSlice) => {
    for (const [key, ep] of wanted) {
      if (slice.endpoints.length >= maxPerSlice) break;
      slice.endpoints.push(ep);
      wanted.delete(key);
    }
  };
  // 2. Slices being written anyway take new endpoints first, fullest first.
  if (wanted.size > 0) for (const slice of [...toUpdate].sort((a, b) => b.endpoints.length - a.endpoints.length)) take(slice);

  // 3. Then one unchanged slice that fits what is left, or new slices.
  while (wanted.size > 0) {
    let target: EndpointSlice | undefined;
    if (wanted.size < maxPerSlice) {
      const fit = sliceToFill(unchanged, wanted.size, maxPerSlice);
      if (fit) {
        unchanged.splice(unchanged.indexOf(fit), 1);
        target = structuredClone(fit);
        toUpdate.push(target);
      }
    }
    if (!target) {
      target = newSlice(svc, group.ports);
      plan.create.push(target);
    }
    take(target);
  }
  plan.update.push(...toUpdate);
  return plan;
}

/** getSliceToFill: the fullest unchanged slice that still has room for `count` more endpoints. */
function sliceToFill(slices: EndpointSlice[], count: number, maxPerSlice: number): EndpointSlice | undefined {
  let best: EndpointSlice | undefined;
  for (const s of slices) {
    if (s.endpoints.length + count > maxPerSlice) continue;
    if (!best || s.endpoints.length > best.endpoints.length) best = s;
  }
  return best;
}
