// A shared informer (client-go's sharedIndexInformer): one reflector feeding one indexed cache, fanned
// out to any number of handlers that get the old and the new object. A relist turns into the right
// adds, updates and deletes; a delete missed while disconnected arrives as a DeletedFinalStateUnknown
// tombstone. A periodic resync replays every cached object as an update so level-triggered
// controllers re-check their world.
import type { Logger } from '../log.ts';
import type { ResourceClient } from '../client/resource-client.ts';
import { Indexer, keyOf, NAMESPACE_INDEX, namespaceIndex, type IndexFunc, type Meta } from './indexer.ts';
import { Reflector } from './reflector.ts';

/** A delete the informer inferred from a relist; `obj` is the last state it knew. */
export interface DeletedFinalStateUnknown<T> {
  key: string;
  obj: T;
  tombstone: true;
}

export const isTombstone = <T>(v: T | DeletedFinalStateUnknown<T>): v is DeletedFinalStateUnknown<T> =>
  typeof v === 'object' && v !== null && (v as DeletedFinalStateUnknown<T>).tombstone === true;

/** The object itself, whether it came as an object or a tombstone. */
export const objectOf = <T>(v: T | DeletedFinalStateUnknown<T>): T => (isTombstone(v) ? v.obj : v);

export interface EventHandler<T> {
  onAdd?(obj: T): void;
  onUpdate?(oldObj: T, newObj: T): void;
  onDelete?(obj: T | DeletedFinalStateUnknown<T>): void;
}

export interface InformerOptions<T> {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Replay every cached object as an update this often (0 = never). */
  resyncPeriodMs?: number;
  indexers?: Record<string, IndexFunc<T>>;
  /** Each watch asks the server to end it after [min, 2*min) seconds, then resumes (client-go: 5 min). */
  minWatchTimeoutSeconds?: number;
  logger?: Logger;
}

type Versioned = Meta & { metadata?: { resourceVersion?: string } };

export class SharedInformer<T extends Versioned> {
  readonly indexer: Indexer<T>;
  private readonly handlers: EventHandler<T>[] = [];
  private readonly reflector: Reflector<T>;
  private synced = false;
  private syncWaiters: (() => void)[] = [];
  private controller?: AbortController;
  private resyncTimer?: NodeJS.Timeout;

  constructor(readonly resource: ResourceClient<T>, private readonly options: InformerOptions<T> = {}) {
    this.indexer = new Indexer<T>({ [NAMESPACE_INDEX]: namespaceIndex, ...(options.indexers ?? {}) });
    this.reflector = new Reflector<T>(resource, {
      replace: (items) => this.replace(items),
      upsert: (obj) => this.upsert(obj),
      remove: (obj) => this.remove(obj),
    }, {
      namespace: options.namespace, labelSelector: options.labelSelector, fieldSelector: options.fieldSelector,
      minWatchTimeoutSeconds: options.minWatchTimeoutSeconds, logger: options.logger,
    });
  }

  addEventHandler(handler: EventHandler<T>): void {
    this.handlers.push(handler);
    // A handler added late still learns about what is already cached, as in client-go.
    if (this.synced) for (const obj of this.indexer.list()) handler.onAdd?.(obj);
  }

  get hasSynced(): boolean {
    return this.synced;
  }

  get lastResourceVersion(): string {
    return this.reflector.lastResourceVersion;
  }

  start(): void {
    if (this.controller) return;
    this.controller = new AbortController();
    void this.reflector.run(this.controller.signal);
    if (this.options.resyncPeriodMs) {
      this.resyncTimer = setInterval(() => this.resync(), this.options.resyncPeriodMs);
      this.resyncTimer.unref();
    }
  }

  stop(): void {
    this.controller?.abort();
    clearInterval(this.resyncTimer);
  }

  waitForSync(): Promise<void> {
    if (this.synced) return Promise.resolve();
    return new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  // --- lister ---------------------------------------------------------------------------------

  get(namespace: string, name: string): T | undefined {
    return this.indexer.get(namespace ? `${namespace}/${name}` : name);
  }

  list(namespace?: string): T[] {
    return namespace === undefined ? this.indexer.list() : this.indexer.byIndex(NAMESPACE_INDEX, namespace);
  }

  byIndex(index: string, value: string): T[] {
    return this.indexer.byIndex(index, value);
  }

  // --- feeding the cache ------------------------------------------------------------------------

  private upsert(obj: T): void {
    const old = this.indexer.upsert(obj);
    for (const h of this.handlers) {
      if (old) h.onUpdate?.(old, obj);
      else h.onAdd?.(obj);
    }
  }

  private remove(obj: T): void {
    const old = this.indexer.delete(keyOf(obj));
    for (const h of this.handlers) h.onDelete?.(obj ?? old);
  }

  private replace(items: T[]): void {
    const fresh = new Set<string>();
    for (const obj of items) {
      fresh.add(keyOf(obj));
      // An unchanged object after a relist is still reported (client-go's Replaced/Sync delta).
      this.upsert(obj);
    }
    for (const key of this.indexer.keys()) {
      if (fresh.has(key)) continue;
      const last = this.indexer.delete(key)!;
      const tombstone: DeletedFinalStateUnknown<T> = { key, obj: last, tombstone: true };
      for (const h of this.handlers) h.onDelete?.(tombstone);
    }
    if (!this.synced) {
      this.synced = true;
      this.syncWaiters.splice(0).forEach((w) => w());
    }
  }

  private resync(): void {
    for (const obj of this.indexer.list()) for (const h of this.handlers) h.onUpdate?.(obj, obj);
  }
}
