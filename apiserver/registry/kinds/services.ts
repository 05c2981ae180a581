// Services: the strategy (kube's pkg/registry/core/service) and a store that allocates ClusterIPs and
// NodePorts. The allocation state is not stored on its own (kube keeps bitmaps in etcd and repairs them
// with a controller): it is rebuilt from the stored Services when the server starts, and after every
// write the Service's owner is made to hold exactly what the stored object uses. Writes to one Service
// are serialized, so that reconciliation cannot race a write to the same Service; different Services
// never share a value because allocating is synchronous. On etcd several API servers write Services:
// each follows the Services others store (a watch on their prefix) and settles those owners too, so a
// value another server handed out is taken here as well, and one it freed is free.
import { generateName } from '../../../shared/api/names.ts';
import type { ResourceType } from '../../../shared/api/resource-type.ts';
import { invalid } from '../../../shared/errors.ts';
import type { Logger } from '../../../shared/log.ts';
import type { Backend, StoreEvent, Watcher } from '../../storage/interface.ts';
import type { DeleteOptions } from '../delete-options.ts';
import { GenericStore, type DeleteResult, type WriteOptions, type WriteResult } from '../generic-store.ts';
import { NodePortAllocator, ServiceIPAllocator } from '../ip-allocator.ts';
import { resourcePrefix } from '../keys.ts';
import type { KubeObject } from '../object.ts';
import type { Strategy } from '../strategy.ts';
import { ServiceAllocators, ownerOf, normalizeClusterIPs, patchAllocatedValues, type ServiceShape } from './service-allocation.ts';

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

export function serviceStrategy(allocators: ServiceAllocators): Strategy {
  return {
    hasGeneration: false,
    returnDeletedObject: true,
    prepareForCreate(obj) {
      obj.status = { loadBalancer: {} };
      const causes = allocators.allocateCreate(asService(obj));
      if (causes.length) throw invalid('', 'Service', obj.metadata.name ?? '', causes);
    },
    prepareForUpdate(obj, old) {
      normalizeClusterIPs(asService(obj), asService(old));
      patchAllocatedValues(asService(obj), asService(old));
    },
    // The last hook before the write, on the defaulted object: where kube's allocateUpdate happens too.
    validateUpdate(obj, old) {
      return allocators.allocateUpdate(asService(obj), asService(old));
    },
  };
}

export class ServiceStore extends GenericStore {
  private readonly tails = new Map<string, Promise<unknown>>();
  private readonly loaded: Promise<void>;
  private watcher?: Watcher;

  constructor(type: ResourceType, backend: Backend, readonly allocators: ServiceAllocators, private readonly logger?: Logger) {
    super(type, backend, serviceStrategy(allocators));
    this.loaded = this.rebuild();
    this.loaded.catch((err) => logger?.error({ err }, 'rebuilding service allocations failed'));
  }

  /** What every stored Service uses, as the allocators' starting state; then every change, whoever makes it. */
  private async rebuild(): Promise<void> {
    const prefix = resourcePrefix(this.type);
    const { kvs, revision } = await this.backend.list(prefix);
    for (const kv of kvs) {
      const svc = asService(this.decodeKV(kv));
      this.reconcile(ownerOf(svc), svc);
    }
    this.watcher = this.backend.watch(prefix, revision, (e) => this.follow(e), (err) => {
      this.logger?.error({ err }, 'service allocations no longer follow the store');
    });
    this.logger?.info({ services: kvs.length, clusterIPs: this.allocators.ips.used, nodePorts: this.allocators.nodePorts.used, range: this.allocators.ips.cidr, nodePortRange: this.allocators.nodePorts.range }, 'service allocations rebuilt');
  }

  /**
   * A Service stored by anyone (another API server on the same etcd, or this one). An owner with a
   * write in flight here is left alone: its values may be allocated but not stored yet, and the write
   * settles the owner from the store when it ends.
   */
  private follow(e: StoreEvent): void {
    const svc = asService(this.decode(e.value, e.revision));
    const owner = ownerOf(svc);
    if (this.tails.has(owner)) return;
    this.reconcile(owner, e.type === 'put' ? svc : undefined);
  }

  stopFollowing(): void {
    this.watcher?.stop();
  }

  private reconcile(owner: string, stored: ServiceShape | undefined): void {
    const taken = this.allocators.sync(owner, stored);
    if (taken.ips.length || taken.ports.length) this.logger?.warn({ service: owner, ...taken }, 'stored service uses values allocated to another service');
  }

  /** Runs `write` after every earlier write to the same Service, then settles that Service's allocations. */
  private async serialized<T>(namespace: string, name: string, write: () => Promise<T>): Promise<T> {
    await this.loaded;
    const owner = `${namespace}/${name}`;
    const previous = this.tails.get(owner) ?? Promise.resolve();
    const run = previous.then(async () => {
      try {
        return await write();
      } finally {
        const kv = await this.backend.get(this.key(namespace, name)).catch(() => undefined);
        if (kv !== undefined) this.reconcile(owner, kv ? asService(this.decodeKV(kv)) : undefined);
      }
    });
    const tail = run.catch(() => undefined);
    this.tails.set(owner, tail);
    void tail.then(() => {
      if (this.tails.get(owner) === tail) this.tails.delete(owner);
    });
    return run;
  }

  override async create(namespace: string, body: unknown, options: WriteOptions = {}): Promise<WriteResult> {
    // The Service's name must be known before the write to serialize on it, generated names included.
    const meta = this.asObject(body).metadata;
    if (!meta.name && meta.generateName) meta.name = generateName(meta.generateName);
    return this.serialized(namespace || meta.namespace || '', meta.name ?? '', () => super.create(namespace, body, options));
  }

  override guaranteedUpdate(
    namespace: string,
    name: string,
    mutate: (current: KubeObject) => KubeObject | Promise<KubeObject>,
    options: WriteOptions & { subresource?: string; preconditionResourceVersion?: string } = {},
  ): Promise<WriteResult> {
    return this.serialized(namespace, name, () => super.guaranteedUpdate(namespace, name, mutate, options));
  }

  override delete(namespace: string, name: string, options: DeleteOptions): Promise<DeleteResult> {
    return this.serialized(namespace, name, () => super.delete(namespace, name, options));
  }
}

/** The Service store with allocators over the configured ranges (a bad range throws, stopping the server). */
export function createServiceStore(type: ResourceType, backend: Backend, options: ServiceRegistryOptions): ServiceStore {
  const allocators = new ServiceAllocators(
    new ServiceIPAllocator(options.serviceClusterIPRange || DEFAULT_SERVICE_CLUSTER_IP_RANGE),
    new NodePortAllocator(options.serviceNodePortRange || DEFAULT_SERVICE_NODE_PORT_RANGE),
  );
  return new ServiceStore(type, backend, allocators, options.logger);
}
