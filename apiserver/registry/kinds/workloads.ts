// Deployments, ReplicaSets, DaemonSets and Jobs: status only through /status, an immutable selector,
// and for Jobs the server-generated selector and template labels (batch's controller-uid labels).
import type { StatusCause } from '../../../shared/errors.ts';
import type { KubeObject } from '../object.ts';
import { deepEqual } from '../object.ts';
import type { Strategy } from '../strategy.ts';
import { JobStatus, prepareJobForCreate, type Job } from '../../../shared/api/batch.ts';
import { DaemonSetStatus, DeploymentStatus, ReplicaSetStatus } from '../../../shared/api/apps.ts';

interface WorkloadShape {
  spec?: {
    selector?: { matchLabels?: Record<string, string> };
    template?: { metadata?: { labels?: Record<string, string> } };
    replicas?: number;
  };
  status?: { replicas?: number; succeeded?: number };
}
const workload = (obj: KubeObject) => obj as KubeObject & WorkloadShape;

/**
 * Status is the controller's: a new object starts with the empty status, defaulted as the schema
 * defaults it (what kube's zero-value status struct serializes to). Dropping it instead would make the
 * first update, even a no-op, differ from what was stored.
 */
const emptyStatus: Record<string, () => unknown> = {
  Deployment: () => DeploymentStatus.parse({}),
  ReplicaSet: () => ReplicaSetStatus.parse({}),
  DaemonSet: () => DaemonSetStatus.parse({}),
  Job: () => JobStatus.parse({}),
};
const resetStatus = (obj: KubeObject) => {
  obj.status = emptyStatus[obj.kind ?? '']?.() ?? {};
};

function immutableSelector(obj: KubeObject, old: KubeObject): StatusCause[] {
  const a = workload(obj).spec?.selector;
  const b = workload(old).spec?.selector;
  if (deepEqual(a, b)) return [];
  return [{ reason: 'FieldValueInvalid', field: 'spec.selector', message: `Invalid value: ${JSON.stringify(a)}: field is immutable` }];
}

export const workloadStrategy: Strategy = {
  prepareForCreate: resetStatus,
  validateUpdate: immutableSelector,
  selectableFields(obj) {
    return { 'status.replicas': String(workload(obj).status?.replicas ?? 0) };
  },
};

export const daemonSetStrategy: Strategy = {
  prepareForCreate: resetStatus,
  validateUpdate: immutableSelector,
};

export const jobStrategy: Strategy = {
  prepareForCreate(obj) {
    resetStatus(obj);
    return prepareJobForCreate(obj as unknown as Job) as unknown as KubeObject;
  },
  validateUpdate(obj, old) {
    const causes = immutableSelector(obj, old);
    if (!deepEqual(workload(obj).spec?.template, workload(old).spec?.template))
      causes.push({ reason: 'FieldValueInvalid', field: 'spec.template', message: `Invalid value: ${JSON.stringify(workload(obj).spec?.template)}: field is immutable` });
    return causes;
  },
  selectableFields(obj) {
    return { 'status.successful': String(workload(obj).status?.succeeded ?? 0) };
  },
};
