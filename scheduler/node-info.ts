// One node as the scheduler sees it (kube's framework.NodeInfo): facts derived from the Node object
// once per change (allocatable, taints, readiness) and running totals over the pods on it, bound or
// assumed (requested resources, non-zero requests for scoring, host ports in use, pods per owner).
// Filters and scores read these totals, so checking a node costs the same however many pods it runs.
import type { Node, Taint } from '../shared/api/core.ts';
import type { NodeFacts } from './node-selector.ts';
import { DEFAULT_BIND_ALL_HOST_IP, type PodInfo } from './pod-info.ts';
import { addResources, allocatableOf, emptyResources, type Resources } from './resources.ts';
import { TAINT_NOT_READY, TAINT_UNREACHABLE } from './taints.ts';

export const LABEL_HOSTNAME = 'kubernetes.io/hostname';
export const LABEL_ZONE = 'topology.kubernetes.io/zone';

const NO_LABELS: Record<string, string> = {};

export class NodeInfo implements NodeFacts {
  node?: Node;
  labels: Record<string, string> = NO_LABELS;
  allocatable: Resources = emptyResources();
  allowedPodNumber = 0;
  unschedulable = false;
  /** NoSchedule and NoExecute taints: the ones a pod must tolerate. */
  hardTaints: Taint[] = [];
  preferNoScheduleTaints: Taint[] = [];
  /**
   * The taint kube's node lifecycle controller puts on a node that is not Ready (not-ready when Ready
   * is False or missing, unreachable when Unknown); the scheduler applies it from the condition itself
   * so that it does not depend on that controller having run yet.
   */
  readinessTaint?: Taint;

  readonly pods = new Map<string, PodInfo>();
  readonly requested: Resources = emptyResources();
  nonZeroMilliCpu = 0;
  nonZeroMemory = 0;
  /** `${protocol}/${port}` -> host IP -> how many pods use it. */
  readonly usedPorts = new Map<string, Map<string, number>>();
  /** Owner UID -> pods of that owner here. */
  readonly podsWithOwner = new Map<string, number>();

  constructor(readonly name: string) {}

  setNode(node: Node): void {
    this.node = node;
    this.labels = node.metadata.labels ?? NO_LABELS;
    const { resources, pods } = allocatableOf(node.status?.allocatable);
    this.allocatable = resources;
    this.allowedPodNumber = pods;
    this.unschedulable = node.spec?.unschedulable === true;
    const taints = node.spec?.taints ?? [];
    this.hardTaints = taints.filter((t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute');
    this.preferNoScheduleTaints = taints.filter((t) => t.effect === 'PreferNoSchedule');
    const ready = node.status?.conditions?.find((c) => c.type === 'Ready')?.status;
    this.readinessTaint = ready === 'True' ? undefined
      : { key: ready === 'Unknown' ? TAINT_UNREACHABLE : TAINT_NOT_READY, effect: 'NoSchedule' };
  }

  get podCount(): number {
    return this.pods.size;
  }

  addPod(p: PodInfo): void {
    this.pods.set(p.key, p);
    addResources(this.requested, p.requests);
    this.nonZeroMilliCpu += p.nonZeroMilliCpu;
    this.nonZeroMemory += p.nonZeroMemory;
    for (const hp of p.hostPorts) {
      let ips = this.usedPorts.get(hp.protocolPort);
      if (!ips) this.usedPorts.set(hp.protocolPort, (ips = new Map()));
      ips.set(hp.ip, (ips.get(hp.ip) ?? 0) + 1);
    }
    if (p.ownerUid) this.podsWithOwner.set(p.ownerUid, (this.podsWithOwner.get(p.ownerUid) ?? 0) + 1);
  }

  removePod(key: string): PodInfo | undefined {
    const p = this.pods.get(key);
    if (!p) return undefined;
    this.pods.delete(key);
    addResources(this.requested, p.requests, -1);
    this.nonZeroMilliCpu -= p.nonZeroMilliCpu;
    this.nonZeroMemory -= p.nonZeroMemory;
    for (const hp of p.hostPorts) {
      const ips = this.usedPorts.get(hp.protocolPort)!;
      const n = (ips.get(hp.ip) ?? 1) - 1;
      if (n > 0) ips.set(hp.ip, n);
      else ips.delete(hp.ip);
      if (ips.size === 0) this.usedPorts.delete(hp.protocolPort);
    }
    if (p.ownerUid) {
      const n = (this.podsWithOwner.get(p.ownerUid) ?? 1) - 1;
      if (n > 0) this.podsWithOwner.set(p.ownerUid, n);
      else this.podsWithOwner.delete(p.ownerUid);
    }
    return p;
  }

  /** HostPortInfo.CheckConflict: 0.0.0.0 conflicts with any address on the same protocol and port. */
  portConflicts(ip: string, protocolPort: string): boolean {
    const ips = this.usedPorts.get(protocolPort);
    if (!ips) return false;
    if (ip === DEFAULT_BIND_ALL_HOST_IP) return ips.size > 0;
    return ips.has(DEFAULT_BIND_ALL_HOST_IP) || ips.has(ip);
  }

  ownerCount(uid: string): number {
    return this.podsWithOwner.get(uid) ?? 0;
  }
}
