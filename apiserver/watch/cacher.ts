// One storage watch per resource type, fanned out to every client watch of that type, as kube-apiserver's
// Cacher does: the store is watched once, each event is decoded at most once (and only if someone
// looks at it) and serialized at most once per shape, and a ring of recent events lets a client resume
// from a recent revision without touching the store. A client that starts further back than the ring
// gets its own store watch (which answers Compacted -> 410 when the revision is gone).
//
// Fan-out happens after the store's commit callback returns (in a macrotask), so a write is
// acknowledged without waiting for a thousand watchers to be written to.
import { StorageError, type Backend, type StoreEvent, type Watcher } from '../storage/interface.ts';
import type { KubeObject } from '../registry/object.ts';

export type Decode = (value: string, revision: number) => KubeObject;

/** One change, shared by every watcher; its decoded and serialized forms are made on first use. */
export class CachedEvent {
  private decoded?: KubeObject;
  private decodedPrev?: KubeObject;
  /** Serialized watch lines by event type and side, shared by every watcher that gets the same line. */
  readonly lines = new Map<string, Buffer>();

  constructor(private readonly store: StoreEvent, private readonly decodeFn: Decode) {}

  get revision(): number { return this.store.revision; }
  get type(): 'put' | 'delete' { return this.store.type; }
  get key(): string { return this.store.key; }

  /** The object after the change (for a delete: as it was, with the delete's revision). */
  get object(): KubeObject {
    return (this.decoded ??= this.decodeFn(this.store.value, this.store.revision));
  }

  /** The object before the change, with this event's revision (absent for a create). */
  get prev(): KubeObject | undefined {
    if (this.store.type !== 'put' || this.store.prevValue === undefined) return undefined;
    return (this.decodedPrev ??= this.decodeFn(this.store.prevValue, this.store.revision));
  }
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface WatchSubscriber {
  /** Namespace to watch ('' for all). */
  namespace: string;
  matches(obj: KubeObject): boolean;
  /** Deliver one event; `side` says which side of the change the client sees. */
  deliver(type: WatchEventType, event: CachedEvent, side: 'object' | 'prev'): void;
  /** The watch cannot go on (its events were compacted away while being replayed); nothing follows. */
  fail(err: StorageError): void;
}

export interface Subscription {
  stop(): void;
  /** A revision this subscriber has been sent every matching event up to (for BOOKMARKs); 0 if unknown. */
  safeRevision(): number;
}

export class Cacher {
  private ring: CachedEvent[] = [];
  private ringStart = 0; // index of the oldest event in `ring` (ring is used as a queue)
  /** Every event with revision > this is in the ring (or not yet happened). */
  private completeAfter = 0;
  /** Events received from the store but not yet fanned out. */
  private pending: CachedEvent[] = [];
  private flushScheduled = false;
  private readonly subscribers = new Set<(event: CachedEvent) => void>();
  private storeWatch?: Watcher;

  constructor(
    private readonly backend: Backend,
    private readonly prefix: string,
    private readonly decode: Decode,
    private readonly capacity = 10_000,
  ) {}

  start(): void {
    const from = this.backend.currentRevision();
    this.completeAfter = from;
    this.storeWatch = this.backend.watch(this.prefix, from, (e) => this.onStoreEvent(e));
  }

  stop(): void {
    this.storeWatch?.stop();
    this.subscribers.clear();
  }

  get watcherCount(): number {
    return this.subscribers.size;
  }

  /**
   * A revision every watcher of this cache has been sent everything up to: what a BOOKMARK may
   * carry. (The store delivers each commit's events before its revision becomes current.)
   */
  safeRevision(): number {
    return this.pending.length ? this.pending[0].revision - 1 : this.backend.currentRevision();
  }

  private onStoreEvent(e: StoreEvent): void {
    const event = new CachedEvent(e, this.decode);
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
    if (this.subscribers.size === 0) return;
    this.pending.push(event);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    const events = this.pending;
    this.pending = [];
    for (const event of events) for (const receive of this.subscribers) receive(event);
  }

  /**
   * Delivers every matching change with revision > afterRevision, then live ones, each once.
   * Throws the store's Compacted error when the revision is no longer kept.
   */
  subscribe(afterRevision: number, subscriber: WatchSubscriber): Subscription {
    // The ring may still hold events the store has compacted away; the compaction window is the rule
    // for everyone, so a client learns it must relist whichever server or cache it asks.
    if (afterRevision + 1 < this.backend.compactedRevision())
      throw new StorageError('Compacted', `revision ${afterRevision} has been compacted`, undefined, afterRevision);
    if (afterRevision >= this.completeAfter) {
      // Replay what the ring has, then join. An event both replayed and still waiting for fan-out
      // comes twice; the revision check lets only the first through.
      let seen = afterRevision;
      const receive = (event: CachedEvent) => {
        if (event.revision <= seen) return;
        seen = event.revision;
        dispatch(subscriber, event);
      };
      for (let i = this.ringStart; i < this.ring.length; i++) receive(this.ring[i]);
      this.subscribers.add(receive);
      return { stop: () => this.subscribers.delete(receive), safeRevision: () => Math.max(seen, this.safeRevision()) };
    }
    let seen = afterRevision;
    const watcher = this.backend.watch(this.prefix, afterRevision, (e) => {
      seen = e.revision;
      dispatch(subscriber, new CachedEvent(e, this.decode));
    }, (err) => subscriber.fail(err));
    return { stop: () => watcher.stop(), safeRevision: () => seen };
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
  const prev = event.prev;
  const before = prev !== undefined && inNamespace(s, prev) && s.matches(prev);
  if (now && before) s.deliver('MODIFIED', event, 'object');
  else if (now) s.deliver('ADDED', event, 'object');
  else if (before) s.deliver('DELETED', event, 'prev');
}
