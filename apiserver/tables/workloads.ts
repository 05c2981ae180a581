// Printers for apps/v1: deployments, replicasets, daemonsets, statefulsets, controllerrevisions.
import { formatLabels, formatLabelSelector, labelSelectorFromObject } from '../../shared/selectors/label-selector-object.ts';
import { ageColumn, column, containerCells, containersColumn, imagesColumn, nameColumn, SELECTOR_DOCS, selectorColumn } from './columns.ts';
import { since } from './duration.ts';
import { printer, type LabelSelectorView, type ObjectMetaView, type PodTemplateView, type PrintContext, type PrintedRow } from './types.ts';

interface WorkloadView<Status> {
  metadata?: ObjectMetaView;
  spec?: { replicas?: number; selector?: LabelSelectorView | null; template?: PodTemplateView };
  status?: Status;
}

/** The wide CONTAINERS IMAGES SELECTOR cells. */
function wideCells(spec: WorkloadView<unknown>['spec'], selector: string): string[] {
  const [names, images] = containerCells(spec?.template?.spec?.containers);
  return [names, images, selector];
}

// Replicas is defaulted to 1 by the API server; a view of an undefaulted object reads it the same way.
const desired = (spec: WorkloadView<unknown>['spec']) => spec?.replicas ?? 1;

export type DeploymentView = WorkloadView<{ updatedReplicas?: number; readyReplicas?: number; availableReplicas?: number }>;

export function printDeployment(d: DeploymentView, ctx: PrintContext): PrintedRow {
  const status = d.status ?? {};
  const cells = [
    d.metadata?.name ?? '',
    `${status.readyReplicas ?? 0}/${desired(d.spec)}`,
    status.updatedReplicas ?? 0,
    status.availableReplicas ?? 0,
    since(d.metadata?.creationTimestamp, ctx.now),
  ];
  if (ctx.wide) {
    let selector: string;
    try {
      selector = labelSelectorFromObject(d.spec?.selector).toString();
    } catch {
      selector = '<invalid>';
    }
    cells.push(...wideCells(d.spec, selector));
  }
  return { cells };
}

export const deploymentPrinter = printer<DeploymentView>(
  [
    nameColumn(),
    column('Ready', 'string', 'Number of the pod with ready state'),
    column('Up-to-date', 'string', 'Total number of non-terminating pods targeted by this deployment that have the desired template spec.'),
    column('Available', 'string', 'Total number of available non-terminating pods (ready for at least minReadySeconds) targeted by this deployment.'),
    ageColumn(),
    containersColumn(),
    imagesColumn(),
    selectorColumn(SELECTOR_DOCS.deployment),
  ],
  printDeployment,
);

export type ReplicaSetView = WorkloadView<{ replicas?: number; readyReplicas?: number }>;

export const replicaSetPrinter = printer<ReplicaSetView>(
  [
    nameColumn(),
    column('Desired', 'integer', 'Replicas is the number of desired pods. This is a pointer to distinguish between explicit zero and unspecified. Defaults to 1. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicaset'),
    column('Current', 'integer', 'Replicas is the most recently observed number of non-terminating pods. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicaset'),
    column('Ready', 'integer', 'The number of non-terminating pods targeted by this ReplicaSet with a Ready Condition.'),
    ageColumn(),
    containersColumn(),
    imagesColumn(),
    selectorColumn(SELECTOR_DOCS.replicaSet),
  ],
  (rs, ctx) => {
    const cells = [rs.metadata?.name ?? '', desired(rs.spec), rs.status?.replicas ?? 0, rs.status?.readyReplicas ?? 0, since(rs.metadata?.creationTimestamp, ctx.now)];
    if (ctx.wide) cells.push(...wideCells(rs.spec, formatLabelSelector(rs.spec?.selector)));
    return { cells };
  },
);

export type DaemonSetView = WorkloadView<{
  desiredNumberScheduled?: number;
  currentNumberScheduled?: number;
  numberReady?: number;
  updatedNumberScheduled?: number;
  numberAvailable?: number;
}>;

export const daemonSetPrinter = printer<DaemonSetView>(
  [
    nameColumn(),
    column('Desired', 'integer', 'The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod). More info: https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/'),
    column('Current', 'integer', 'The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod. More info: https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/'),
    column('Ready', 'integer', 'numberReady is the number of nodes that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition.'),
    column('Up-to-date', 'integer', 'The total number of nodes that are running updated daemon pod'),
    column('Available', 'integer', 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)'),
    column('Node Selector', 'string', "NodeSelector is a selector which must be true for the pod to fit on a node. Selector which must match a node's labels for the pod to be scheduled on that node. More info: https://kubernetes.io/docs/concepts/configuration/assign-pod-node/"),
    ageColumn(),
    containersColumn(),
    imagesColumn(),
    selectorColumn(SELECTOR_DOCS.daemonSet),
  ],
  (ds, ctx) => {
    const s = ds.status ?? {};
    const cells = [
      ds.metadata?.name ?? '',
      s.desiredNumberScheduled ?? 0,
      s.currentNumberScheduled ?? 0,
      s.numberReady ?? 0,
      s.updatedNumberScheduled ?? 0,
      s.numberAvailable ?? 0,
      formatLabels(ds.spec?.template?.spec?.nodeSelector),
      since(ds.metadata?.creationTimestamp, ctx.now),
    ];
    if (ctx.wide) cells.push(...wideCells(ds.spec, formatLabelSelector(ds.spec?.selector)));
    return { cells };
  },
);
