// Every resource the server serves: one GenericStore per kind, with that kind's strategy.
import { resourceTypes } from '../../shared/api/registry.ts';
import type { ResourceType } from '../../shared/api/resource-type.ts';
import { forbidden, notFound } from '../../shared/errors.ts';
import type { Backend } from '../storage/interface.ts';
import { Cacher } from '../watch/cacher.ts';
import { GenericStore } from './generic-store.ts';
import { resourcePrefix } from './keys.ts';
import { namespaceStrategy } from './kinds/namespaces.ts';
import { podStrategy, type PodStrategyOptions } from './kinds/pods.ts';
import { daemonSetStrategy, jobStrategy, workloadStrategy } from './kinds/workloads.ts';
import { endpointSliceStrategy, eventStrategy, leaseStrategy, nodeStrategy, plainStrategy, secretStrategy } from './kinds/misc.ts';
import { createServiceStore, type ServiceRegistryOptions } from './kinds/services.ts';
import type { Strategy } from './strategy.ts';

export type RegistryOptions = PodStrategyOptions & ServiceRegistryOptions & { watchCacheSize: number };

function strategyFor(type: ResourceType, options: RegistryOptions): Strategy {
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
    // NamespaceLifecycle admission: a missing namespace is its own NotFound; a terminating one forbids the new object.
    const guard = async (namespace: string, resource: { group: string; resource: string }, name: string) => {
      const ns = await namespaces.get('', namespace).catch(() => undefined);
      if (!ns) throw notFound({ group: '', resource: 'namespaces' }, namespace);
      if (ns.metadata.deletionTimestamp) {
        const err = forbidden(resource, name, `unable to create new content in namespace ${namespace} because it is being terminated`);
        // kube marks this case with a cause, so controllers can tell it from other refusals.
        err.details!.causes = [{ reason: 'NamespaceTerminating', message: `namespace ${namespace} is being terminated`, field: 'metadata.namespace' }];
        throw err;
      }
    };
    for (const store of this.stores) store.namespaceGuard = guard;
  }

  lookup(group: string, version: string, plural: string): GenericStore | undefined {
    return this.byPath.get(`${group}/${version}/${plural}`);
  }

  startWatchCaches(): void {
    for (const store of this.stores) store.cacher!.start();
  }

  stopWatchCaches(): void {
    for (const store of this.stores) store.cacher!.stop();
  }
}
