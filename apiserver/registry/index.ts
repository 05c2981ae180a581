// Every resource the server serves: one GenericStore per kind, with that kind's strategy.
import { resourceTypes } from '../../shared/api/registry.ts';
import type { ResourceType } from '../../shared/api/resource-type.ts';
import type { Logger } from 'pino';
import type { Backend } from '../storage/interface.ts';
import { Cacher } from '../watch/cacher.ts';
import { GenericStore } from './generic-store.ts';
import { resourcePrefix } from './keys.ts';
import { NamespaceLifecycle } from './namespace-lifecycle.ts';
import { namespaceStrategy } from './kinds/namespaces.ts';
import { podStrategy, type PodStrategyOptions } from './kinds/pods.ts';
import { daemonSetStrategy, jobStrategy, workloadStrategy } from './kinds/workloads.ts';
import { endpointSliceStrategy, eventStrategy, leaseStrategy, nodeStrategy, plainStrategy, secretStrategy } from './kinds/misc.ts';
import { createServiceStore, ServiceStore, type ServiceRegistryOptions } from './kinds/services.ts';
import type { Strategy } from './strategy.ts';

export type RegistryOptions = PodStrategyOptions & ServiceRegistryOptions & { watchCacheSize: number; logger?: Logger };

export function strategyFor(type: ResourceType, options: RegistryOptions): Strategy {
  switch (`${type.group}/${type.plural}`) {
    case '/pods': return podStrategy(options);
    case '/namespaces': return namespaceStrategy;
    case '/nodes': return nodeStrategy;
    case '/events': return eventStrategy;
    case '/secrets': return secretStrategy;
    case 'apps/deployments': case 'apps/replicasets': return workloadStrategy;
    case 'apps/daemonsets': return daemonSetStrategy;
    case 'batch/jobs': return jobStrategy;
    case 'coordination.k8s.io/leases': return leaseStrategy;
    case 'discovery.k8s.io/endpointslices': return endpointSliceStrategy;
    default: return plainStrategy;
  }
}

export class ApiRegistry {
  private readonly byPath = new Map<string, GenericStore>();
  readonly stores: GenericStore[] = [];
  /** Watches being served right now (for /metrics). */
  openWatches = 0;
  private readonly namespaceLifecycle: NamespaceLifecycle;

  constructor(readonly backend: Backend, options: RegistryOptions) {
    for (const type of resourceTypes) {
      const store = type.group === '' && type.plural === 'services'
        ? createServiceStore(type, backend, options)
        : new GenericStore(type, backend, strategyFor(type, options));
      store.cacher = new Cacher(backend, resourcePrefix(type), store.decode, options.watchCacheSize);
      this.byPath.set(`${type.group}/${type.version}/${type.plural}`, store);
      this.stores.push(store);
    }
    const namespaces = this.lookup('', 'v1', 'namespaces')!;
    this.namespaceLifecycle = new NamespaceLifecycle(backend, namespaces, resourcePrefix(namespaces.type), options.logger);
    const guard: GenericStore['namespaceGuard'] = (namespace, resource, name) => this.namespaceLifecycle.admit(namespace, resource, name);
    for (const store of this.stores) store.namespaceGuard = guard;
  }

  lookup(group: string, version: string, plural: string): GenericStore | undefined {
    return this.byPath.get(`${group}/${version}/${plural}`);
  }

  startWatchCaches(): void {
    for (const store of this.stores) store.cacher!.start();
    this.namespaceLifecycle.start();
  }

  stopWatchCaches(): void {
    this.namespaceLifecycle.stop();
    for (const store of this.stores) if (store instanceof ServiceStore) store.repair.stop();
    for (const store of this.stores) store.cacher!.stop();
  }
}
