// Pods: server-set status on create, default tolerations (the DefaultTolerationSeconds admission
// plugin), graceful deletion for pods on a node, the field selectors the kubelet and scheduler use,
// and a spec that is immutable but for a few fields.
import type { StatusCause } from '../../../shared/errors.ts';
import type { KubeObject } from '../object.ts';
import { deepEqual } from '../object.ts';
import type { Strategy } from '../strategy.ts';
import { podQOSClass } from '../../../shared/api/pod.ts';
import type { PodSpec } from '../../../shared/api/pod-spec.ts';

interface PodShape {
  spec?: {
    nodeName?: string;
    restartPolicy?: string;
    schedulerName?: string;
    serviceAccountName?: string;
    terminationGracePeriodSeconds?: number;
    tolerations?: { key?: string; operator?: string; effect?: string; tolerationSeconds?: number; value?: string }[];
    containers?: { image?: string }[];
    initContainers?: { image?: string }[];
    activeDeadlineSeconds?: number;
  };
  status?: { phase?: string; podIP?: string; nominatedNodeName?: string; qosClass?: string; conditions?: unknown[] };
}
const pod = (obj: KubeObject) => obj as KubeObject & PodShape;

export interface PodStrategyOptions {
  defaultNotReadyTolerationSeconds: number;
  defaultUnreachableTolerationSeconds: number;
}

function addDefaultTolerations(obj: KubeObject, options: PodStrategyOptions): void {
  const spec = pod(obj).spec;
  if (!spec) return;
  const tolerations = spec.tolerations ?? [];
  const tolerates = (key: string) =>
    tolerations.some((t) => (t.operator === 'Exists' && !t.key) || (t.key === key && (!t.effect || t.effect === 'NoExecute')));
  const add = (key: string, seconds: number) => {
    if (!tolerates(key)) tolerations.push({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: seconds });
  };
  add('node.kubernetes.io/not-ready', options.defaultNotReadyTolerationSeconds);
  add('node.kubernetes.io/unreachable', options.defaultUnreachableTolerationSeconds);
  spec.tolerations = tolerations;
}

/** Which parts of a pod's spec may change after creation (kube's ValidatePodUpdate). */
function validatePodUpdate(obj: KubeObject, old: KubeObject): StatusCause[] {
  const a = structuredClone(pod(obj).spec ?? {});
  const b = structuredClone(pod(old).spec ?? {});
  // Images, activeDeadlineSeconds and added tolerations are the mutable parts; compare the rest.
  for (const s of [a, b]) {
    for (const c of [...(s.containers ?? []), ...(s.initContainers ?? [])]) delete c.image;
    delete s.activeDeadlineSeconds;
    delete s.tolerations;
  }
  // The binding subresource sets nodeName; a plain update may not.
  if (!deepEqual(a, b))
    return [{ reason: 'FieldValueForbidden', field: 'spec', message: 'Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)' }];
  return [];
}

export function podStrategy(options: PodStrategyOptions): Strategy {
  return {
    hasGeneration: false,
    returnDeletedObject: true,
    prepareForCreate(obj) {
      const p = pod(obj);
      // Status is the kubelet's; a new pod starts Pending, whatever the client sent.
      p.status = { phase: 'Pending', qosClass: podQOSClass(p.spec as unknown as PodSpec) };
      addDefaultTolerations(obj, options);
    },
    validateUpdate: validatePodUpdate,
    // The binding handler has already set spec.nodeName and the PodScheduled condition on a fresh copy.
    subresourceUpdate: { binding: (desired) => desired },
    selectableFields(obj) {
      const p = pod(obj);
      return {
        'spec.nodeName': p.spec?.nodeName ?? '',
        'spec.restartPolicy': p.spec?.restartPolicy ?? '',
        'spec.schedulerName': p.spec?.schedulerName ?? '',
        'spec.serviceAccountName': p.spec?.serviceAccountName ?? '',
        'status.phase': p.status?.phase ?? '',
        'status.podIP': p.status?.podIP ?? '',
        'status.nominatedNodeName': p.status?.nominatedNodeName ?? '',
      };
    },
    gracePeriodSeconds(obj, deleteOptions) {
      const p = pod(obj);
      // An unscheduled or finished pod has no kubelet to confirm its end: it goes at once (kube does the same).
      if (!p.spec?.nodeName || p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed') return 0;
      return deleteOptions.gracePeriodSeconds ?? p.spec?.terminationGracePeriodSeconds ?? 30;
    },
  };
}
