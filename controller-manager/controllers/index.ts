// Every controller the manager can run, by the name `--controllers` uses (kube's names).
import type { ControllerFactory } from '../controller-context.ts';
import { newReplicaSetController } from './replicaset.ts';
import { newDeploymentController } from './deployment.ts';
import { newEndpointsController } from './endpoints.ts';
import { newEndpointSliceController } from './endpointslice.ts';
import { newGarbageCollector } from './garbage-collector.ts';
import { newNamespaceController } from './namespace.ts';
import { newNodeIpamController } from './node-ipam.ts';
import { newNodeLifecycleController } from './node-lifecycle.ts';
import { newTaintEvictionController } from './taint-eviction.ts';
import { newDaemonSetController } from './daemonset.ts';
import { newJobController } from './job.ts';

export const controllers: Record<string, ControllerFactory> = {
  // Each controller file adds its line here, e.g. replicaset: newReplicaSetController,
  replicaset: newReplicaSetController,
  deployment: newDeploymentController,
  endpoint: newEndpointsController,
  endpointslice: newEndpointSliceController,
  garbagecollector: newGarbageCollector,
  namespace: newNamespaceController,
  nodeipam: newNodeIpamController,
  nodelifecycle: newNodeLifecycleController,
  'taint-eviction-controller': newTaintEvictionController,
  daemonset: newDaemonSetController,
  job: newJobController,
};
