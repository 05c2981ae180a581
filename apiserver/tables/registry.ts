// Which printer serves which resource (the kinds this server serves), keyed `plural.group` (`plural` for the core group).
import { jobPrinter } from './batch.ts';
import { leasePrinter } from './coordination.ts';
import { configMapPrinter, endpointsPrinter, namespacePrinter, secretPrinter, servicePrinter } from './core.ts';
import { endpointSlicePrinter } from './discovery.ts';
import { eventPrinter } from './events.ts';
import { nodePrinter } from './nodes.ts';
import { podPrinter } from './pods.ts';
import type { Printer } from './types.ts';
import { daemonSetPrinter, deploymentPrinter, replicaSetPrinter } from './workloads.ts';

export const printerRegistry: ReadonlyMap<string, Printer> = new Map<string, Printer>([
  ['pods', podPrinter],
  ['nodes', nodePrinter],
  ['namespaces', namespacePrinter],
  ['services', servicePrinter],
  ['endpoints', endpointsPrinter],
  ['configmaps', configMapPrinter],
  ['secrets', secretPrinter],
  ['events', eventPrinter],
  ['deployments.apps', deploymentPrinter],
  ['replicasets.apps', replicaSetPrinter],
  ['daemonsets.apps', daemonSetPrinter],
  ['jobs.batch', jobPrinter],
  ['leases.coordination.k8s.io', leasePrinter],
  ['endpointslices.discovery.k8s.io', endpointSlicePrinter],
]);
