// A ReplicaSet's status as kube's replica_set_utils.go computes it from the pods it owns: replicas,
// fullyLabeledReplicas (pods carrying every template label), readyReplicas, availableReplicas (ready
// for minReadySeconds), and a ReplicaFailure condition while creating or deleting pods fails.
import type { Pod } from '../../../shared/api/pod.ts';
import type { ReplicaSet, ReplicaSetStatus } from '../../../shared/api/apps.ts';
import type { WorkloadCondition } from '../../../shared/api/workload.ts';
import { isPodAvailable, isPodReady } from '../../controller-utils/pod-state.ts';

export const REPLICA_FAILURE = 'ReplicaFailure';

const nowTimestamp = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Go's int32 fields with omitempty: a zero is not serialized. */
const omitZero = (n: number) => (n === 0 ? undefined : n);

function templateLabelsMatch(template: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  return Object.entries(template ?? {}).every(([k, v]) => labels?.[k] === v);
}

export function calculateReplicaSetStatus(rs: ReplicaSet, pods: Pod[], manageError: unknown, now = Date.now()): ReplicaSetStatus {
  const status: ReplicaSetStatus = structuredClone(rs.status ?? { replicas: 0 });
  let fullyLabeled = 0;
  let ready = 0;
  let available = 0;
  for (const pod of pods) {
    if (templateLabelsMatch(rs.spec.template.metadata?.labels, pod.metadata?.labels)) fullyLabeled++;
    if (isPodReady(pod)) {
      ready++;
      if (isPodAvailable(pod, rs.spec.minReadySeconds ?? 0, now)) available++;
    }
  }
  const failure = status.conditions?.find((c) => c.type === REPLICA_FAILURE);
  if (manageError && !failure) {
    const diff = pods.length - rs.spec.replicas;
    const reason = diff < 0 ? 'FailedCreate' : diff > 0 ? 'FailedDelete' : '';
    const condition: WorkloadCondition = { type: REPLICA_FAILURE, status: 'True', lastTransitionTime: nowTimestamp(), reason, message: (manageError as Error).message ?? String(manageError) };
    status.conditions = [...(status.conditions ?? []), condition];
  } else if (!manageError && failure) {
    status.conditions = status.conditions!.filter((c) => c.type !== REPLICA_FAILURE);
    if (status.conditions.length === 0) delete status.conditions;
  }
  status.replicas = pods.length;
  status.fullyLabeledReplicas = omitZero(fullyLabeled);
  status.readyReplicas = omitZero(ready);
  status.availableReplicas = omitZero(available);
  return status;
}

/** Whether writing `next` would change nothing that updateReplicaSetStatus compares. */
export function replicaSetStatusUnchanged(rs: ReplicaSet, next: ReplicaSetStatus): boolean {
  const cur = rs.status ?? { replicas: 0 };
  return (cur.replicas ?? 0) === next.replicas
    && (cur.fullyLabeledReplicas ?? 0) === (next.fullyLabeledReplicas ?? 0)
    && (cur.readyReplicas ?? 0) === (next.readyReplicas ?? 0)
    && (cur.availableReplicas ?? 0) === (next.availableReplicas ?? 0)
    && (rs.metadata.generation ?? 0) === (cur.observedGeneration ?? 0)
    && JSON.stringify(cur.conditions ?? []) === JSON.stringify(next.conditions ?? []);
}
