// The one etcd watch an API server keeps on the whole keyspace, fanned out to every Backend watch,
// and the source of currentRevision().
//
// Why one watch on everything rather than one per resource as kube does: the Cacher's bookmarks and
// "current" watches use currentRevision(), and a bookmark at revision R promises the client every
// event up to R. With one stream carrying every revision in order, currentRevision() is simply the
// revision of the last event delivered, so it can never run ahead of what any live watcher has been
// given, whichever API server made the write and whatever else shares the etcd. (A revision taken
// from a write or read response could: another resource's watch stream may not have delivered the
// events before it yet.) Watching the whole keyspace, not just our prefix, keeps it moving on writes
// we do not watch, such as compact_rev_key, so a list's revision is always reached soon.
//
// A watch from a revision the feed has already passed first reads the history through its own etcd
// watch and hands over to the feed at the first event the feed has not yet delivered: up to there,
// that event is the next one under its prefix, so nothing between is missed or repeated. Until it
// has handed over, such a watch runs at its own pace: a write is acknowledged once the feed has
// delivered it, not once every watch replaying history has (which could take arbitrarily long).
import type { Logger } from '../../shared/log.ts';
import { ALL_KEYS, COMPACT_REV_KEY, prefixRange, storeEventOf } from './etcd-codec.ts';
import type { EtcdMembers } from './etcd-members.ts';
import type { WatchEvent } from './etcd-proto.ts';
import { EtcdWatchStream } from './etcd-watch-stream.ts';
import { StorageError, type StoreEvent, type WatchErrorHandler, type Watcher } from './interface.ts';


interface Subscription {
  /** The watched prefix, without the etcd prefix. */
  readonly prefix: string;
  /** Deliver only events after this revision. */
  after: number;
  readonly onEvent: (event: StoreEvent) => void;
  readonly onError?: WatchErrorHandler;
  /** Set while the history is read through a watch of its own. */
  history?: EtcdWatchStream;
  stopped: boolean;
}

export class EtcdFeed {
  /** Every event up to this revision has been delivered to every live subscription. */
  revision = 0;
  private stream?: EtcdWatchStream;
  private readonly subscriptions = new Set<Subscription>();
  private waiters: { revision: number; resolve: () => void }[] = [];
  private stopped = false;

  constructor(
    /** Where its watch streams go (the members that answer). */
    private readonly members: EtcdMembers,
    /** The --etcd-prefix: keys outside it only advance the revision. */
    private readonly etcdPrefix: string,
    private readonly logger: Pick<Logger, 'info' | 'warn' | 'error'>,
    private readonly hooks: {
      /** Called with the value of every write to compact_rev_key (the revision some compactor compacted at). */
      onCompactRevKey(revision: number): void;
      /** etcd's current revision, asked of etcd. */
      currentRevision(): Promise<number>;
    },
  ) {}

  get size(): number {
    return this.subscriptions.size;
  }

  /** Start after `revision` (an etcd header revision: nothing up to it needs delivering). */
  async start(revision: number): Promise<void> {
    this.revision = revision;
    this.stream = new EtcdWatchStream(this.members, ALL_KEYS, revision + 1, {
      onEvents: (events) => this.onFeedEvents(events),
      onProgress: (rev) => this.advance(rev),
      onCompacted: (compactRevision) => void this.lost(compactRevision),
    }, this.logger);
    await this.stream.created;
  }

  stop(): void {
    this.stopped = true;
    this.stream?.cancel();
    for (const sub of this.subscriptions) this.unsubscribe(sub);
    for (const w of this.waiters) w.resolve();
    this.waiters = [];
  }

  /** Resolves once the feed has delivered `revision`, or after `timeoutMs` (false then). */
  waitFor(revision: number, timeoutMs: number): Promise<boolean> {
    if (this.revision >= revision) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter = { revision, resolve: () => { clearTimeout(timer); resolve(this.revision >= revision); } };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve(false);
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  watch(prefix: string, afterRevision: number, onEvent: (event: StoreEvent) => void, onError?: WatchErrorHandler): Watcher {
    const sub: Subscription = { prefix, after: afterRevision, onEvent, onError, stopped: false };
    if (afterRevision < this.revision) {
      sub.history = new EtcdWatchStream(this.members, prefixRange(this.etcdPrefix + prefix), afterRevision + 1, {
        onEvents: (events) => this.onHistoryEvents(sub, events),
        onCompacted: (compactRevision) => this.fail(sub, new StorageError('Compacted', `revision ${afterRevision} has been compacted (compacted revision ${compactRevision})`, undefined, compactRevision)),
      }, this.logger);
    }
    this.subscriptions.add(sub);
    return { stop: () => this.unsubscribe(sub) };
  }

  private unsubscribe(sub: Subscription): void {
    sub.stopped = true;
    sub.history?.cancel();
    sub.history = undefined;
    this.subscriptions.delete(sub);
  }

  private fail(sub: Subscription, err: StorageError): void {
    if (sub.stopped) return;
    this.unsubscribe(sub);
    if (sub.onError) sub.onError(err);
    else this.logger.error({ prefix: sub.prefix, err: err.message }, 'etcd watch ended: its events are gone from the history');
  }

  /** The key relative to the etcd prefix, or undefined for keys that are not ours. */
  private ownKey(key: string): string | undefined {
    if (!key.startsWith(this.etcdPrefix)) return undefined;
    if (this.etcdPrefix === '' && key === COMPACT_REV_KEY) return undefined;
    return key.slice(this.etcdPrefix.length);
  }

  private onFeedEvents(events: WatchEvent[]): void {
    for (const e of events) {
      const revision = e.kv.modRevision;
      const rawKey = e.kv.key;
      if (rawKey === COMPACT_REV_KEY && e.type === 'PUT') this.hooks.onCompactRevKey(Number(e.kv.value) || 0);
      // The revision moves before the event is handed out: a handler that asks sees it committed.
      if (revision > this.revision) this.revision = revision;
      const key = this.ownKey(rawKey);
      if (key === undefined) continue;
      let event: StoreEvent | undefined;
      for (const sub of this.subscriptions) {
        if (sub.history || revision <= sub.after || !key.startsWith(sub.prefix)) continue;
        event ??= storeEventOf(e, key);
        this.deliver(sub, event);
      }
    }
    this.release();
  }

  private onHistoryEvents(sub: Subscription, events: WatchEvent[]): void {
    for (const e of events) {
      if (sub.stopped || !sub.history) return;
      const revision = e.kv.modRevision;
      if (revision > this.revision) {
        // The feed has not delivered this one yet: it will, so the feed takes over from here.
        sub.history.cancel();
        sub.history = undefined;
        return;
      }
      if (revision <= sub.after) continue;
      sub.after = revision;
      const key = this.ownKey(e.kv.key);
      if (key !== undefined) this.deliver(sub, storeEventOf(e, key));
    }
  }

  private deliver(sub: Subscription, event: StoreEvent): void {
    try {
      sub.onEvent(event);
    } catch (err) {
      // One broken handler must not starve the others, nor lose its own later events.
      this.logger.error({ err, prefix: sub.prefix, revision: event.revision }, 'storage watch handler threw');
    }
  }

  private advance(revision: number): void {
    if (revision > this.revision) this.revision = revision;
    this.release();
  }

  private release(): void {
    if (this.waiters.length === 0) return;
    const ready = this.waiters.filter((w) => w.revision <= this.revision);
    if (ready.length === 0) return;
    this.waiters = this.waiters.filter((w) => w.revision > this.revision);
    for (const w of ready) w.resolve();
  }

  /**
   * The feed was cut off for longer than the compaction window and its events are gone: every live
   * watcher has missed some, so each is ended with Compacted (a client relists, as after a 410), and
   * the feed starts again from etcd's current revision.
   */
  private async lost(compactRevision: number): Promise<void> {
    this.logger.error({ revision: this.revision, compactRevision }, 'etcd feed lost history; restarting it at the current revision');
    const err = new StorageError('Compacted', `watch events before ${compactRevision} are gone`, undefined, compactRevision);
    for (const sub of this.subscriptions) if (!sub.history) this.fail(sub, err);
    while (!this.stopped) {
      try {
        await this.start(Math.max(this.revision, await this.hooks.currentRevision()));
        this.release();
        return;
      } catch (e) {
        this.logger.warn({ err: String(e) }, 'etcd feed restart failed; retrying');
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }
}
