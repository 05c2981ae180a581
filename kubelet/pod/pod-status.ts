// The API status of a pod from its containers' states, as the kubelet's generateAPIPodStatus makes it:
// the phase by kube's getPhase rules, the conditions (PodReadyToStartContainers, Initialized, Ready,
// ContainersReady, PodScheduled) with their reasons and messages, IPs, start time and QoS class.
import type { ContainerStatus, Pod, PodCondition, PodPhase, PodStatus } from '../../shared/api/pod.ts';

export interface PodStatusInput {
  pod: Pod;
  initStatuses: ContainerStatus[];
  statuses: ContainerStatus[];
  /** Which init containers are sidecars (restartPolicy Always). */
  sidecars: Set<string>;
  sandboxReady: boolean;
  podIP?: string;
  hostIP: string;
  startTime?: string;
  /** The pod is done (deleted, or terminal): its containers will not run again. */
  terminal: boolean;
  isStatic: boolean;
  /** The conditions last reported, for lastTransitionTime. */
  previous: PodCondition[];
  reason?: string;
  message?: string;
}

/** kube's getPhase (pkg/kubelet/kubelet_pods.go). */
export function podPhase(pod: Pod, initStatuses: ContainerStatus[], statuses: ContainerStatus[], sidecars: Set<string>, podIsTerminal: boolean, isStatic: boolean): PodPhase {
  const byName = new Map([...initStatuses, ...statuses].map((s) => [s.name, s]));
  let pendingInit = 0;
  let failedInit = 0;
  for (const c of pod.spec.initContainers ?? []) {
    if (sidecars.has(c.name)) continue;
    const s = byName.get(c.name);
    if (!s || s.state.running) pendingInit++;
    else if (s.state.terminated) { if (s.state.terminated.exitCode !== 0) failedInit++; }
    else if (s.state.waiting) {
      if (s.lastState.terminated) { if (s.lastState.terminated.exitCode !== 0) failedInit++; }
      else pendingInit++;
    } else pendingInit++;
  }
  let unknown = 0, running = 0, waiting = 0, stopped = 0, succeeded = 0;
  for (const c of pod.spec.initContainers ?? []) {
    if (!sidecars.has(c.name)) continue;
    const s = byName.get(c.name);
    if (!s) { unknown++; continue; }
    if (s.state.running) { if (!s.started) pendingInit++; running++; }
    else if (s.state.terminated) { /* ignored */ }
    else if (s.state.waiting) { if (!s.lastState.terminated) pendingInit++; waiting++; }
    else { pendingInit++; unknown++; }
  }
  for (const c of pod.spec.containers) {
    const s = byName.get(c.name);
    if (!s) { unknown++; continue; }
    if (s.state.running) running++;
    else if (s.state.terminated) { stopped++; if (s.state.terminated.exitCode === 0) succeeded++; }
    else if (s.state.waiting) { if (s.lastState.terminated) stopped++; else waiting++; }
    else unknown++;
  }
  const restartPolicy = pod.spec.restartPolicy ?? 'Always';
  if (failedInit > 0 && restartPolicy === 'Never') return 'Failed';
  const anyRegularStarted = pod.spec.containers.some((c) => {
    const s = byName.get(c.name);
    return !!(s?.state.running || s?.state.terminated || s?.lastState.terminated);
  });
  if ((pendingInit > 0 && !anyRegularStarted) || waiting > 0) return 'Pending';
  if (running > 0 && unknown === 0) return 'Running';
  if (running === 0 && stopped > 0 && unknown === 0) {
    if (podIsTerminal && !isStatic) return stopped === succeeded ? 'Succeeded' : 'Failed';
    if (restartPolicy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    if (restartPolicy === 'Never') return 'Failed';
    return 'Running';
  }
  return 'Pending';
}

type ConditionInput = Pick<PodCondition, 'type' | 'status' | 'reason' | 'message'>;

function conditions(input: PodStatusInput, phase: PodPhase): ConditionInput[] {
  const { pod, initStatuses, statuses, sidecars } = input;
  const done = phase === 'Succeeded' || phase === 'Failed';
  const out: ConditionInput[] = [{ type: 'PodReadyToStartContainers', status: input.sandboxReady && !done ? 'True' : 'False' }];

  const incompleteInit = initStatuses.filter((s) => (sidecars.has(s.name) ? !s.started && !s.state.terminated : !(s.state.terminated?.exitCode === 0))).map((s) => s.name);
  if (phase === 'Succeeded') out.push({ type: 'Initialized', status: 'True', reason: 'PodCompleted' });
  else if (incompleteInit.length && !statuses.some((s) => s.state.running || s.state.terminated || s.lastState.terminated))
    out.push({ type: 'Initialized', status: 'False', reason: 'ContainersNotInitialized', message: `containers with incomplete status: [${incompleteInit.join(' ')}]` });
  else out.push({ type: 'Initialized', status: 'True' });

  const unready = [...initStatuses.filter((s) => sidecars.has(s.name)), ...statuses].filter((s) => !s.ready).map((s) => s.name);
  let ready: ConditionInput;
  if (done) ready = { type: 'ContainersReady', status: 'False', reason: 'PodCompleted' };
  else if (unready.length) ready = { type: 'ContainersReady', status: 'False', reason: 'ContainersNotReady', message: `containers with unready status: [${unready.join(' ')}]` };
  else ready = { type: 'ContainersReady', status: 'True' };

  // Ready also needs every readiness gate's condition (set by others) to be True.
  const gates = (pod.spec.readinessGates ?? []).map((g) => g.conditionType);
  const unmet = gates.filter((g) => pod.status?.conditions?.find((c) => c.type === g)?.status !== 'True');
  let podReady: ConditionInput = { ...ready, type: 'Ready' };
  if (ready.status === 'True' && unmet.length) {
    const missing = unmet.filter((g) => !pod.status?.conditions?.some((c) => c.type === g));
    podReady = { type: 'Ready', status: 'False', reason: 'ReadinessGatesNotReady', message: missing.length ? `corresponding condition of pod readiness gate "${missing[0]}" does not exist.` : `the status of pod readiness gate "${unmet[0]}" is not "True", but False` };
  }
  out.push(podReady, ready, { type: 'PodScheduled', status: 'True' });
  return out;
}

const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

export function podStatusOf(input: PodStatusInput): PodStatus {
  const { pod } = input;
  const phase = podPhase(pod, input.initStatuses, input.statuses, input.sidecars, input.terminal, input.isStatic);
  const previous = new Map([...(pod.status?.conditions ?? []), ...input.previous].map((c) => [c.type, c]));
  const conds: PodCondition[] = conditions(input, phase).map((c) => {
    const before = previous.get(c.type);
    const lastTransitionTime = before && before.status === c.status && before.lastTransitionTime ? before.lastTransitionTime : now();
    return { type: c.type, status: c.status, lastTransitionTime, ...(c.reason ? { reason: c.reason } : {}), ...(c.message ? { message: c.message } : {}) } as PodCondition;
  });
  const status: PodStatus = {
    phase,
    conditions: conds,
    hostIP: input.hostIP,
    hostIPs: [{ ip: input.hostIP }],
    ...(input.podIP ? { podIP: input.podIP, podIPs: [{ ip: input.podIP }] } : {}),
    ...(input.startTime ? { startTime: input.startTime } : {}),
    ...(input.initStatuses.length ? { initContainerStatuses: input.initStatuses } : {}),
    containerStatuses: input.statuses,
    ...(pod.status?.qosClass ? { qosClass: pod.status.qosClass } : {}),
    ...(input.reason ? { reason: input.reason } : {}),
    ...(input.message ? { message: input.message } : {}),
  };
  return status;
}
