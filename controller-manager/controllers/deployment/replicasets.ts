// How a Deployment sees its ReplicaSets (kube's deployment/util and controller_utils): which one is
// the new one (its template equals the Deployment's, ignoring the hash label), the orderings used to
// pick which to scale, and replica counts summed over them.
import type { Deployment, ReplicaSet } from '../../../shared/api/apps.ts';
import type { IntOrString } from '../../../shared/api/meta.ts';
import type { PodTemplateSpec } from '../../../shared/api/pod-spec.ts';
import { intOrPercentValue } from '../../../shared/api/workload.ts';

/** The label (on RS selector, template and pods) that tells a Deployment's revisions apart. */
export const POD_TEMPLATE_HASH_LABEL = 'pod-template-hash';

const timeOf = (rs: ReplicaSet) => (rs.metadata.creationTimestamp ? Date.parse(rs.metadata.creationTimestamp) : 0);

/** ReplicaSetsByCreationTimestamp: oldest first, names breaking ties (timestamps are whole seconds). */
export function byCreationTimestamp(a: ReplicaSet, b: ReplicaSet): number {
  const ta = timeOf(a);
  const tb = timeOf(b);
  if (ta !== tb) return ta - tb;
  return (a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : (a.metadata.name ?? '') > (b.metadata.name ?? '') ? 1 : 0;
}

/** ReplicaSetsBySizeOlder: largest first, older first among equals (scaling down). */
export const bySizeOlder = (a: ReplicaSet, b: ReplicaSet) => (a.spec.replicas !== b.spec.replicas ? b.spec.replicas - a.spec.replicas : byCreationTimestamp(a, b));

/** ReplicaSetsBySizeNewer: largest first, newer first among equals (scaling up). */
export const bySizeNewer = (a: ReplicaSet, b: ReplicaSet) => (a.spec.replicas !== b.spec.replicas ? b.spec.replicas - a.spec.replicas : byCreationTimestamp(b, a));

/** Drops what Go's semantic equality treats as absent: undefined, null, empty lists and maps. */
function normalize(value: unknown): unknown {
  if (Array.isArray(value)) return value.length ? value.map(normalize) : undefined;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const n = normalize(v);
      if (n !== undefined) out[k] = n;
    }
    return Object.keys(out).length ? out : undefined;
  }
  return value ?? undefined;
}

function semanticEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(sortKeys(normalize(a))) === JSON.stringify(sortKeys(normalize(b)));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).sort(([x], [y]) => (x < y ? -1 : 1)).map(([k, v]) => [k, sortKeys(v)]));
  return value;
}

/** The template without the pod-template-hash label. */
export function withoutHash(template: PodTemplateSpec): PodTemplateSpec {
  const copy = structuredClone(template);
  if (copy.metadata?.labels) delete copy.metadata.labels[POD_TEMPLATE_HASH_LABEL];
  return copy;
}

/** EqualIgnoreHash: the same template but for the hash label. */
export const equalIgnoreHash = (a: PodTemplateSpec, b: PodTemplateSpec) => semanticEqual(withoutHash(a), withoutHash(b));

/** FindNewReplicaSet: the oldest ReplicaSet whose template is the Deployment's. */
export function findNewReplicaSet(d: Deployment, rsList: ReplicaSet[]): ReplicaSet | undefined {
  return [...rsList].sort(byCreationTimestamp).find((rs) => equalIgnoreHash(rs.spec.template, d.spec.template));
}

/** FindOldReplicaSets: every ReplicaSet but the new one. */
export function findOldReplicaSets(d: Deployment, rsList: ReplicaSet[]): ReplicaSet[] {
  const newRS = findNewReplicaSet(d, rsList);
  return rsList.filter((rs) => rs.metadata.uid !== newRS?.metadata.uid);
}

/** FilterActiveReplicaSets: those that have, or ought to have, pods. */
export const activeReplicaSets = (rsList: (ReplicaSet | undefined)[]): ReplicaSet[] => rsList.filter((rs): rs is ReplicaSet => !!rs && rs.spec.replicas > 0);

const sum = (rsList: (ReplicaSet | undefined)[], f: (rs: ReplicaSet) => number) => rsList.reduce((n, rs) => n + (rs ? f(rs) : 0), 0);
/** Sum of spec.replicas (GetReplicaCountForReplicaSets). */
export const specReplicas = (rsList: (ReplicaSet | undefined)[]) => sum(rsList, (rs) => rs.spec.replicas);
/** Sum of status.replicas (GetActualReplicaCountForReplicaSets). */
export const actualReplicas = (rsList: (ReplicaSet | undefined)[]) => sum(rsList, (rs) => rs.status?.replicas ?? 0);
export const readyReplicas = (rsList: (ReplicaSet | undefined)[]) => sum(rsList, (rs) => rs.status?.readyReplicas ?? 0);
export const availableReplicas = (rsList: (ReplicaSet | undefined)[]) => sum(rsList, (rs) => rs.status?.availableReplicas ?? 0);

// --- rolling update fenceposts ----------------------------------------------------------------

const isRollingUpdate = (d: Deployment) => d.spec.strategy.type === 'RollingUpdate';

/** ResolveFenceposts: surge rounds up, unavailable down; both zero means one may be unavailable. */
export function resolveFenceposts(maxSurge: IntOrString | undefined, maxUnavailable: IntOrString | undefined, desired: number): { surge: number; unavailable: number } {
  const surge = intOrPercentValue(maxSurge ?? 0, desired, true);
  let unavailable = intOrPercentValue(maxUnavailable ?? 0, desired, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

export function maxSurge(d: Deployment): number {
  if (!isRollingUpdate(d)) return 0;
  const ru = d.spec.strategy.rollingUpdate;
  return resolveFenceposts(ru?.maxSurge, ru?.maxUnavailable, d.spec.replicas).surge;
}

export function maxUnavailable(d: Deployment): number {
  if (!isRollingUpdate(d) || d.spec.replicas === 0) return 0;
  const ru = d.spec.strategy.rollingUpdate;
  return Math.min(resolveFenceposts(ru?.maxSurge, ru?.maxUnavailable, d.spec.replicas).unavailable, d.spec.replicas);
}

/**
 * NewRSNewReplicas: how big the new ReplicaSet may be now. Rolling: up to replicas+maxSurge pods in
 * total. Kube counts spec.replicas; we count max(spec, status) for each ReplicaSet, so that an old
 * ReplicaSet just told to shrink still counts the pods it has not deleted yet and the total of live
 * pods never goes over replicas+maxSurge while its controller catches up.
 */
export function newRSNewReplicas(d: Deployment, allRSs: (ReplicaSet | undefined)[], newRS: ReplicaSet): number {
  if (d.spec.strategy.type === 'Recreate') return d.spec.replicas;
  const surge = intOrPercentValue(d.spec.strategy.rollingUpdate?.maxSurge ?? 0, d.spec.replicas, true);
  const current = sum(allRSs, (rs) => Math.max(rs.spec.replicas, rs.status?.replicas ?? 0));
  const maxTotal = d.spec.replicas + surge;
  if (current >= maxTotal) return newRS.spec.replicas;
  return newRS.spec.replicas + Math.min(maxTotal - current, d.spec.replicas - newRS.spec.replicas);
}

/** DeploymentComplete: every replica updated and available, and the latest spec observed. */
export const deploymentComplete = (d: Deployment, status: Deployment['status']) =>
  (status.updatedReplicas ?? 0) === d.spec.replicas && (status.replicas ?? 0) === d.spec.replicas
  && (status.availableReplicas ?? 0) === d.spec.replicas && (status.observedGeneration ?? 0) >= (d.metadata.generation ?? 0);

/** DeploymentProgressing: more updated, ready or available pods, or fewer old ones, than last time. */
export function deploymentProgressing(d: Deployment, next: Deployment['status']): boolean {
  const old = d.status;
  const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
  const newOld = (next.replicas ?? 0) - (next.updatedReplicas ?? 0);
  return (next.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0) || newOld < oldOld
    || (next.readyReplicas ?? 0) > (old.readyReplicas ?? 0) || (next.availableReplicas ?? 0) > (old.availableReplicas ?? 0);
}

/** HasProgressDeadline: set and not MaxInt32 (which means "no deadline"). */
export const hasProgressDeadline = (d: Deployment) => d.spec.progressDeadlineSeconds !== undefined && d.spec.progressDeadlineSeconds !== 2 ** 31 - 1;
