// Which printer serves which resource, keyed `plural.group` (`plural` for the core group).
import { cronJobPrinter, jobPrinter } from './batch.ts';
import { leasePrinter } from './coordination.ts';
import { configMapPrinter, endpointsPrinter, namespacePrinter, secretPrinter, serviceAccountPrinter, servicePrinter } from './core.ts';
import { endpointSlicePrinter } from './discovery.ts';
import { eventPrinter, eventsV1Printer } from './events.ts';
import { nodePrinter } from './nodes.ts';
import { podPrinter } from './pods.ts';
import { clusterRoleBindingPrinter, roleBindingPrinter } from './rbac.ts';
import { priorityClassPrinter } from './scheduling.ts';
import type { Printer } from './types.ts';
import { controllerRevisionPrinter, daemonSetPrinter, deploymentPrinter, replicaSetPrinter, statefulSetPrinter } from './workloads.ts';

export const printerRegistry: ReadonlyMap<string, Printer> = new Map<string, Printer>([
  ['pods', podPrinter],
  ['nodes', nodePrinter],
  ['namespaces', namespacePrinter],
  ['services', servicePrinter],
  ['endpoints', endpointsPrinter],
  ['configmaps', configMapPrinter],
  ['secrets', secretPrinter],
  ['serviceaccounts', serviceAccountPrinter],
  ['events', eventPrinter],
  ['events.events.k8s.io', eventsV1Printer],
  ['deployments.apps', deploymentPrinter],
  ['replicasets.apps', replicaSetPrinter],
  ['daemonsets.apps', daemonSetPrinter],
  ['statefulsets.apps', statefulSetPrinter],
  ['controllerrevisions.apps', controllerRevisionPrinter],
  ['jobs.batch', jobPrinter],
  ['cronjobs.batch', cronJobPrinter],
  ['leases.coordination.k8s.io', leasePrinter],
  ['endpointslices.discovery.k8s.io', endpointSlicePrinter],
  ['rolebindings.rbac.authorization.k8s.io', roleBindingPrinter],
  ['clusterrolebindings.rbac.authorization.k8s.io', clusterRoleBindingPrinter],
  ['priorityclasses.scheduling.k8s.io', priorityClassPrinter],
]);
