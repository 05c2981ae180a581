// The one narrow contract between the API server and whatever keeps its data, shaped on etcd's API
// (as k3s' kine does): keys are strings, values are opaque JSON text, every write gets the next global
// revision. The API server above knows nothing of which backend it runs on.

/** One key's stored value. `modRevision` becomes the object's resourceVersion. */
export interface KeyValue {
  key: string;
  /** The object as JSON text, stored without metadata.resourceVersion (the revision is the version). */
  value: string;
  createRevision: number;
  modRevision: number;
}

export interface StoreEvent {
  type: 'put' | 'delete';
  key: string;
  /** For put, the new value; for delete, the value as it was just before the delete. */
  value: string;
  /** The value before this event (absent for a create). */
  prevValue?: string;
  /** The revision of this change (for a delete, the revision of the delete itself). */
  revision: number;
  createRevision: number;
}

export interface ListOptions {
  /** Read at this revision (MVCC); 0 or absent means the current one. */
  revision?: number;
  /** Begin at this key (inclusive), for pagination. */
  startKey?: string;
  /** At most this many results; 0 or absent means all. */
  limit?: number;
}

export interface ListResult {
  kvs: KeyValue[];
  /** The revision the list was read at. */
  revision: number;
  /** True when more keys follow the last one returned. */
  more: boolean;
  /** How many keys follow the last one returned (etcd's count minus the page; an estimate for old revisions). */
  remaining?: number;
}

export type StorageErrorCode = 'KeyExists' | 'KeyNotFound' | 'Conflict' | 'Compacted' | 'FutureRevision' | 'Unavailable';

/** Backends speak only these errors; the registry layer turns them into Kubernetes Status errors. */
export class StorageError extends Error {
  constructor(readonly code: StorageErrorCode, message: string, readonly key?: string, readonly revision?: number) {
    super(message);
    this.name = 'StorageError';
  }
}

/** Why a watch ended early (its events are gone from the history); no event follows. */
export type WatchErrorHandler = (err: StorageError) => void;

export interface Watcher {
  /** Stop delivering events; idempotent. */
  stop(): void;
}

export interface Backend {
  start(): Promise<void>;
  close(): Promise<void>;
  /** The newest committed revision. */
  currentRevision(): number;
  /** The oldest revision still readable; watching or reading from below it fails with Compacted. */
  compactedRevision(): number;
  get(key: string): Promise<KeyValue | null>;
  /** Keys starting with `prefix`, in key order, as of `revision`. */
  list(prefix: string, options?: ListOptions): Promise<ListResult>;
  /** How many keys start with `prefix` now. */
  count(prefix: string): Promise<number>;
  /** Create-if-absent. Throws StorageError KeyExists. Resolves only once the write is durable. */
  create(key: string, value: string): Promise<KeyValue>;
  /** Compare-and-swap on modRevision. Throws KeyNotFound or Conflict. Resolves once durable. */
  update(key: string, value: string, expectedModRevision: number): Promise<KeyValue>;
  /** Delete, optionally only if modRevision matches. Returns the deleted value with the delete's revision as modRevision. */
  delete(key: string, expectedModRevision?: number): Promise<KeyValue>;
  /**
   * Deliver, in revision order and exactly once, every committed change to keys under `prefix`
   * with revision > `afterRevision`, then every later one as it commits. Throws Compacted when
   * `afterRevision` is older than the kept history. A backend that replays history asynchronously (etcd)
   * may find it compacted only later: it then stops the watch and calls `onError` with Compacted.
   */
  watch(prefix: string, afterRevision: number, onEvent: (event: StoreEvent) => void, onError?: WatchErrorHandler): Watcher;
  /** Forget history before `revision` (the newest version of each key at that point stays readable). */
  compact(revision: number): Promise<void>;
}
