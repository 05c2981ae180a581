// Creating pods from a controller's template and deleting them, with the events kube's RealPodControl
// records on the controller: SuccessfulCreate / FailedCreate, SuccessfulDelete / FailedDelete.
import type { OwnerReference } from '../../shared/api/meta.ts';
import type { Pod } from '../../shared/api/pod.ts';
import type { PodTemplateSpec } from '../../shared/api/pod-spec.ts';
import { isNotFound } from '../../shared/client/api-client.ts';
import type { ResourceClient } from '../../shared/client/resource-client.ts';
import { StatusError } from '../../shared/errors.ts';
import type { EventRecorder, InvolvedObject } from '../../shared/events.ts';

/** The status cause the API server gives when a create fails because the namespace is going away. */
export const NAMESPACE_TERMINATING_CAUSE = 'NamespaceTerminating';

export const hasStatusCause = (err: unknown, cause: string): boolean =>
  err instanceof StatusError && !!err.details?.causes?.some((c) => c.reason === cause);

const MAX_NAME_LENGTH = 253;

/** generateName for the pods of `controllerName` (getPodsPrefix): `<name>-`, or the name when that is too long. */
export const podsPrefix = (controllerName: string): string =>
  controllerName.length + 1 <= MAX_NAME_LENGTH ? `${controllerName}-` : controllerName;

/** The pod a controller creates from its template (GetPodFromTemplate). */
export function podFromTemplate(template: PodTemplateSpec, controllerName: string, controllerRef: OwnerReference): Pod {
  const meta = template.metadata ?? {};
  return {
    metadata: {
      generateName: podsPrefix(controllerName),
      labels: meta.labels ? { ...meta.labels } : undefined,
      annotations: meta.annotations ? { ...meta.annotations } : undefined,
      finalizers: meta.finalizers ? [...meta.finalizers] : undefined,
      ownerReferences: [controllerRef],
    },
    spec: structuredClone(template.spec),
  } as Pod;
}

export class PodControl {
  constructor(private readonly pods: ResourceClient<Pod>, private readonly recorder: EventRecorder) {}

  /** Creates one pod for `controller` from `template`; records the outcome on the controller. */
  async createPod(namespace: string, template: PodTemplateSpec, controller: InvolvedObject & { metadata?: { name?: string } }, controllerRef: OwnerReference): Promise<Pod> {
    const pod = podFromTemplate(template, controller.metadata?.name ?? '', controllerRef);
    if (Object.keys(pod.metadata?.labels ?? {}).length === 0) throw new Error('unable to create pods, no labels');
    try {
      const created = await this.pods.create(namespace, pod);
      this.recorder.event(controller, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata?.name}`);
      return created;
    } catch (err) {
      if (!hasStatusCause(err, NAMESPACE_TERMINATING_CAUSE)) this.recorder.event(controller, 'Warning', 'FailedCreate', `Error creating: ${(err as Error).message}`);
      throw err;
    }
  }

  /** Deletes a pod (gracefully, as the pod's own grace period says); NotFound is passed to the caller unrecorded. */
  async deletePod(namespace: string, name: string, controller: InvolvedObject): Promise<void> {
    try {
      await this.pods.delete(namespace, name);
    } catch (err) {
      if (isNotFound(err)) throw err;
      this.recorder.event(controller, 'Warning', 'FailedDelete', `Error deleting: ${(err as Error).message}`);
      throw new Error(`unable to delete pods: ${(err as Error).message}`, { cause: err });
    }
    this.recorder.event(controller, 'Normal', 'SuccessfulDelete', `Deleted pod: ${name}`);
  }
}
