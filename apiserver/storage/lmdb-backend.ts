// The durable store: an embedded lmdb database behind the etcd-shaped Backend contract.
//
// Revisions follow etcd: an empty store is at revision 1 and the first write gets revision 2 (so no
// object ever has resourceVersion "0", which Kubernetes reserves for "any version"). Every write is
// one history row keyed by its revision plus the key's current row, put in the same lmdb
// transaction. lmdb-js batches every write issued in one event turn into one transaction, which is
// where the throughput comes from; a write is acknowledged only once its transaction is flushed.
//
// The process is single threaded, so the revision counter and the compare-and-swap checks live in
// memory: a write is checked and numbered synchronously against the newest state including writes
// still in flight, and handed to lmdb in revision order, so lmdb commits them in revision order too.
// Reads, watches and currentRevision() only ever see writes whose commit is durable.
import { open, type Database, type RootDatabase } from 'lmdb';
import type { Logger } from '../../shared/log.ts';
import { History, entryOf, lastStoredRevision, rowOf, type HistoryEntry, type HistoryRow } from './history.ts';
import { HistoryWatchers } from './history-watchers.ts';
import {
  StorageError,
  type Backend,
  type KeyValue,
  type ListOptions,
  type ListResult,
  type StoreEvent,
  type Watcher,
} from './interface.ts';
import { KeyIndex, lowerBound } from './key-index.ts';

export interface LmdbBackendOptions {
  /** Directory holding the database (created if missing). */
  path: string;
  /** How many recent changes stay in memory for watches and old-revision lists; older ones are read from disk. */
  historyInMemory?: number;
  logger?: Pick<Logger, 'info' | 'warn' | 'error'>;
}

/** A key's current row: value, createRevision, modRevision. */
type KeyRow = [value: string, createRevision: number, modRevision: number];

interface PendingWrite {
  readonly entry: HistoryEntry;
  /** The key's state after this write; null for a delete. */
  readonly kv: KeyValue | null;
  readonly result: KeyValue;
  durable: boolean;
  resolve(kv: KeyValue): void;
  reject(err: unknown): void;
}

const EMPTY_STORE_REVISION = 1;
const COMPACTION_CHUNK = 10_000;
const silent = { info() {}, warn() {}, error() {} };

/** The first key after every key that starts with `prefix` (etcd's range end for a prefix). */
const prefixEnd = (prefix: string) => prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);

export class LmdbBackend implements Backend {
  private readonly path: string;
  private readonly logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  private readonly historyInMemory: number;
  private root?: RootDatabase;
  private keysDb!: Database<KeyRow, string>;
  private historyDb!: Database<HistoryRow, number>;
  private metaDb!: Database<number, string>;
  private history!: History;
  private watchers!: HistoryWatchers;
  private readonly index = new KeyIndex();

  /** The newest revision whose write is durable and visible. */
  private committed = EMPTY_STORE_REVISION;
  /** The newest revision handed out (>= committed while writes are in flight). */
  private assigned = EMPTY_STORE_REVISION;
  private compacted = 0;
  /** Writes handed to lmdb and not yet applied, in revision order: queue[queueHead] is the oldest. */
  private queue: PendingWrite[] = [];
  private queueHead = 0;
  /** The newest in-flight write per key: what compare-and-swap checks see before the commit lands. */
  private readonly inFlight = new Map<string, PendingWrite>();
  private lastWrite: Promise<unknown> = Promise.resolve();
  private compaction: Promise<void> = Promise.resolve();
  /** Set once a commit has failed: memory may then be ahead of the disk, so writes stop until restart. */
  private failure?: StorageError;
  private closed = false;

  constructor(options: LmdbBackendOptions) {
    this.path = options.path;
    this.logger = options.logger ?? silent;
    this.historyInMemory = options.historyInMemory ?? 100_000;
  }

  async start(): Promise<void> {
    if (this.root) return;
    // overlappingSync (the default on Linux) lets the next transaction proceed while the previous
    // one is being flushed; separateFlushed exposes the flush, which is what writes wait for.
    const root = open({ path: this.path, encoding: 'msgpack', separateFlushed: true, maxDbs: 4 });
    this.root = root;
    this.keysDb = root.openDB<KeyRow, string>({ name: 'keys', encoding: 'msgpack' });
    this.historyDb = root.openDB<HistoryRow, number>({ name: 'history', encoding: 'msgpack' });
    this.metaDb = root.openDB<number, string>({ name: 'meta', encoding: 'msgpack' });

    for (const { key, value: [value, createRevision, modRevision] } of this.keysDb.getRange()) {
      this.index.set(Object.freeze({ key, value, createRevision, modRevision }));
    }
    this.compacted = this.metaDb.get('compactedRevision') ?? 0;
    // A compaction keeps every row from the compacted revision on, so the last row is the current
    // revision; the other terms cover an empty store.
    this.committed = Math.max(EMPTY_STORE_REVISION, this.compacted, lastStoredRevision(this.historyDb));
    this.assigned = this.committed;
    this.history = new History(this.historyDb, this.historyInMemory, this.committed + 1);
    this.watchers = new HistoryWatchers(this.history, () => this.committed, this.logger);
    this.logger.info(
      { path: this.path, revision: this.committed, compactedRevision: this.compacted, keys: this.index.size },
      'storage opened',
    );
  }

  async close(): Promise<void> {
    if (this.closed || !this.root) return;
    this.closed = true;
    this.watchers.stopAll();
    await Promise.allSettled([this.lastWrite, this.compaction]);
    await this.root.close();
  }

  currentRevision(): number {
    return this.committed;
  }

  compactedRevision(): number {
    return this.compacted;
  }

  async get(key: string): Promise<KeyValue | null> {
    this.assertOpen();
    return this.index.get(key) ?? null;
  }

  async count(prefix: string): Promise<number> {
    this.assertOpen();
    return this.index.count(prefix);
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListResult> {
    this.assertOpen();
    const revision = options.revision || this.committed;
    this.assertReadable(revision);
    const from = options.startKey && options.startKey > prefix ? options.startKey : prefix;
    const limit = options.limit && options.limit > 0 ? options.limit : Infinity;
    const before = revision < this.committed ? this.valuesBefore(prefix, from, revision) : new Map<string, KeyValue | null>();

    // Merge the current keys with the keys changed since `revision`; for the latter, their value
    // at `revision` wins (null: the key did not exist then).
    const current = this.index.sortedKeys(prefix);
    const changed = [...before.keys()].sort();
    const kvs: KeyValue[] = [];
    let i = lowerBound(current, from);
    let j = 0;
    while (true) {
      const a = i < current.length && current[i].startsWith(prefix) ? current[i] : undefined;
      const b = j < changed.length ? changed[j] : undefined;
      if (a === undefined && b === undefined) return { kvs, revision, more: false };
      let kv: KeyValue | null | undefined;
      if (b !== undefined && (a === undefined || b <= a)) {
        if (a === b) i++;
        kv = before.get(changed[j++]);
      } else {
        kv = this.index.get(current[i++]);
      }
      if (!kv) continue;
      if (kvs.length === limit) {
        // This key and the current ones after it (exact at the current revision, as etcd's count is).
        const end = lowerBound(current, prefixEnd(prefix));
        return { kvs, revision, more: true, remaining: 1 + Math.max(0, end - i) + (changed.length - j) };
      }
      kvs.push(kv);
    }
  }

  async create(key: string, value: string): Promise<KeyValue> {
    this.assertWritable();
    if (this.latest(key)) throw new StorageError('KeyExists', `key ${key} already exists`, key);
    const revision = this.assigned + 1;
    const kv = Object.freeze({ key, value, createRevision: revision, modRevision: revision });
    return this.write(kv, kv, entryOf({ type: 'put', key, value, revision, createRevision: revision }, 0));
  }

  async update(key: string, value: string, expectedModRevision: number): Promise<KeyValue> {
    this.assertWritable();
    const current = this.latest(key);
    if (!current) throw new StorageError('KeyNotFound', `key ${key} not found`, key);
    if (current.modRevision !== expectedModRevision) {
      throw new StorageError('Conflict', `key ${key} is at revision ${current.modRevision}, not ${expectedModRevision}`, key, current.modRevision);
    }
    const revision = this.assigned + 1;
    const { createRevision } = current;
    const kv = Object.freeze({ key, value, createRevision, modRevision: revision });
    const event: StoreEvent = { type: 'put', key, value, prevValue: current.value, revision, createRevision };
    return this.write(kv, kv, entryOf(event, current.modRevision));
  }

  async delete(key: string, expectedModRevision?: number): Promise<KeyValue> {
    this.assertWritable();
    const current = this.latest(key);
    if (!current) throw new StorageError('KeyNotFound', `key ${key} not found`, key);
    if (expectedModRevision !== undefined && current.modRevision !== expectedModRevision) {
      throw new StorageError('Conflict', `key ${key} is at revision ${current.modRevision}, not ${expectedModRevision}`, key, current.modRevision);
    }
    const revision = this.assigned + 1;
    const { value, createRevision } = current;
    const deleted = Object.freeze({ key, value, createRevision, modRevision: revision });
    const event: StoreEvent = { type: 'delete', key, value, prevValue: value, revision, createRevision };
    return this.write(null, deleted, entryOf(event, current.modRevision));
  }

  watch(prefix: string, afterRevision: number, onEvent: (event: StoreEvent) => void): Watcher {
    this.assertOpen();
    // As etcd: the first change wanted is afterRevision + 1, and every change from the compacted
    // revision on is kept, so watching from compactedRevision - 1 still works.
    if (afterRevision + 1 < this.compacted) {
      throw new StorageError('Compacted', `revision ${afterRevision} has been compacted (compacted revision ${this.compacted})`, undefined, this.compacted);
    }
    return this.watchers.add(prefix, Math.max(0, afterRevision), onEvent);
  }

  /** Compacting at or below the compacted revision is a no-op, so callers may repeat themselves. */
  compact(revision: number): Promise<void> {
    this.assertOpen();
    if (revision > this.committed) {
      return Promise.reject(new StorageError('FutureRevision', `revision ${revision} is newer than the current revision ${this.committed}`, undefined, this.committed));
    }
    if (revision <= this.compacted) return this.compaction;
    // From here on reads below `revision` fail, before any row is gone.
    const previous = this.compacted;
    this.compacted = revision;
    this.history.forgetBefore(revision);
    const run = this.compaction.then(() => this.removeCompactedRows(previous, revision));
    this.compaction = run.catch((err) => this.logger.error({ err, revision }, 'storage compaction failed'));
    return run;
  }

  /** Watchers currently registered (for metrics and tests). */
  watcherCount(): number {
    return this.watchers?.size ?? 0;
  }

  private async removeCompactedRows(previous: number, revision: number): Promise<void> {
    // The compacted revision is durable before any row goes, so a crash in between leaves rows
    // that are never read again (wasted space) rather than a readable revision with rows missing.
    await flushedOf(this.metaDb.put('compactedRevision', revision));
    // Removing in chunks keeps each transaction small and lets new writes in between.
    const doomed = this.history.rowsToCompact(previous, revision);
    for (let i = 0; i < doomed.length; i += COMPACTION_CHUNK) {
      let last: Promise<boolean> | undefined;
      for (const rev of doomed.slice(i, i + COMPACTION_CHUNK)) last = this.historyDb.remove(rev);
      if (last) await flushedOf(last);
    }
    this.logger.info({ revision, removedRows: doomed.length }, 'storage compacted');
  }

  /** The value each key under `prefix` (and >= `from`) had at `revision`, for the keys changed since. */
  private valuesBefore(prefix: string, from: string, revision: number): Map<string, KeyValue | null> {
    const before = new Map<string, KeyValue | null>();
    // The first change after `revision` to a key tells what the key held at `revision`.
    for (const { event, prevModRevision } of this.history.after(revision, this.committed)) {
      const { key } = event;
      if (key < from || !key.startsWith(prefix) || before.has(key)) continue;
      if (prevModRevision === 0) {
        before.set(key, null);
        continue;
      }
      const value = event.type === 'delete' ? event.value : event.prevValue;
      if (value === undefined) {
        throw new StorageError('Compacted', `revision ${revision} of ${key} is no longer in the history`, key, this.compacted);
      }
      before.set(key, { key, value, createRevision: event.createRevision, modRevision: prevModRevision });
    }
    return before;
  }

  /** Hand a checked change to lmdb; resolves once it is durable and applied. */
  private write(kv: KeyValue | null, result: KeyValue, entry: HistoryEntry): Promise<KeyValue> {
    const { key, revision } = entry.event;
    // Both puts are issued in this same synchronous turn, so lmdb-js commits them in one transaction.
    const keyWrite = kv ? this.keysDb.put(key, [kv.value, kv.createRevision, kv.modRevision]) : this.keysDb.remove(key);
    const historyWrite = this.historyDb.put(revision, rowOf(entry));
    this.assigned = revision;
    let pending!: PendingWrite;
    const done = new Promise<KeyValue>((resolve, reject) => {
      pending = { entry, kv, result, durable: false, resolve, reject };
    });
    this.queue.push(pending);
    this.inFlight.set(key, pending);
    this.lastWrite = done.catch(() => undefined);
    const fail = (err: unknown) => this.fail(err);
    keyWrite.catch(fail);
    historyWrite.catch(fail);
    flushedOf(historyWrite).then(() => {
      pending.durable = true;
      this.drain();
    }, fail);
    return done;
  }

  /** Apply durable writes in revision order, then let the watchers see them. */
  private drain(): void {
    let applied = false;
    while (this.queueHead < this.queue.length && this.queue[this.queueHead].durable) {
      const write = this.queue[this.queueHead++];
      const { key, revision } = write.entry.event;
      if (write.kv) this.index.set(write.kv);
      else this.index.delete(key);
      if (this.inFlight.get(key) === write) this.inFlight.delete(key);
      this.history.append(write.entry);
      this.committed = revision;
      write.resolve(write.result);
      applied = true;
    }
    if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.queueHead);
      this.queueHead = 0;
    }
    if (applied) this.watchers.notify();
  }

  private fail(err: unknown): void {
    if (this.failure) return;
    this.failure = new StorageError('Unavailable', `storage write failed: ${(err as Error)?.message ?? err}`);
    this.logger.error({ err }, 'storage commit failed; refusing writes until restart');
    for (let i = this.queueHead; i < this.queue.length; i++) this.queue[i].reject(this.failure);
    this.queue = [];
    this.queueHead = 0;
    this.inFlight.clear();
  }

  /** The newest state of `key`, counting writes still in flight. */
  private latest(key: string): KeyValue | undefined {
    const pending = this.inFlight.get(key);
    return pending ? (pending.kv ?? undefined) : this.index.get(key);
  }

  private assertOpen(): void {
    if (!this.root || this.closed) throw new StorageError('Unavailable', 'storage is not open');
  }

  private assertWritable(): void {
    this.assertOpen();
    if (this.failure) throw this.failure;
  }

  private assertReadable(revision: number): void {
    if (revision > this.committed) {
      throw new StorageError('FutureRevision', `revision ${revision} is newer than the current revision ${this.committed}`, undefined, this.committed);
    }
    if (revision < this.compacted) {
      throw new StorageError('Compacted', `revision ${revision} has been compacted (compacted revision ${this.compacted})`, undefined, this.compacted);
    }
  }
}

/** With separateFlushed, a write's promise resolves at commit and carries a second one for the flush. */
function flushedOf(write: Promise<boolean>): Promise<boolean> {
  return (write as Promise<boolean> & { flushed?: Promise<boolean> }).flushed ?? write;
}
