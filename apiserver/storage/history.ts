// The change history: one row per revision in lmdb (the durable record, read when a watch or an
// old-revision list reaches further back), and the most recent changes in memory as ready-made
// events (what nearly every watch and paginated list needs).
import type { Database } from 'lmdb';
import type { StoreEvent } from './interface.ts';

/**
 * A history row as stored, keyed by its revision. A tuple keeps msgpack rows small. A put's previous
 * value is not copied into its row: `prevModRevision` points at the row that holds it. A delete's
 * row holds the deleted value itself, since that is the event's value.
 */
export type HistoryRow = [key: string, value: string, createRevision: number, prevModRevision: number, deleted: 0 | 1];

export interface HistoryEntry {
  /** Frozen, and shared by every watcher it is delivered to. */
  readonly event: StoreEvent;
  /** The modRevision of the key's previous version; 0 when the key did not exist before. */
  readonly prevModRevision: number;
}

export function rowOf({ event, prevModRevision }: HistoryEntry): HistoryRow {
  return [event.key, event.value, event.createRevision, prevModRevision, event.type === 'delete' ? 1 : 0];
}

export function entryOf(event: StoreEvent, prevModRevision: number): HistoryEntry {
  return Object.freeze({ event: Object.freeze(event), prevModRevision });
}

/** The newest revision with a row in lmdb, 0 when there is none. */
export function lastStoredRevision(db: Database<HistoryRow, number>): number {
  for (const key of db.getKeys({ reverse: true, limit: 1 })) return key;
  return 0;
}

export class History {
  /** entries[head] has revision `next - length`; revisions in memory are contiguous. */
  private entries: HistoryEntry[] = [];
  private head = 0;
  private next: number;

  constructor(
    private readonly db: Database<HistoryRow, number>,
    private readonly capacity: number,
    /** The revision the first appended entry will have. */
    nextRevision: number,
  ) {
    this.next = nextRevision;
  }

  /** The oldest revision held in memory (== the next revision when memory holds none). */
  get firstInMemory(): number {
    return this.next - (this.entries.length - this.head);
  }

  /** Keep a committed change in memory; entries must come in revision order without gaps. */
  append(entry: HistoryEntry): void {
    if (entry.event.revision !== this.next) {
      throw new Error(`history out of order: got revision ${entry.event.revision}, expected ${this.next}`);
    }
    this.entries.push(entry);
    this.next++;
    if (this.entries.length - this.head > this.capacity) this.head++;
    this.reclaim();
  }

  /** Drop in-memory entries older than `revision` (compaction made them unreachable). */
  forgetBefore(revision: number): void {
    const drop = Math.min(revision - this.firstInMemory, this.entries.length - this.head);
    if (drop > 0) this.head += drop;
    this.reclaim();
  }

  /**
   * Every change with `after` < revision <= `upTo`, oldest first: from lmdb for what memory no longer
   * holds, then from memory. Rows from lmdb are read synchronously within one read snapshot, so a
   * concurrent compaction cannot pull rows out from under the iteration.
   */
  *after(after: number, upTo: number): Generator<HistoryEntry> {
    let revision = after + 1;
    const first = this.firstInMemory;
    if (revision < first) {
      for (const { key, value } of this.db.getRange({ start: revision, end: Math.min(first, upTo + 1) })) {
        yield this.fromRow(key, value);
      }
      revision = first;
    }
    for (; revision <= upTo; revision++) {
      const entry = this.at(revision);
      if (!entry) return;
      yield entry;
    }
  }

  /**
   * The rows a compaction from `previous` (the last compacted revision) to `revision` removes:
   * every row older than `revision` except, for each key, its newest row before `revision` when
   * that is a put. That row is the key's value at `revision - 1` and later (so reads at the
   * compacted revision stay right), and the previous value of the key's next change (so replayed
   * events keep their prevValue). Below `previous` only such kept rows remain, one per key, and the
   * first newer row of the key points at it: so only the rows since `previous` need reading.
   */
  rowsToCompact(previous: number, revision: number): number[] {
    const newest = new Map<string, number>();
    const doomed: number[] = [];
    for (const { key: rev, value: row } of this.db.getRange({ start: previous, end: revision })) {
      const [key, , , prevModRevision, deleted] = row;
      const older = newest.get(key) ?? (prevModRevision > 0 && prevModRevision < previous ? prevModRevision : undefined);
      if (older !== undefined) doomed.push(older);
      if (deleted) {
        doomed.push(rev);
        newest.delete(key);
      } else {
        newest.set(key, rev);
      }
    }
    return doomed;
  }

  private at(revision: number): HistoryEntry | undefined {
    const index = this.head + revision - this.firstInMemory;
    return index >= this.head && index < this.entries.length ? this.entries[index] : undefined;
  }

  private fromRow(revision: number, [key, value, createRevision, prevModRevision, deleted]: HistoryRow): HistoryEntry {
    if (deleted) {
      return entryOf({ type: 'delete', key, value, prevValue: value, revision, createRevision }, prevModRevision);
    }
    const prevValue = prevModRevision ? this.db.get(prevModRevision)?.[1] : undefined;
    const event: StoreEvent = { type: 'put', key, value, revision, createRevision };
    if (prevValue !== undefined) event.prevValue = prevValue;
    return entryOf(event, prevModRevision);
  }

  /** Copy the live part down once the dropped front outweighs it, so memory stays bounded. */
  private reclaim(): void {
    if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
  }
}
