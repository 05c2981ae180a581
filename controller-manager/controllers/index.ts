// Every controller the manager can run, by the name `--controllers` uses (kube's names).
import type { ControllerFactory } from '../controller-context.ts';
import { newReplicaSetController } from './replicaset.ts';
import { newDeploymentController } from './deployment.ts';
import { newEndpointsController } from './endpoints.ts';
import { newEndpointSliceController } from './endpointslice.ts';
import { newGarbageCollector } from './garbage-collector.ts';
import { newNamespaceController } from './namespace.ts';

export const controllers: Record<string, ControllerFactory> = {
  // Each controller file adds its line here, e.g. replicaset: newReplicaSetController,
  replicaset: newReplicaSetController,
  deployment: newDeploymentController,
  endpoint: newEndpointsController,
  endpointslice: newEndpointSliceController,
  garbagecollector: newGarbageCollector,
  namespace: newNamespaceController,
};
