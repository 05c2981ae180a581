// What a DaemonSet's pods look like and where they belong (kube's pkg/controller/daemon/util and the
// predicates of daemon_controller.go): the tolerations every daemon pod gets, the node affinity that
// pins a pod to its node (the scheduler then binds it there), the template hash that tells updated
// pods from old ones, and whether a node should run (or keep running) the DaemonSet's pod.
import type { DaemonSet } from '../../shared/api/apps.ts';
import type { Node } from '../../shared/api/node.ts';
import type { Pod } from '../../shared/api/pod.ts';
import type { Affinity, PodSpec, PodTemplateSpec, Toleration } from '../../shared/api/pod-spec.ts';
import { parseTime } from './meta-time.ts';
import { requiredNodeAffinityMatches } from './node-affinity.ts';
import {
  findUntoleratedTaint, TAINT_NODE_DISK_PRESSURE, TAINT_NODE_MEMORY_PRESSURE, TAINT_NODE_NETWORK_UNAVAILABLE, TAINT_NODE_NOT_READY,
  TAINT_NODE_PID_PRESSURE, TAINT_NODE_UNREACHABLE, TAINT_NODE_UNSCHEDULABLE,
} from './taint-toleration.ts';

/** apps.DefaultDaemonSetUniqueLabelKey (= ControllerRevisionHashLabelKey). */
export const CONTROLLER_REVISION_HASH_LABEL = 'controller-revision-hash';
/** extensions.DaemonSetTemplateGenerationKey, still set on daemon pods. */
export const TEMPLATE_GENERATION_LABEL = 'pod-template-generation';
/** Where the API server keeps a DaemonSet's template generation. */
export const TEMPLATE_GENERATION_ANNOTATION = 'deprecated.daemonset.template.generation';

const sameToleration = (a: Toleration, b: Toleration) =>
  (a.key ?? '') === (b.key ?? '') && (a.operator ?? '') === (b.operator ?? '') && (a.value ?? '') === (b.value ?? '') && (a.effect ?? '') === (b.effect ?? '');

/** AddOrUpdateTolerationInPodSpec: a toleration with the same key, operator, value and effect is replaced. */
function addOrUpdateToleration(spec: PodSpec, toleration: Toleration): void {
  const tolerations = spec.tolerations ?? [];
  const i = tolerations.findIndex((t) => sameToleration(t, toleration));
  if (i >= 0) tolerations[i] = toleration;
  else tolerations.push(toleration);
  spec.tolerations = tolerations;
}

/**
 * AddOrUpdateDaemonPodTolerations: a daemon pod stays on a node that is not ready or unreachable (no
 * tolerationSeconds: forever) and may land on one under pressure or cordoned.
 */
export function addDaemonPodTolerations(spec: PodSpec): void {
  addOrUpdateToleration(spec, { key: TAINT_NODE_NOT_READY, operator: 'Exists', effect: 'NoExecute' });
  addOrUpdateToleration(spec, { key: TAINT_NODE_UNREACHABLE, operator: 'Exists', effect: 'NoExecute' });
  for (const key of [TAINT_NODE_DISK_PRESSURE, TAINT_NODE_MEMORY_PRESSURE, TAINT_NODE_PID_PRESSURE, TAINT_NODE_UNSCHEDULABLE]) {
    addOrUpdateToleration(spec, { key, operator: 'Exists', effect: 'NoSchedule' });
  }
  if (spec.hostNetwork) addOrUpdateToleration(spec, { key: TAINT_NODE_NETWORK_UNAVAILABLE, operator: 'Exists', effect: 'NoSchedule' });
}

/**
 * NodeShouldRunDaemonPod: shouldRun when a new pod may start on the node (name, affinity and every
 * NoSchedule/NoExecute taint fit); shouldContinueRunning when an existing one may stay (only the
 * NoExecute taints must be tolerated).
 */
export function nodeShouldRunDaemonPod(node: Node, ds: DaemonSet): { shouldRun: boolean; shouldContinueRunning: boolean } {
  const template = ds.spec.template.spec;
  if (template.nodeName && template.nodeName !== node.metadata.name) return { shouldRun: false, shouldContinueRunning: false };
  const spec = structuredClone(template);
  addDaemonPodTolerations(spec);
  if (!requiredNodeAffinityMatches(spec, node)) return { shouldRun: false, shouldContinueRunning: false };
  const taints = node.spec.taints;
  if (!findUntoleratedTaint(taints, spec.tolerations, (t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute')) {
    return { shouldRun: true, shouldContinueRunning: true };
  }
  return { shouldRun: false, shouldContinueRunning: !findUntoleratedTaint(taints, spec.tolerations, (t) => t.effect === 'NoExecute') };
}

/**
 * ReplaceDaemonSetPodNodeNameNodeAffinity: the required node affinity becomes exactly "metadata.name
 * In [node]", so the scheduler can place the pod on that node only.
 */
export function affinityForNode(affinity: Affinity | undefined, nodeName: string): Affinity {
  const required = { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In' as const, values: [nodeName] }] }] };
  return { ...(affinity ?? {}), nodeAffinity: { ...(affinity?.nodeAffinity ?? {}), requiredDuringSchedulingIgnoredDuringExecution: required } };
}

/** GetTargetNodeName: the node a daemon pod is bound to, or the one its affinity pins it to. */
export function targetNodeName(pod: Pod): string | undefined {
  if (pod.spec.nodeName) return pod.spec.nodeName;
  const terms = pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (terms?.length !== 1) return undefined;
  const fields = terms[0].matchFields;
  if (fields?.length !== 1) return undefined;
  const [req] = fields;
  return req.key === 'metadata.name' && req.operator === 'In' && req.values?.length === 1 ? req.values[0] : undefined;
}

/** JSON with sorted keys: equal templates hash equally however their keys were ordered. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).sort().filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${stableJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/**
 * The controller-revision-hash of the DaemonSet's template (kube's ComputeHash: FNV-32a of the
 * template and collision count, its decimal digits spelled with rand.SafeEncodeString's alphabet).
 */
export function templateHash(ds: DaemonSet): string {
  const input = stableJson(ds.spec.template) + (ds.status.collisionCount !== undefined ? `#${ds.status.collisionCount}` : '');
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(input, 'utf8')) h = Math.imul(h ^ byte, 0x01000193) >>> 0;
  return [...String(h)].map((c) => SAFE_ALPHABET[c.charCodeAt(0) % SAFE_ALPHABET.length]).join('');
}

/** The template generation: the API server's annotation when there is one, else metadata.generation. */
export const templateGeneration = (ds: DaemonSet): string | undefined =>
  ds.metadata.annotations?.[TEMPLATE_GENERATION_ANNOTATION] ?? (ds.metadata.generation !== undefined ? String(ds.metadata.generation) : undefined);

/** CreatePodTemplate: the template with the daemon tolerations and the generation and hash labels. */
export function daemonPodTemplate(ds: DaemonSet, hash: string): PodTemplateSpec {
  const template = structuredClone(ds.spec.template);
  addDaemonPodTolerations(template.spec);
  const generation = templateGeneration(ds);
  template.metadata.labels = { ...template.metadata.labels, [CONTROLLER_REVISION_HASH_LABEL]: hash, ...(generation ? { [TEMPLATE_GENERATION_LABEL]: generation } : {}) };
  return template;
}

/** IsPodUpdated: the pod was made from the current template (by hash, or by generation for old pods). */
export function isPodUpdated(pod: Pod, hash: string, generation: string | undefined): boolean {
  const labels = pod.metadata.labels ?? {};
  return labels[CONTROLLER_REVISION_HASH_LABEL] === hash || (generation !== undefined && labels[TEMPLATE_GENERATION_LABEL] === generation);
}

/** podByCreationTimestampAndPhase: scheduled pods first, then the oldest, then by name. */
export function byCreationTimestampAndPhase(a: Pod, b: Pod): number {
  if (!!a.spec.nodeName !== !!b.spec.nodeName) return a.spec.nodeName ? -1 : 1;
  const ta = parseTime(a.metadata.creationTimestamp) ?? 0;
  const tb = parseTime(b.metadata.creationTimestamp) ?? 0;
  if (ta !== tb) return ta - tb;
  return (a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : (a.metadata.name ?? '') > (b.metadata.name ?? '') ? 1 : 0;
}
