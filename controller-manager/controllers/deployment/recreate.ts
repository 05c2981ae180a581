// Recreate (kube's deployment/recreate.go): scale every old ReplicaSet to zero, wait until none of
// their pods is left running (terminating ones included), and only then create and scale up the new one.
import type { Deployment, ReplicaSet } from '../../../shared/api/apps.ts';
import type { Pod } from '../../../shared/api/pod.ts';
import { syncRolloutStatus } from './progress.ts';
import { activeReplicaSets, actualReplicas, deploymentComplete } from './replicasets.ts';
import { scaleReplicaSetAndRecordEvent } from './scale.ts';
import { cleanupDeployment, getAllReplicaSetsAndSyncRevision, type DeploymentSyncContext } from './sync.ts';

/** Pods of the Deployment grouped by the uid of the ReplicaSet controlling them. */
export type PodMap = Map<string, Pod[]>;

/** oldPodsRunning: an old ReplicaSet still reports pods, or one of its pods has not finished. */
function oldPodsRunning(newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[], podMap: PodMap): boolean {
  if (actualReplicas(oldRSs) > 0) return true;
  for (const [uid, pods] of podMap) {
    if (newRS && newRS.metadata.uid === uid) continue;
    if (pods.some((p) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed')) return true;
  }
  return false;
}

export async function rolloutRecreate(ctx: DeploymentSyncContext, d: Deployment, rsList: ReplicaSet[], podMap: PodMap): Promise<void> {
  // The new ReplicaSet is not created yet: nothing may scale up before the old pods are gone.
  let { newRS, oldRSs } = await getAllReplicaSetsAndSyncRevision(ctx, d, rsList, false);
  let allRSs: (ReplicaSet | undefined)[] = [...oldRSs, newRS];
  let scaledDown = false;
  for (const rs of activeReplicaSets(oldRSs)) {
    if ((await scaleReplicaSetAndRecordEvent(ctx, rs, 0, d)).scaled) scaledDown = true;
  }
  if (scaledDown) return syncRolloutStatus(ctx, allRSs, newRS, d);
  if (oldPodsRunning(newRS, oldRSs, podMap)) return syncRolloutStatus(ctx, allRSs, newRS, d);
  if (!newRS) {
    ({ newRS, oldRSs } = await getAllReplicaSetsAndSyncRevision(ctx, d, rsList, true));
    allRSs = [...oldRSs, newRS];
  }
  await scaleReplicaSetAndRecordEvent(ctx, newRS!, d.spec.replicas, d);
  if (deploymentComplete(d, d.status)) await cleanupDeployment(ctx, oldRSs, d);
  return syncRolloutStatus(ctx, allRSs, newRS, d);
}
