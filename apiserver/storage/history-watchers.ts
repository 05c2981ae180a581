// Watchers fed from the history. Each watcher only keeps a cursor (the last revision it has been
// shown) and is always advanced by reading the history after its cursor, both for the initial
// replay and for every later commit: replay and live delivery are the same code path, so there is
// no handoff at which an event could be skipped or shown twice.
import type { Logger } from '../../shared/log.ts';
import type { History } from './history.ts';
import type { StoreEvent, Watcher } from './interface.ts';

interface Subscription {
  readonly prefix: string;
  readonly onEvent: (event: StoreEvent) => void;
  cursor: number;
  stopped: boolean;
  /** Guards against re-entry should a handler cause delivery to this same watcher. */
  delivering: boolean;
}

export class HistoryWatchers {
  private readonly subscriptions = new Set<Subscription>();

  constructor(
    private readonly history: History,
    /** The newest revision whose change is committed and in the history. */
    private readonly committedRevision: () => number,
    private readonly logger: Pick<Logger, 'error'>,
  ) {}

  get size(): number {
    return this.subscriptions.size;
  }

  add(prefix: string, afterRevision: number, onEvent: (event: StoreEvent) => void): Watcher {
    const sub: Subscription = { prefix, onEvent, cursor: afterRevision, stopped: false, delivering: false };
    this.subscriptions.add(sub);
    // The replay starts on the next microtask so that no handler runs before watch() has returned.
    queueMicrotask(() => this.advance(sub));
    return {
      stop: () => {
        sub.stopped = true;
        this.subscriptions.delete(sub);
      },
    };
  }

  /** Called after each commit: brings every watcher up to the committed revision. */
  notify(): void {
    for (const sub of this.subscriptions) this.advance(sub);
  }

  stopAll(): void {
    for (const sub of this.subscriptions) sub.stopped = true;
    this.subscriptions.clear();
  }

  private advance(sub: Subscription): void {
    const upTo = this.committedRevision();
    if (sub.stopped || sub.delivering || sub.cursor >= upTo) return;
    sub.delivering = true;
    try {
      for (const { event } of this.history.after(sub.cursor, upTo)) {
        if (sub.stopped) return;
        sub.cursor = event.revision;
        if (!event.key.startsWith(sub.prefix)) continue;
        try {
          sub.onEvent(event);
        } catch (err) {
          // One broken handler must not starve the others, nor lose its own later events.
          this.logger.error({ err, prefix: sub.prefix, revision: event.revision }, 'storage watch handler threw');
        }
      }
      // The history from the compacted revision on has no holes, and a watcher only lags between
      // watch() and its first replay, before any compaction can remove rows; coming up short is a
      // bug. The cursor stays put rather than skipping changes the watcher has not seen.
      if (!sub.stopped && sub.cursor < upTo) {
        this.logger.error({ prefix: sub.prefix, cursor: sub.cursor, upTo }, 'storage watcher found a hole in the history');
      }
    } finally {
      sub.delivering = false;
    }
  }
}
