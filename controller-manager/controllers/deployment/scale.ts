// Scaling a Deployment's ReplicaSets (kube's deployment/sync.go scale and scaleReplicaSet): one active
// ReplicaSet simply takes the Deployment's size; a resize in the middle of a rolling update is shared
// out among the ReplicaSets in proportion to the size each was set for (the max-replicas annotation).
import type { Deployment, ReplicaSet } from '../../../shared/api/apps.ts';
import { desiredReplicasOf, maxReplicasOf, replicasAnnotationsNeedUpdate, setReplicasAnnotations } from './annotations.ts';
import { activeReplicaSets, byCreationTimestamp, bySizeNewer, bySizeOlder, maxSurge, specReplicas } from './replicasets.ts';
import type { DeploymentSyncContext } from './sync.ts';

/** scaleReplicaSet: sets the size and the replica annotations; records ScalingReplicaSet when the size changed. */
export async function scaleReplicaSet(ctx: DeploymentSyncContext, rs: ReplicaSet, newScale: number, d: Deployment, operation: string): Promise<{ scaled: boolean; rs: ReplicaSet }> {
  const sizeChanged = rs.spec.replicas !== newScale;
  const max = d.spec.replicas + maxSurge(d);
  if (!sizeChanged && !replicasAnnotationsNeedUpdate(rs, d.spec.replicas, max)) return { scaled: false, rs };
  const oldScale = rs.spec.replicas;
  const copy = structuredClone(rs);
  copy.spec.replicas = newScale;
  setReplicasAnnotations(copy, d.spec.replicas, max);
  const updated = await ctx.replicaSets.update(copy);
  if (sizeChanged) ctx.recorder.event(d, 'Normal', 'ScalingReplicaSet', `Scaled ${operation} replica set ${updated.metadata.name} from ${oldScale} to ${newScale}`);
  return { scaled: sizeChanged, rs: updated };
}

export async function scaleReplicaSetAndRecordEvent(ctx: DeploymentSyncContext, rs: ReplicaSet, newScale: number, d: Deployment): Promise<{ scaled: boolean; rs: ReplicaSet }> {
  if (rs.spec.replicas === newScale) return { scaled: false, rs };
  return scaleReplicaSet(ctx, rs, newScale, d, rs.spec.replicas < newScale ? 'up' : 'down');
}

/** FindActiveOrLatest: the one ReplicaSet with pods, or the newest when none has any; undefined when several do. */
function findActiveOrLatest(newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): ReplicaSet | undefined {
  if (!newRS && oldRSs.length === 0) return undefined;
  const newestFirst = [...oldRSs].sort((a, b) => byCreationTimestamp(b, a));
  const active = activeReplicaSets([...newestFirst, newRS]);
  if (active.length === 0) return newRS ?? newestFirst[0];
  return active.length === 1 ? active[0] : undefined;
}

/** IsSaturated: the new ReplicaSet is at full size with every pod available. */
function isSaturated(d: Deployment, rs: ReplicaSet | undefined): boolean {
  if (!rs) return false;
  return rs.spec.replicas === d.spec.replicas && desiredReplicasOf(rs) === d.spec.replicas && (rs.status?.availableReplicas ?? 0) === d.spec.replicas;
}

/** Go's math.Round: halves away from zero. */
const roundHalfAway = (x: number) => Math.sign(x) * Math.round(Math.abs(x));

/** getReplicaSetFraction: this ReplicaSet's share of a resize, from the size it was set for. */
function replicaSetFraction(rs: ReplicaSet, d: Deployment): number {
  if (d.spec.replicas === 0) return -rs.spec.replicas;
  const deploymentReplicas = d.spec.replicas + maxSurge(d);
  const annotated = maxReplicasOf(rs) ?? d.status.replicas ?? 0;
  if (annotated === 0) return 0;
  return roundHalfAway((rs.spec.replicas * deploymentReplicas) / annotated) - rs.spec.replicas;
}

function replicaSetProportion(rs: ReplicaSet, d: Deployment, toAdd: number, added: number): number {
  if (rs.spec.replicas === 0 || toAdd === 0 || toAdd === added) return 0;
  const fraction = replicaSetFraction(rs, d);
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
}

/**
 * scale: one active ReplicaSet takes the whole size; a saturated new one makes the old ones go to
 * zero; otherwise (a resize in the middle of a rolling update) the difference is shared out in
 * proportion to each ReplicaSet's size, leftovers to the largest.
 */
export async function scale(ctx: DeploymentSyncContext, d: Deployment, newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): Promise<void> {
  const activeOrLatest = findActiveOrLatest(newRS, oldRSs);
  if (activeOrLatest) {
    if (activeOrLatest.spec.replicas !== d.spec.replicas) await scaleReplicaSetAndRecordEvent(ctx, activeOrLatest, d.spec.replicas, d);
    return;
  }
  if (isSaturated(d, newRS)) {
    for (const old of activeReplicaSets(oldRSs)) await scaleReplicaSetAndRecordEvent(ctx, old, 0, d);
    return;
  }
  if (d.spec.strategy.type !== 'RollingUpdate') return;
  const all = activeReplicaSets([...oldRSs, newRS]);
  const allowedSize = d.spec.replicas > 0 ? d.spec.replicas + maxSurge(d) : 0;
  const toAdd = allowedSize - specReplicas(all);
  let operation = '';
  if (toAdd > 0) {
    all.sort(bySizeNewer);
    operation = 'up';
  } else if (toAdd < 0) {
    all.sort(bySizeOlder);
    operation = 'down';
  }
  let added = 0;
  const sizes = new Map<string, number>();
  for (const rs of all) {
    if (toAdd === 0) {
      sizes.set(rs.metadata.name!, rs.spec.replicas);
      continue;
    }
    const proportion = replicaSetProportion(rs, d, toAdd, added);
    sizes.set(rs.metadata.name!, rs.spec.replicas + proportion);
    added += proportion;
  }
  for (const [i, rs] of all.entries()) {
    let size = sizes.get(rs.metadata.name!)!;
    if (i === 0 && toAdd !== 0) size = Math.max(0, size + toAdd - added);
    await scaleReplicaSet(ctx, rs, size, d, operation);
  }
}
