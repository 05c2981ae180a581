// `kubectl get pods`: NAME READY STATUS RESTARTS AGE (wide: IP NODE NOMINATED NODE READINESS GATES),
// with kube's STATUS reasoning (printPod in pkg/printers/internalversion/printers.go).
import { ageColumn, column, nameColumn } from './columns.ts';
import { since, timeOf } from './duration.ts';
import { printer, type ContainerView, type ObjectMetaView, type PrintContext, type PrintedRow, type TableRowCondition } from './types.ts';

interface ContainerStateView {
  waiting?: { reason?: string } | null;
  running?: { startedAt?: string | null } | null;
  terminated?: { exitCode?: number; signal?: number; reason?: string; finishedAt?: string | null } | null;
}

interface ContainerStatusView {
  name?: string;
  ready?: boolean;
  started?: boolean | null;
  restartCount?: number;
  state?: ContainerStateView | null;
  lastState?: ContainerStateView | null;
}

interface ConditionView { type?: string; status?: string; reason?: string }

export interface PodView {
  metadata?: ObjectMetaView;
  spec?: {
    nodeName?: string;
    containers?: ContainerView[];
    initContainers?: ContainerView[];
    readinessGates?: { conditionType?: string }[] | null;
  };
  status?: {
    phase?: string;
    reason?: string;
    podIP?: string;
    podIPs?: { ip?: string }[] | null;
    nominatedNodeName?: string;
    conditions?: ConditionView[] | null;
    containerStatuses?: ContainerStatusView[] | null;
    initContainerStatuses?: ContainerStatusView[] | null;
  };
}

// The node controller sets this reason on pods of a node that stopped reporting.
const NODE_UNREACHABLE_POD_REASON = 'NodeLost';

const podSucceeded: TableRowCondition[] = [{ type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' }];
const podFailed: TableRowCondition[] = [{ type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' }];

export const podColumns = [
  nameColumn(),
  column('Ready', 'string', 'The aggregate readiness state of this pod for accepting traffic.'),
  column('Status', 'string', 'The aggregate status of the containers in this pod.'),
  column('Restarts', 'string', 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'),
  ageColumn(),
  column('IP', 'string', 'podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.', 1),
  column('Node', 'string', 'NodeName indicates in which node this pod is scheduled. If empty, this pod is a candidate for scheduling by the scheduler defined in schedulerName. Once this field is set, the kubelet for this node becomes responsible for the lifecycle of this pod. This field should not be used to express a desire for the pod to be scheduled on a specific node. https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#nodename', 1),
  column('Nominated Node', 'string', 'nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods. This field does not guarantee that the pod will be scheduled on this node. Scheduler may decide to place the pod elsewhere if other nodes become available sooner. Scheduler may also decide to give the resources on this node to a higher priority pod that is created after preemption. As a result, this field may be different than PodSpec.nodeName when the pod is scheduled.', 1),
  column('Readiness Gates', 'string', 'If specified, all readiness gates will be evaluated for pod readiness. A pod is ready when all its containers are ready AND all conditions specified in the readiness gates have status equal to "True" More info: https://git.k8s.io/enhancements/keps/sig-network/580-pod-readiness-gates', 1),
];

// A sidecar: an init container that keeps running next to the app containers.
const isRestartableInitContainer = (c: ContainerView | undefined) => c?.restartPolicy === 'Always';
const hasCondition = (conditions: ConditionView[] | null | undefined, type: string) =>
  (conditions ?? []).some((c) => c.type === type && c.status === 'True');
const isInitializedTrue = (conditions: ConditionView[] | null | undefined) => {
  const c = (conditions ?? []).find((x) => x.type === 'Initialized');
  return c?.status === 'True';
};

/** The last time a container of the pod stopped, as kube tracks it for "N (5m ago)". */
class LastRestart {
  at: number | undefined;
  note(status: ContainerStatusView) {
    const t = timeOf(status.lastState?.terminated?.finishedAt);
    if (t !== undefined && (this.at === undefined || this.at < t)) this.at = t;
  }
}

export function printPod(pod: PodView, ctx: PrintContext): PrintedRow {
  const spec = pod.spec ?? {};
  const status = pod.status ?? {};
  const initContainers = new Map((spec.initContainers ?? []).map((c) => [c.name, c]));
  let restarts = 0;
  let sidecarRestarts = 0;
  let totalContainers = (spec.containers ?? []).length;
  let readyContainers = 0;
  let lastRestart = new LastRestart();
  const lastSidecarRestart = new LastRestart();

  const phase = status.phase ?? '';
  let reason = status.reason || phase;
  for (const c of status.conditions ?? []) {
    if (c.type === 'PodScheduled' && c.reason === 'SchedulingGated') reason = 'SchedulingGated';
  }
  const conditions = phase === 'Succeeded' ? podSucceeded : phase === 'Failed' ? podFailed : undefined;

  for (const c of spec.initContainers ?? []) if (isRestartableInitContainer(c)) totalContainers++;

  let initializing = false;
  const initStatuses = status.initContainerStatuses ?? [];
  for (let i = 0; i < initStatuses.length; i++) {
    const container = initStatuses[i];
    restarts += container.restartCount ?? 0;
    lastRestart.note(container);
    const sidecar = isRestartableInitContainer(initContainers.get(container.name));
    if (sidecar) {
      sidecarRestarts += container.restartCount ?? 0;
      lastSidecarRestart.note(container);
    }
    const terminated = container.state?.terminated;
    const waiting = container.state?.waiting;
    if (terminated && (terminated.exitCode ?? 0) === 0) continue;
    if (sidecar && container.started) {
      if (container.ready) readyContainers++;
      continue;
    }
    if (terminated) {
      if (!terminated.reason) {
        reason = terminated.signal ? `Init:Signal:${terminated.signal}` : `Init:ExitCode:${terminated.exitCode ?? 0}`;
      } else {
        reason = `Init:${terminated.reason}`;
      }
    } else if (waiting?.reason && waiting.reason !== 'PodInitializing') {
      reason = `Init:${waiting.reason}`;
    } else {
      reason = `Init:${i}/${(spec.initContainers ?? []).length}`;
    }
    initializing = true;
    break;
  }

  if (!initializing || isInitializedTrue(status.conditions)) {
    restarts = sidecarRestarts;
    lastRestart = lastSidecarRestart;
    let hasRunning = false;
    const statuses = status.containerStatuses ?? [];
    // Backwards, so the first container's state is the one that ends up in STATUS.
    for (let i = statuses.length - 1; i >= 0; i--) {
      const container = statuses[i];
      restarts += container.restartCount ?? 0;
      lastRestart.note(container);
      const { waiting, terminated, running } = container.state ?? {};
      if (waiting?.reason) reason = waiting.reason;
      else if (terminated?.reason) reason = terminated.reason;
      else if (terminated) reason = terminated.signal ? `Signal:${terminated.signal}` : `ExitCode:${terminated.exitCode ?? 0}`;
      else if (container.ready && running) {
        hasRunning = true;
        readyContainers++;
      }
    }
    // A pod whose containers partly completed is still running while one of them runs.
    if (reason === 'Completed' && hasRunning) reason = hasCondition(status.conditions, 'Ready') ? 'Running' : 'NotReady';
  }

  const deleting = Boolean(pod.metadata?.deletionTimestamp);
  if (deleting && status.reason === NODE_UNREACHABLE_POD_REASON) reason = 'Unknown';
  else if (deleting && phase !== 'Succeeded' && phase !== 'Failed') reason = 'Terminating';

  let restartsCell = String(restarts);
  if (restarts !== 0 && lastRestart.at !== undefined) {
    restartsCell = `${restarts} (${since(new Date(lastRestart.at).toISOString(), ctx.now)} ago)`;
  }

  const cells = [pod.metadata?.name ?? '', `${readyContainers}/${totalContainers}`, reason, restartsCell, since(pod.metadata?.creationTimestamp, ctx.now)];
  if (ctx.wide) {
    // kube reads podIPs[0]; status.podIP is the same address, used when podIPs was not filled in.
    const podIP = status.podIPs?.[0]?.ip || status.podIP || '<none>';
    let readinessGates = '<none>';
    const gates = spec.readinessGates ?? [];
    if (gates.length > 0) {
      const trueConditions = gates.filter((g) => (status.conditions ?? []).find((c) => c.type === g.conditionType)?.status === 'True').length;
      readinessGates = `${trueConditions}/${gates.length}`;
    }
    cells.push(podIP, spec.nodeName || '<none>', status.nominatedNodeName || '<none>', readinessGates);
  }
  return conditions ? { cells, conditions } : { cells };
}

export const podPrinter = printer<PodView>(podColumns, printPod);
