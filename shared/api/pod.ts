// core/v1 Pod: the spec (pod-spec.ts) plus the defaults only Pods get (SetDefaults_Pod, not applied to
// templates) and the status the kubelet reports.
import { z } from 'zod';
import { ResourceRequirements, type Container } from './container.ts';
import { always, kubeChecks } from './field-errors.ts';
import { ConditionStatus, Loose, ObjectMeta, Time } from './meta.ts';
import { PodSpec } from './pod-spec.ts';
import { cpuMillis, ResourceList } from './quantity.ts';

export const PodPhase = z.enum(['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown']);
export type PodPhase = z.infer<typeof PodPhase>;
export const PodQOSClass = z.enum(['Guaranteed', 'Burstable', 'BestEffort']);
export type PodQOSClass = z.infer<typeof PodQOSClass>;

export const PodCondition = z.object({
  type: z.string(),
  status: ConditionStatus,
  observedGeneration: z.number().int().optional(),
  lastProbeTime: Time.optional(),
  lastTransitionTime: Time.optional(),
  reason: z.string().optional(),
  message: z.string().optional(),
});
export type PodCondition = z.infer<typeof PodCondition>;

export const ContainerStateWaiting = z.object({ reason: z.string().optional(), message: z.string().optional() });
export const ContainerStateRunning = z.object({ startedAt: Time.optional() });
export const ContainerStateTerminated = z.object({
  exitCode: z.number().int(),
  signal: z.number().int().optional(),
  reason: z.string().optional(),
  message: z.string().optional(),
  startedAt: Time.optional(),
  finishedAt: Time.optional(),
  containerID: z.string().optional(),
});

/** At most one of waiting, running, terminated; an empty state means "not known yet". */
export const ContainerState = z.object({
  waiting: ContainerStateWaiting.optional(),
  running: ContainerStateRunning.optional(),
  terminated: ContainerStateTerminated.optional(),
});
export type ContainerState = z.infer<typeof ContainerState>;

// ready, restartCount, image and imageID are always serialized by Kubernetes (no omitempty), as are the
// (possibly empty) state and lastState.
export const ContainerStatus = z.object({
  name: z.string(),
  state: ContainerState.prefault({}),
  lastState: ContainerState.prefault({}),
  ready: z.boolean().default(false),
  restartCount: z.number().int().default(0),
  image: z.string().default(''),
  imageID: z.string().default(''),
  containerID: z.string().optional(),
  started: z.boolean().optional(),
  allocatedResources: ResourceList.optional(),
  resources: ResourceRequirements.optional(),
  volumeMounts: z.array(Loose).optional(),
  user: Loose.optional(),
  allocatedResourcesStatus: z.array(Loose).optional(),
  stopSignal: z.string().optional(),
});
export type ContainerStatus = z.infer<typeof ContainerStatus>;

const IP = z.object({ ip: z.string() });

export const PodStatus = z.object({
  observedGeneration: z.number().int().optional(),
  phase: PodPhase.optional(),
  conditions: z.array(PodCondition).optional(),
  message: z.string().optional(),
  reason: z.string().optional(),
  nominatedNodeName: z.string().optional(),
  hostIP: z.string().optional(),
  hostIPs: z.array(IP).optional(),
  podIP: z.string().optional(),
  podIPs: z.array(IP).optional(),
  startTime: Time.optional(),
  initContainerStatuses: z.array(ContainerStatus).optional(),
  containerStatuses: z.array(ContainerStatus).optional(),
  ephemeralContainerStatuses: z.array(ContainerStatus).optional(),
  qosClass: PodQOSClass.optional(),
  resize: z.string().optional(),
  resourceClaimStatuses: z.array(Loose).optional(),
});
export type PodStatus = z.infer<typeof PodStatus>;

/** Containers that only set limits get the same requests (SetDefaults_Pod, not done for templates). */
function defaultRequestsFromLimits(c: Container) {
  if (!c.resources.limits) return;
  c.resources.requests ??= {};
  for (const [name, q] of Object.entries(c.resources.limits)) c.resources.requests[name] ??= q;
}

export const Pod = z.object({
  apiVersion: z.literal('v1').default('v1'),
  kind: z.literal('Pod').default('Pod'),
  metadata: ObjectMeta.prefault({}),
  spec: PodSpec.prefault({ containers: [] }),
  status: PodStatus.prefault({}),
}).overwrite((pod) => {
  const spec = pod.spec;
  spec.enableServiceLinks ??= true;
  for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
    defaultRequestsFromLimits(c);
    // With the host's network the container port is the host port.
    if (spec.hostNetwork) for (const p of c.ports ?? []) p.hostPort ||= p.containerPort;
  }
  return pod;
}).superRefine(kubeChecks((pod, errs) => {
  const spec = pod.spec;
  for (const field of ['initContainers', 'containers'] as const) {
    spec[field]?.forEach((c, i) => {
      if (c.image && c.image.trim() !== c.image) errs.invalid(['spec', field, i, 'image'], c.image, 'must not have leading or trailing whitespace');
      if (!spec.hostNetwork) return;
      c.ports?.forEach((p, j) => {
        if (p.hostPort !== p.containerPort) errs.invalid(['spec', field, i, 'ports', j, 'containerPort'], p.containerPort, 'must match `hostPort` when `hostNetwork` is true');
      });
    });
  }
}), always);
export type Pod = z.infer<typeof Pod>;
export type PodInput = z.input<typeof Pod>;

const qosResources = new Set(['cpu', 'memory']);

/** The pod's QoS class, computed as Kubernetes' GetPodQOS does (from requests and limits of cpu and memory). */
export function podQOSClass(spec: Pick<PodSpec, 'containers' | 'initContainers'>): PodQOSClass {
  const requests = new Map<string, number>();
  const limits = new Map<string, number>();
  let guaranteed = true;
  for (const c of [...spec.containers, ...(spec.initContainers ?? [])]) {
    for (const [name, q] of Object.entries(c.resources?.requests ?? {})) {
      const v = cpuMillis(q);
      if (qosResources.has(name) && v > 0) requests.set(name, (requests.get(name) ?? 0) + v);
    }
    const found = new Set<string>();
    for (const [name, q] of Object.entries(c.resources?.limits ?? {})) {
      const v = cpuMillis(q);
      if (qosResources.has(name) && v > 0) {
        found.add(name);
        limits.set(name, (limits.get(name) ?? 0) + v);
      }
    }
    if (!found.has('cpu') || !found.has('memory')) guaranteed = false;
  }
  if (requests.size === 0 && limits.size === 0) return 'BestEffort';
  if (guaranteed) for (const [name, req] of requests) if (limits.get(name) !== req) guaranteed = false;
  return guaranteed && requests.size === limits.size ? 'Guaranteed' : 'Burstable';
}
