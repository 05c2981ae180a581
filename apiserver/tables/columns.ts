// Column definitions shared by the printers. Descriptions are the API field docs kube uses
// (SwaggerDoc of the field each column shows); kubectl does not display them.
import type { TableColumnDefinition } from './types.ts';

export const column = (name: string, type: string, description: string, priority = 0, format = ''): TableColumnDefinition =>
  ({ name, type, format, description, priority });

export const NAME_DESCRIPTION =
  'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names';
export const CREATION_TIMESTAMP_DESCRIPTION =
  'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata';

/** The NAME column: format "name" tells kubectl it holds the object's name (used by `-o name`-like output). */
export const nameColumn = (priority = 0) => column('Name', 'string', NAME_DESCRIPTION, priority, 'name');
export const ageColumn = () => column('Age', 'string', CREATION_TIMESTAMP_DESCRIPTION);

export const containersColumn = () => column('Containers', 'string', 'Names of each container in the template.', 1);
export const imagesColumn = () => column('Images', 'string', 'Images referenced by each container in the template.', 1);
export const selectorColumn = (description: string) => column('Selector', 'string', description, 1);

export const SELECTOR_DOCS = {
  deployment: 'Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.',
  replicaSet:
    'Selector is a label query over pods that should match the replica count. If the selector is empty, it is defaulted to the labels present on the pod template. Label keys and values that must match in order to be controlled by this replica set. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors',
  daemonSet:
    'A label query over pods that are managed by the daemon set. Must match in order to be controlled. If empty, defaulted to labels on Pod template. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors',
  job: 'A label query over pods that should match the pod count. Normally, the system sets this field for you. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors',
};

/** layoutContainerCells: container names and images, comma-separated, in spec order. */
export function containerCells(containers: readonly { name?: string; image?: string }[] | undefined): [string, string] {
  const list = containers ?? [];
  return [list.map((c) => c.name ?? '').join(','), list.map((c) => c.image ?? '').join(',')];
}
