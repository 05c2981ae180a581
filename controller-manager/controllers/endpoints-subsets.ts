// Endpoints subsets as kube writes them (pkg/api/v1/endpoints RepackSubsets and the endpoints
// controller's truncation): one subset per distinct set of ports, each listing the addresses that
// serve exactly those ports, sorted so that equal content always serializes the same way.
import type { EndpointAddress, EndpointPort, EndpointSubset } from '../../shared/api/core.ts';

/** At most this many addresses in one Endpoints object (kube's maxCapacity); the rest are dropped. */
export const maxEndpointsCapacity = 1000;
export const overCapacityAnnotation = 'endpoints.kubernetes.io/over-capacity';

const addressKey = (a: EndpointAddress) => `${a.ip}\u0000${a.targetRef?.uid ?? ''}`;
const portKey = (p: EndpointPort) => `${p.name ?? ''}\u0000${p.port}\u0000${p.protocol}\u0000${p.appProtocol ?? ''}`;
/** Subsets without ports keep their addresses under this stand-in port. */
const NO_PORT = '\u0001';

function compareAddresses(a: EndpointAddress, b: EndpointAddress): number {
  if (a.ip !== b.ip) return a.ip < b.ip ? -1 : 1;
  const ua = a.targetRef?.uid ?? '';
  const ub = b.targetRef?.uid ?? '';
  return ua < ub ? -1 : ua > ub ? 1 : 0;
}

const compareStrings = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Regroups subsets (typically one per address and port) so that addresses sharing the same ports
 * share a subset. An address both ready and not ready (two pods cannot share an IP, but a caller may
 * list one twice) counts as ready.
 */
export function repackSubsets(subsets: EndpointSubset[]): EndpointSubset[] {
  const addresses = new Map<string, EndpointAddress>();
  const ports = new Map<string, EndpointPort | undefined>();
  // port -> address -> ready
  const byPort = new Map<string, Map<string, boolean>>();
  const note = (port: string, list: EndpointAddress[] | undefined, ready: boolean) => {
    let set = byPort.get(port);
    if (!set) byPort.set(port, (set = new Map()));
    for (const a of list ?? []) {
      const key = addressKey(a);
      if (!addresses.has(key)) addresses.set(key, a);
      if (ready || !set.has(key)) set.set(key, ready || (set.get(key) ?? false));
    }
  };
  for (const ss of subsets) {
    const list = ss.ports?.length ? ss.ports : undefined;
    for (const p of list ?? [undefined]) {
      const key = p ? portKey(p) : NO_PORT;
      ports.set(key, p);
      note(key, ss.addresses, true);
      note(key, ss.notReadyAddresses, false);
    }
  }
  // Ports offered by the same set of addresses form one subset.
  const groups = new Map<string, { members: Map<string, boolean>; ports: EndpointPort[] }>();
  for (const [port, members] of byPort) {
    if (members.size === 0) continue;
    const id = [...members].map(([k, r]) => `${k}\u0000${r}`).sort().join('\u0002');
    let group = groups.get(id);
    if (!group) groups.set(id, (group = { members, ports: [] }));
    const p = ports.get(port);
    if (p) group.ports.push(p);
  }
  const out: EndpointSubset[] = [];
  for (const { members, ports: groupPorts } of groups.values()) {
    const ready: EndpointAddress[] = [];
    const notReady: EndpointAddress[] = [];
    for (const [key, isReady] of members) (isReady ? ready : notReady).push(addresses.get(key)!);
    const subset: EndpointSubset = {};
    if (ready.length) subset.addresses = ready.sort(compareAddresses);
    if (notReady.length) subset.notReadyAddresses = notReady.sort(compareAddresses);
    if (groupPorts.length) subset.ports = groupPorts.sort((a, b) => compareStrings(portKey(a), portKey(b)));
    out.push(subset);
  }
  return out.sort((a, b) => compareStrings(subsetKey(a), subsetKey(b)));
}

const subsetKey = (s: EndpointSubset) =>
  `${(s.ports ?? []).map(portKey).join(',')}|${(s.addresses ?? s.notReadyAddresses ?? [])[0]?.ip ?? ''}`;

const count = (subsets: EndpointSubset[], field: 'addresses' | 'notReadyAddresses') =>
  subsets.reduce((n, s) => n + (s[field]?.length ?? 0), 0);

/**
 * Keeps an Endpoints object under maxEndpointsCapacity addresses (kube's truncateEndpoints): ready
 * addresses are kept before not-ready ones, and each subset keeps a share in proportion to its size.
 * Returns whether anything was dropped.
 */
export function truncateSubsets(subsets: EndpointSubset[]): boolean {
  const ready = count(subsets, 'addresses');
  const notReady = count(subsets, 'notReadyAddresses');
  if (ready + notReady <= maxEndpointsCapacity) return false;
  const keepReady = Math.min(ready, maxEndpointsCapacity);
  trim(subsets, 'addresses', ready, keepReady);
  trim(subsets, 'notReadyAddresses', notReady, maxEndpointsCapacity - keepReady);
  const kept = subsets.filter((s) => s.addresses || s.notReadyAddresses);
  subsets.splice(0, subsets.length, ...kept);
  return true;
}

function trim(subsets: EndpointSubset[], field: 'addresses' | 'notReadyAddresses', total: number, keep: number): void {
  let left = keep;
  for (const s of subsets) {
    const have = s[field]?.length ?? 0;
    if (!have) continue;
    // Rounding each share up and stopping at the budget keeps exactly `keep` in all.
    const share = Math.min(have, left, Math.ceil((have / total) * keep));
    left -= share;
    if (share) s[field] = s[field]!.slice(0, share);
    else delete s[field];
  }
}
