// Services: the strategy (kube's pkg/registry/core/service) and a store whose ClusterIPs and NodePorts
// come from ranges kept in storage, as kube keeps them in etcd: RangeAllocation objects at
// /registry/ranges/serviceips and /registry/ranges/servicenodeports, changed by compare-and-swap
// (stored-range.ts). Every API server sharing the store allocates through them, so none hands out a
// value another has, and a value freed through one is free through all at once; a repair loop
// (service-repair.ts) keeps the ranges in line with the stored Services.
import type { ResourceType } from '../../../shared/api/resource-type.ts';
import type { Logger } from '../../../shared/log.ts';
import type { Backend } from '../../storage/interface.ts';
import { GenericStore } from '../generic-store.ts';
import { NodePortAllocator, ServiceIPAllocator } from '../ip-allocator.ts';
import { resourcePrefix } from '../keys.ts';
import type { KubeObject } from '../object.ts';
import { StoredRange } from '../stored-range.ts';
import type { Strategy } from '../strategy.ts';
import {
  ServiceAllocators, initIPFamilyFields, normalizeClusterIPs, patchAllocatedValues, validateClusterIPsUpdate, valuesOf, type ServiceShape,
} from './service-allocation.ts';
import { ServiceAllocationRepair } from './service-repair.ts';

export interface ServiceRegistryOptions {
  /** --service-cluster-ip-range (k8ts default 127.96.0.0/12: loopback, so every ClusterIP is bindable locally). */
  serviceClusterIPRange?: string;
  /** --service-node-port-range (default 30000-32767). */
  serviceNodePortRange?: string;
  logger?: Logger;
}

export const DEFAULT_SERVICE_CLUSTER_IP_RANGE = '127.96.0.0/12';
export const DEFAULT_SERVICE_NODE_PORT_RANGE = '30000-32767';

const asService = (obj: KubeObject) => obj as unknown as ServiceShape;

/** `ready`: allocation waits for the first repair, which creates the ranges when the store has none. */
export function serviceStrategy(allocators: ServiceAllocators, ready: () => Promise<void>): Strategy {
  return {
    hasGeneration: false,
    returnDeletedObject: true,
    prepareForCreate(obj) {
      obj.status = { loadBalancer: {} };
    },
    async beginCreate(obj, options) {
      await ready();
      return allocators.beginCreate(asService(obj), options.dryRun ?? false);
    },
    prepareForUpdate(obj, old) {
      normalizeClusterIPs(asService(obj), asService(old));
      patchAllocatedValues(asService(obj), asService(old));
    },
    validateUpdate(obj, old) {
      const causes = initIPFamilyFields(asService(obj), asService(old));
      return causes.length ? causes : validateClusterIPsUpdate(asService(obj), asService(old));
    },
    async beginUpdate(obj, old, options) {
      await ready();
      return allocators.beginUpdate(asService(obj), asService(old), options.dryRun ?? false);
    },
    async afterDelete(obj) {
      await ready();
      await allocators.release(valuesOf(asService(obj)));
    },
  };
}

export class ServiceStore extends GenericStore {
  constructor(type: ResourceType, backend: Backend, strategy: Strategy, readonly repair: ServiceAllocationRepair) {
    super(type, backend, strategy);
  }
}

/** The Service store with allocators over the configured ranges (a bad range throws, stopping the server). */
export function createServiceStore(type: ResourceType, backend: Backend, options: ServiceRegistryOptions): ServiceStore {
  const cidr = options.serviceClusterIPRange || DEFAULT_SERVICE_CLUSTER_IP_RANGE;
  const nodePortRange = options.serviceNodePortRange || DEFAULT_SERVICE_NODE_PORT_RANGE;
  const allocators = new ServiceAllocators(
    new StoredRange(backend, '/registry/ranges/serviceips', 'serviceipallocations', (snapshot) => new ServiceIPAllocator(cidr, snapshot)),
    new StoredRange(backend, '/registry/ranges/servicenodeports', 'servicenodeportallocations', (snapshot) => new NodePortAllocator(nodePortRange, snapshot)),
    options.logger,
  );
  const repair = new ServiceAllocationRepair(backend, resourcePrefix(type), allocators, options.logger);
  return new ServiceStore(type, backend, serviceStrategy(allocators, () => repair.ready), repair);
}
