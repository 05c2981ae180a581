// One storage watch per resource type, fanned out to every client watch of that type, as kube-apiserver's
// Cacher does: the store is watched once, each event is decoded once and serialized at most once per
// shape, and a ring of recent events lets a client resume from a recent revision without touching the
// store. A client that starts further back than the ring gets its own store watch (which answers
// Compacted -> 410 when the revision is gone).
import { StorageError, type Backend, type StoreEvent, type Watcher } from '../storage/interface.ts';
import type { KubeObject } from '../registry/object.ts';

export interface CachedEvent {
  revision: number;
  type: 'put' | 'delete';
  key: string;
  /** The object after the change (for a delete: as it was, with the delete's revision). */
  object: KubeObject;
  /** The object before the change, with its old revision (absent for a create). */
  prev?: KubeObject;
  /** Serialized forms, filled on first use and shared by every watcher. */
  json?: string;
  prevJson?: string;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface WatchSubscriber {
  /** Namespace to watch ('' for all). */
  namespace: string;
  matches(obj: KubeObject): boolean;
  /** Deliver one event; `useObject` says which side of the change the client sees. */
  deliver(type: WatchEventType, event: CachedEvent, side: 'object' | 'prev'): void;
}

export interface Subscription {
  stop(): void;
}

export type Decode = (value: string, revision: number) => KubeObject;

export class Cacher {
  private ring: CachedEvent[] = [];
  private ringStart = 0; // index of the oldest event in `ring` (ring is used as a queue)
  /** Every event with revision > this is in the ring (or not yet happened). */
  private completeAfter = 0;
  private readonly subscribers = new Set<WatchSubscriber>();
  private storeWatch?: Watcher;
  /** The newest revision delivered to subscribers. */
  lastRevision = 0;

  constructor(
    private readonly backend: Backend,
    private readonly prefix: string,
    private readonly decode: Decode,
    private readonly capacity = 10_000,
  ) {}

  start(): void {
    const from = this.backend.currentRevision();
    this.completeAfter = from;
    this.lastRevision = from;
    this.storeWatch = this.backend.watch(this.prefix, from, (e) => this.onStoreEvent(e));
  }

  stop(): void {
    this.storeWatch?.stop();
    this.subscribers.clear();
  }

  get watcherCount(): number {
    return this.subscribers.size;
  }

  private toCached(e: StoreEvent): CachedEvent {
    const object = this.decode(e.value, e.revision);
    const cached: CachedEvent = { revision: e.revision, type: e.type, key: e.key, object };
    if (e.type === 'put' && e.prevValue !== undefined) cached.prev = this.decode(e.prevValue, e.revision);
    return cached;
  }

  private onStoreEvent(e: StoreEvent): void {
    const event = this.toCached(e);
    this.ring.push(event);
    if (this.ring.length - this.ringStart > this.capacity) {
      this.completeAfter = this.ring[this.ringStart].revision;
      this.ringStart++;
      // Compact the queue now and then rather than shifting on every event.
      if (this.ringStart > this.capacity) {
        this.ring = this.ring.slice(this.ringStart);
        this.ringStart = 0;
      }
    }
    this.lastRevision = event.revision;
    for (const s of this.subscribers) dispatch(s, event);
  }

  /**
   * Delivers every matching change with revision > afterRevision, then live ones.
   * Throws the store's Compacted error when the revision is no longer kept.
   */
  subscribe(afterRevision: number, subscriber: WatchSubscriber): Subscription {
    // The ring may still hold events the store has compacted away; the compaction window is the rule
    // for everyone, so a client learns it must relist whichever server or cache it asks.
    if (afterRevision + 1 < this.backend.compactedRevision())
      throw new StorageError('Compacted', `revision ${afterRevision} has been compacted`, undefined, afterRevision);
    if (afterRevision >= this.completeAfter) {
      // Replay and join in the same synchronous step, so no event falls between them.
      for (let i = this.ringStart; i < this.ring.length; i++) {
        const event = this.ring[i];
        if (event.revision > afterRevision) dispatch(subscriber, event);
      }
      const live: WatchSubscriber = {
        namespace: subscriber.namespace,
        matches: subscriber.matches,
        deliver: (type, event, side) => {
          if (event.revision > afterRevision) subscriber.deliver(type, event, side);
        },
      };
      this.subscribers.add(live);
      return { stop: () => this.subscribers.delete(live) };
    }
    const watcher = this.backend.watch(this.prefix, afterRevision, (e) => dispatch(subscriber, this.toCached(e)));
    return { stop: () => watcher.stop() };
  }
}

const inNamespace = (s: WatchSubscriber, obj: KubeObject) => !s.namespace || obj.metadata.namespace === s.namespace;

/** Kube's rules for a filtered watch: an object that starts or stops matching is ADDED or DELETED. */
function dispatch(s: WatchSubscriber, event: CachedEvent): void {
  if (event.type === 'delete') {
    if (inNamespace(s, event.object) && s.matches(event.object)) s.deliver('DELETED', event, 'object');
    return;
  }
  const now = inNamespace(s, event.object) && s.matches(event.object);
  const before = event.prev !== undefined && inNamespace(s, event.prev) && s.matches(event.prev);
  if (now && before) s.deliver('MODIFIED', event, 'object');
  else if (now) s.deliver('ADDED', event, 'object');
  else if (before) s.deliver('DELETED', event, 'prev');
}
