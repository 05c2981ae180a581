// What the node lifecycle controller decides about one node, as pure functions of what it has seen:
// when the node last showed signs of life (kube's nodeHealthData and tryUpdateNodeHealth), the
// conditions it gets when the kubelet has gone quiet for the grace period, and the taints its
// conditions call for (TaintNodesByCondition's NoSchedule taints and the NoExecute taints that drive
// taint-based eviction).
import type { Lease } from '../../shared/api/coordination.ts';
import type { Node, NodeCondition, Taint } from '../../shared/api/node.ts';
import { metaTime, parseTime } from './meta-time.ts';
import {
  sameTaint, TAINT_NODE_DISK_PRESSURE, TAINT_NODE_MEMORY_PRESSURE, TAINT_NODE_NETWORK_UNAVAILABLE, TAINT_NODE_NOT_READY,
  TAINT_NODE_PID_PRESSURE, TAINT_NODE_UNREACHABLE, TAINT_NODE_UNSCHEDULABLE,
} from './taint-toleration.ts';

/** What the controller remembers about a node between passes (times in ms, on this controller's clock). */
export interface NodeHealth {
  /** When the controller last saw a new heartbeat: a changed Ready heartbeat or a renewed Lease. */
  probeTimestamp: number;
  readyTransitionTimestamp: number;
  /** The Ready condition as last seen, to notice a new heartbeat. */
  ready?: NodeCondition;
  /** The Lease's renewTime as last seen. */
  leaseRenewTime?: number;
}

export const readyConditionOf = (node: Node): NodeCondition | undefined => node.status.conditions?.find((c) => c.type === 'Ready');

/**
 * The health record after looking at the node and its Lease now. Heartbeats count from when this
 * controller saw them change, not from the times they carry, so clock skew between a kubelet and the
 * controller cannot make a live node look dead (kube does the same); a node first seen counts as
 * alive now, so a restarted controller gives every node a full grace period.
 */
export function observeNodeHealth(saved: NodeHealth | undefined, node: Node, lease: Lease | undefined, now: number): NodeHealth {
  const ready = readyConditionOf(node);
  let health: NodeHealth;
  if (!saved) {
    // A node that never reported counts from its creation, as kube's fake Ready condition does.
    const created = parseTime(node.metadata.creationTimestamp) ?? now;
    health = ready ? { probeTimestamp: now, readyTransitionTimestamp: now, ready } : { probeTimestamp: created, readyTransitionTimestamp: created };
  } else if (!saved.ready && ready) {
    health = { ...saved, probeTimestamp: now, readyTransitionTimestamp: now, ready };
  } else if (saved.ready && !ready) {
    // The Ready condition was removed: treat it as a fresh start, as kube does.
    health = { ...saved, probeTimestamp: now, readyTransitionTimestamp: now, ready: undefined };
  } else if (saved.ready && ready && saved.ready.lastHeartbeatTime !== ready.lastHeartbeatTime) {
    const transitioned = saved.ready.lastTransitionTime !== ready.lastTransitionTime;
    health = { ...saved, probeTimestamp: now, readyTransitionTimestamp: transitioned ? now : saved.readyTransitionTimestamp, ready };
  } else {
    health = { ...saved, ready: ready ?? saved.ready };
  }
  const renewed = parseTime(lease?.spec.renewTime);
  if (renewed !== undefined && (health.leaseRenewTime === undefined || renewed > health.leaseRenewTime || !saved)) {
    health = { ...health, leaseRenewTime: renewed, probeTimestamp: now };
  }
  return health;
}

/** Conditions the controller owns when the kubelet is silent; NetworkUnavailable belongs to the network. */
const SILENT_CONDITIONS = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'];

/**
 * The node's conditions once nothing has been heard from it for the grace period: each set to Unknown
 * (NodeStatusUnknown), or added as Unknown (NodeStatusNeverUpdated) when the kubelet never posted it.
 * Undefined when nothing changes.
 */
export function unknownConditions(node: Node, now: number): NodeCondition[] | undefined {
  const conditions = (node.status.conditions ?? []).map((c) => ({ ...c }));
  const at = metaTime(now);
  let changed = false;
  for (const type of SILENT_CONDITIONS) {
    const current = conditions.find((c) => c.type === type);
    if (!current) {
      conditions.push({
        type, status: 'Unknown', reason: 'NodeStatusNeverUpdated', message: 'Kubelet never posted node status.',
        lastHeartbeatTime: node.metadata.creationTimestamp, lastTransitionTime: at,
      });
      changed = true;
    } else if (current.status !== 'Unknown') {
      Object.assign(current, { status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastTransitionTime: at });
      changed = true;
    }
  }
  return changed ? conditions : undefined;
}

/** TaintNodesByCondition: the NoSchedule taint each condition status calls for. */
const CONDITION_TAINTS: Record<string, Partial<Record<string, string>>> = {
  Ready: { False: TAINT_NODE_NOT_READY, Unknown: TAINT_NODE_UNREACHABLE },
  MemoryPressure: { True: TAINT_NODE_MEMORY_PRESSURE },
  DiskPressure: { True: TAINT_NODE_DISK_PRESSURE },
  NetworkUnavailable: { True: TAINT_NODE_NETWORK_UNAVAILABLE },
  PIDPressure: { True: TAINT_NODE_PID_PRESSURE },
};
const CONDITION_TAINT_KEYS = new Set([...Object.values(CONDITION_TAINTS).flatMap((m) => Object.values(m)), TAINT_NODE_UNSCHEDULABLE]);
const EVICTION_TAINT_KEYS = new Set([TAINT_NODE_NOT_READY, TAINT_NODE_UNREACHABLE]);

/** The node-lifecycle taints the node should carry now: NoSchedule by condition, NoExecute by Ready. */
export function desiredControllerTaints(node: Node): Taint[] {
  const taints: Taint[] = [];
  for (const c of node.status.conditions ?? []) {
    const key = CONDITION_TAINTS[c.type]?.[c.status];
    if (key) taints.push({ key, effect: 'NoSchedule' });
  }
  if (node.spec.unschedulable) taints.push({ key: TAINT_NODE_UNSCHEDULABLE, effect: 'NoSchedule' });
  const ready = readyConditionOf(node);
  // Without a Ready condition nothing is known yet: the grace period will turn it Unknown.
  if (ready?.status === 'False') taints.push({ key: TAINT_NODE_NOT_READY, effect: 'NoExecute' });
  if (ready?.status === 'Unknown') taints.push({ key: TAINT_NODE_UNREACHABLE, effect: 'NoExecute' });
  return taints;
}

const isControllerTaint = (t: Taint) =>
  (t.effect === 'NoSchedule' && CONDITION_TAINT_KEYS.has(t.key)) || (t.effect === 'NoExecute' && EVICTION_TAINT_KEYS.has(t.key));

/**
 * The node's full taint list with the controller's taints made to match its conditions, or undefined
 * when they already do. Added taints carry timeAdded (taint-based eviction counts from it); taints
 * that stay keep theirs; everybody else's taints are left alone.
 */
export function reconcileTaints(node: Node, now: number): Taint[] | undefined {
  const current = node.spec.taints ?? [];
  const desired = desiredControllerTaints(node);
  const toRemove = current.filter((t) => isControllerTaint(t) && !desired.some((d) => sameTaint(d, t)));
  const toAdd = desired.filter((d) => !current.some((t) => sameTaint(d, t)));
  if (toRemove.length === 0 && toAdd.length === 0) return undefined;
  const at = metaTime(now);
  return [...current.filter((t) => !toRemove.includes(t)), ...toAdd.map((t) => ({ ...t, timeAdded: at }))];
}
