// What crosses between the Backend contract and etcd: key ranges as bytes, watch events as the
// contract's StoreEvents, etcd's errors as StorageErrors, and which failures may be retried.
import type { WatchEvent } from './etcd-proto.ts';
import { StorageError, type StoreEvent } from './interface.ts';

/**
 * kube-apiserver's compactor keeps the last compacted revision in this key (at the root of the
 * keyspace, outside any prefix, because a compaction is global to the etcd cluster); its version is
 * the "compact time" several API servers agree on.
 */
export const COMPACT_REV_KEY = 'compact_rev_key';

/** Every key: etcd reads a range starting at "\0" and ending at "\0" as the whole keyspace. */
export const ALL_KEYS = { key: Buffer.from([0]), rangeEnd: Buffer.from([0]) };

/** The etcd range [key, rangeEnd) holding every key that starts with `prefix` (etcd's WithPrefix). */
export function prefixRange(prefix: string): { key: Buffer; rangeEnd: Buffer } {
  if (prefix === '') return ALL_KEYS;
  const key = Buffer.from(prefix);
  const end = Buffer.from(key);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i] < 0xff) {
      end[i]++;
      return { key, rangeEnd: end.subarray(0, i + 1) };
    }
  }
  return { key, rangeEnd: ALL_KEYS.rangeEnd }; // all 0xff bytes: to the end of the keyspace
}

/** A watch event as the Backend contract states it (a delete carries the deleted value). */
export function storeEventOf(e: WatchEvent, key: string): StoreEvent {
  const revision = e.kv.modRevision;
  if (e.type === 'DELETE') {
    // prev_kv can only be missing if the previous revision was compacted away under the watch.
    const value = e.prevKv?.value ?? '';
    return { type: 'delete', key, value, prevValue: value, revision, createRevision: e.prevKv?.createRevision ?? 0 };
  }
  const event: StoreEvent = { type: 'put', key, value: e.kv.value, revision, createRevision: e.kv.createRevision };
  if (e.prevKv) event.prevValue = e.prevKv.value;
  return event;
}

const message = (err: unknown) => String((err as Error)?.message ?? err);

/** etcd's errors in the Backend's words; anything else means etcd could not be reached or did not answer. */
export function storageErrorOf(err: unknown, revision?: number): StorageError {
  if (err instanceof StorageError) return err;
  const text = message(err);
  if (text.includes('required revision has been compacted')) return new StorageError('Compacted', `etcd: revision ${revision ?? ''} has been compacted`, undefined, revision);
  if (text.includes('required revision is a future revision')) return new StorageError('FutureRevision', `etcd: revision ${revision ?? ''} is a future revision`, undefined, revision);
  return new StorageError('Unavailable', `etcd: ${text}`);
}

/**
 * Whether a failed call may be sent again. A read always may. A write only when the failure proves
 * etcd never applied it (no leader to propose to, or no connection made): otherwise it may have
 * been committed just before the answer was lost (as with a call cut off because its member stopped
 * answering), and repeating a compare-and-swap would turn that success into a Conflict or AlreadyExists. Those ambiguous failures go up as Unavailable, as
 * kube's etcd client does for non-repeatable requests.
 */
export function mayRetry(err: unknown, write: boolean): boolean {
  const text = `${(err as { code?: string })?.code ?? ''} ${message(err)}`;
  if (text.includes('required revision')) return false;
  const notSent = /ECONNREFUSED|CONNECT_TIMEOUT|ETCD_NOT_SENT|ETCD_NO_LEADER|etcdserver: no leader|etcdserver: not capable/i.test(text);
  if (write) return notSent;
  return notSent || /etcdserver: (leader changed|request timed out|too many requests)|ETCD_MEMBER_UNREACHABLE|ETCD_CALL_LOST|ECONNRESET|EPIPE|UNAVAILABLE|DEADLINE/i.test(text);
}
