// The Backend contract on a real etcd v3 cluster, the way kube-apiserver's etcd3 store uses it
// (k8s.io/apiserver/pkg/storage/etcd3): an object's resourceVersion is its key's mod_revision, a
// create is a transaction guarded on create_revision == 0, an update one guarded on mod_revision, and
// a failed guard reads the key in the transaction's else branch to tell KeyNotFound from Conflict.
// Several API servers on one etcd serve the same data at the same revisions; each keeps its own watch
// feed (etcd-feed.ts), which is also where currentRevision() comes from.
//
// A write is acknowledged once etcd has committed it and this server's feed has delivered it, so,
// as with the embedded store, a client that wrote something sees it in its next watch or list here.
import type { Logger } from '../../shared/log.ts';
import { COMPACT_REV_KEY, mayRetry, prefixRange, storageErrorOf } from './etcd-codec.ts';
import { EtcdFeed } from './etcd-feed.ts';
import { EtcdKv, type Compare, type EtcdKeyValue, type RangeRequest, type RangeResponse, type RequestOp, type TxnResponse } from './etcd-kv.ts';
import {
  StorageError,
  type Backend,
  type KeyValue,
  type ListOptions,
  type ListResult,
  type StoreEvent,
  type WatchErrorHandler,
  type Watcher,
} from './interface.ts';

export interface EtcdBackendOptions {
  /** Client URLs of the cluster's members (kube's --etcd-servers); requests spread over them and fail over. */
  endpoints: string[];
  /** Prepended to every key (kube's --etcd-prefix; our keys already start with /registry, so default empty). */
  prefix?: string;
  /** How long one request may take before it fails (kube's etcd request timeout is of this order). */
  requestTimeoutMs?: number;
  /** How long retryable failures are retried before the call fails with Unavailable. */
  retryForMs?: number;
  /** How long a committed write waits for the feed to deliver it before being acknowledged regardless. */
  feedWaitMs?: number;
  logger?: Pick<Logger, 'info' | 'warn' | 'error'>;
}

/** What one round of kube's compaction protocol decided (see compactRound). */
export interface CompactRound {
  /** The version of compact_rev_key: the "compact time" the API servers agree on. */
  compactTime: number;
  /** etcd's revision now: what the next round compacts at. */
  revision: number;
  /** Whether this server won the round (and so compacted). */
  compacted: boolean;
}

const silent = { info() {}, warn() {}, error() {} };
const COMPACT_KEY = Buffer.from(COMPACT_REV_KEY);
const keyValueOf = (kv: EtcdKeyValue, key: string): KeyValue => ({ key, value: kv.value, createRevision: kv.createRevision, modRevision: kv.modRevision });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class EtcdBackend implements Backend {
  private readonly prefix: string;
  private readonly logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  private readonly retryForMs: number;
  private readonly feedWaitMs: number;
  /** Unary calls (gRPC over node:http2; see etcd-kv.ts); its members also carry the watches' connections. */
  private readonly kv: EtcdKv;
  private readonly feed: EtcdFeed;
  private compacted = 0;
  private finding?: Promise<void>;
  private readonly inFlight = new Set<Promise<unknown>>();
  private started = false;
  private closed = false;

  constructor(options: EtcdBackendOptions) {
    if (options.endpoints.length === 0) throw new Error('etcd backend needs at least one endpoint (--etcd-servers)');
    this.prefix = options.prefix ?? '';
    this.logger = options.logger ?? silent;
    this.retryForMs = options.retryForMs ?? 5000;
    this.feedWaitMs = options.feedWaitMs ?? 5000;
    const requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    this.kv = new EtcdKv({ endpoints: options.endpoints, requestTimeoutMs, logger: this.logger });
    this.feed = new EtcdFeed(this.kv.members, this.prefix, this.logger, {
      onCompactRevKey: (revision) => this.noteEtcdCompacted(revision),
      currentRevision: async () => (await this.call(() => this.kv.range({ key: COMPACT_KEY }), false)).revision,
    });
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    // kube's compactor records the revision it compacted at; a cluster nobody compacted has no such key.
    await this.kv.findLeader();
    const res = await this.call(() => this.kv.range({ key: COMPACT_KEY }), false);
    if (res.kvs[0]) this.noteEtcdCompacted(Number(res.kvs[0].value) || 0);
    await this.feed.start(res.revision);
    await this.findCompacted();
    this.logger.info({ revision: this.feed.revision, compactedRevision: this.compacted, prefix: this.prefix }, 'etcd storage opened');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Writes in flight finish first: they wait for the feed, which is still running.
    await Promise.allSettled([...this.inFlight]);
    await this.finding;
    this.feed.stop();
    await this.kv.close();
  }

  currentRevision(): number {
    return this.feed.revision;
  }

  compactedRevision(): number {
    return this.compacted;
  }

  /** Watches open (for tests and metrics). */
  watcherCount(): number {
    return this.feed.size;
  }

  async get(key: string): Promise<KeyValue | null> {
    const res = await this.range({ key: this.encode(key) });
    return res.kvs[0] ? keyValueOf(res.kvs[0], key) : null;
  }

  async count(prefix: string): Promise<number> {
    const { key, rangeEnd } = prefixRange(this.prefix + prefix);
    return (await this.range({ key, rangeEnd, countOnly: true })).count;
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListResult> {
    const { key: first, rangeEnd } = prefixRange(this.prefix + prefix);
    const from = options.startKey && options.startKey > prefix ? this.encode(options.startKey) : first;
    const revision = options.revision || 0;
    if (revision && revision < this.compacted) {
      throw new StorageError('Compacted', `revision ${revision} has been compacted (compacted revision ${this.compacted})`, undefined, this.compacted);
    }
    const limit = options.limit && options.limit > 0 ? options.limit : 0;
    const res = await this.range({ key: from, rangeEnd, revision, limit });
    const kvs: KeyValue[] = [];
    for (const kv of res.kvs) {
      const key = this.decode(kv.key);
      if (key !== undefined) kvs.push(keyValueOf(kv, key));
    }
    // As kube: a list at a given revision reports that revision, not etcd's current one.
    const result: ListResult = { kvs, revision: revision || res.revision, more: res.more };
    if (res.more) result.remaining = res.count - res.kvs.length;
    return result;
  }

  async create(key: string, value: string): Promise<KeyValue> {
    const k = this.encode(key);
    const res = await this.write([{ key: k, target: 'CREATE', result: 'EQUAL', value: 0 }], [{ put: { key: k, value } }], []);
    if (!res.succeeded) throw new StorageError('KeyExists', `key ${key} already exists`, key);
    return { key, value, createRevision: res.revision, modRevision: res.revision };
  }

  async update(key: string, value: string, expectedModRevision: number): Promise<KeyValue> {
    const k = this.encode(key);
    const res = await this.write(
      [{ key: k, target: 'CREATE', result: 'GREATER', value: 0 }, { key: k, target: 'MOD', result: 'EQUAL', value: expectedModRevision }],
      [{ put: { key: k, value, prevKv: true } }],
      [{ range: { key: k } }],
    );
    if (!res.succeeded) this.guardFailed(key, res);
    return { key, value, createRevision: res.responses[0].kvs[0]?.createRevision ?? 0, modRevision: res.revision };
  }

  async delete(key: string, expectedModRevision?: number): Promise<KeyValue> {
    const k = this.encode(key);
    const compare: Compare[] = [{ key: k, target: 'CREATE', result: 'GREATER', value: 0 }];
    if (expectedModRevision !== undefined) compare.push({ key: k, target: 'MOD', result: 'EQUAL', value: expectedModRevision });
    const res = await this.write(compare, [{ deleteRange: { key: k, prevKv: true } }], [{ range: { key: k } }]);
    if (!res.succeeded) this.guardFailed(key, res);
    const prev = res.responses[0].kvs[0];
    return { key, value: prev.value, createRevision: prev.createRevision, modRevision: res.revision };
  }

  watch(prefix: string, afterRevision: number, onEvent: (event: StoreEvent) => void, onError?: WatchErrorHandler): Watcher {
    this.assertOpen();
    // As etcd: the first change wanted is afterRevision + 1, and the compacted revision itself is kept.
    if (afterRevision + 1 < this.compacted) {
      throw new StorageError('Compacted', `revision ${afterRevision} has been compacted (compacted revision ${this.compacted})`, undefined, this.compacted);
    }
    return this.feed.watch(prefix, Math.max(0, afterRevision), onEvent, (err) => {
      if (err.code === 'Compacted') this.noteEtcdCompacted(err.revision ?? 0);
      if (onError) onError(err);
      else this.logger.error({ prefix, afterRevision, err: err.message }, 'etcd watch ended: its events are gone from the history');
    });
  }

  /**
   * Compacting at or below the compacted revision is a no-op, so callers may repeat themselves.
   *
   * etcd is asked to compact at revision - 1, because etcd drops a delete made at the very revision
   * it compacts at (a tombstone is never kept), while the contract keeps every change from the
   * compacted revision on, so that a watch from compactedRevision() - 1 misses nothing. etcd would
   * still read at revision - 1; we refuse that ourselves.
   */
  async compact(revision: number): Promise<void> {
    this.assertOpen();
    if (revision > this.feed.revision) {
      throw new StorageError('FutureRevision', `revision ${revision} is newer than the current revision ${this.feed.revision}`, undefined, this.feed.revision);
    }
    if (revision <= this.compacted) return;
    if (revision - 1 >= 1) {
      try {
        await this.call(() => this.kv.compact(revision - 1), false);
      } catch (err) {
        const e = storageErrorOf(err, revision);
        if (e.code !== 'Compacted') throw e;
        // Someone compacted at or past it already.
        this.refreshCompacted();
      }
    }
    this.noteCompacted(revision);
  }

  /**
   * One round of kube's compactor protocol: compact_rev_key's version is a logical clock. Whoever
   * moves it from the `compactTime` it last saw (a transaction, so only one API server can) compacts
   * at the revision it read one round ago and records that in the key; everyone else learns the new
   * clock from the failed transaction and tries again next round. So with several API servers one
   * compaction happens per interval, and if the one that did it dies another takes over.
   */
  async compactRound(compactTime: number, revision: number): Promise<CompactRound> {
    this.assertOpen();
    const key = COMPACT_KEY;
    const res = await this.call(() => this.kv.txn(
      [{ key, target: 'VERSION', result: 'EQUAL', value: compactTime }],
      // The key holds the revision etcd compacts at, as kube's does (see compact()).
      [{ put: { key, value: String(Math.max(0, revision - 1)) } }],
      [{ range: { key } }],
    ), true);
    const current = res.revision;
    if (!res.succeeded) return { compactTime: res.responses[0].kvs[0]?.version ?? 0, revision: current, compacted: false };
    // The first round only starts the clock: there is no revision from a round ago yet.
    if (revision > 0) await this.compact(revision);
    return { compactTime: compactTime + 1, revision: current, compacted: revision > 0 };
  }

  // --- internals ------------------------------------------------------------------------------------

  private encode(key: string): Buffer {
    return Buffer.from(this.prefix + key);
  }

  /** Our key for an etcd key, or undefined for compact_rev_key when it falls inside our range. */
  private decode(key: string): string | undefined {
    if (this.prefix === '' && key === COMPACT_REV_KEY) return undefined;
    return key.slice(this.prefix.length);
  }

  private async range(req: RangeRequest): Promise<RangeResponse> {
    try {
      return await this.call(() => this.kv.range(req), false);
    } catch (err) {
      const revision = req.revision ?? 0;
      const e = storageErrorOf(err, revision);
      if (e.code === 'Compacted') {
        this.noteEtcdCompacted(revision);
        this.refreshCompacted();
      }
      throw e;
    }
  }

  /** A guarded write; once it succeeds, wait until the feed has delivered it. */
  private write(compare: Compare[], success: RequestOp[], failure: RequestOp[]): Promise<TxnResponse> {
    return this.track((async () => {
      const res = await this.call(() => this.kv.txn(compare, success, failure), true);
      if (res.succeeded) await this.delivered(res.revision);
      return res;
    })());
  }

  /** close() waits for these. */
  private track<T>(run: Promise<T>): Promise<T> {
    this.inFlight.add(run);
    void run.finally(() => this.inFlight.delete(run)).catch(() => undefined);
    return run;
  }

  /** Run one request, retrying what is safe to retry. */
  private call<T>(request: () => Promise<T>, write: boolean): Promise<T> {
    this.assertOpen();
    return this.track((async () => {
      const deadline = Date.now() + this.retryForMs;
      for (let attempt = 0; ; attempt++) {
        try {
          return await request();
        } catch (err) {
          if (this.closed && !write) throw new StorageError('Unavailable', 'storage is closed');
          if (!mayRetry(err, write) || Date.now() > deadline) throw storageErrorOf(err);
          await sleep(Math.min(20 * 2 ** attempt, 500) * (0.5 + Math.random() / 2));
        }
      }
    })());
  }

  /** Wait until the feed has delivered our own write, so our watchers and currentRevision() include it. */
  private async delivered(revision: number): Promise<void> {
    if (await this.feed.waitFor(revision, this.feedWaitMs)) return;
    if (!this.closed) this.logger.warn({ revision, feedRevision: this.feed.revision }, 'etcd watch feed is behind a committed write; acknowledging it anyway');
  }

  private guardFailed(key: string, res: TxnResponse): never {
    const current = res.responses[0]?.kvs[0];
    if (!current) throw new StorageError('KeyNotFound', `key ${key} not found`, key);
    const at = current.modRevision;
    throw new StorageError('Conflict', `key ${key} is at revision ${at}`, key, at);
  }

  private noteCompacted(revision: number): void {
    if (revision > this.compacted) this.compacted = revision;
  }

  /** etcd compacted at `etcdRevision` (or later): the first revision whose change is surely kept is the next. */
  private noteEtcdCompacted(etcdRevision: number): void {
    if (etcdRevision > 0) this.noteCompacted(etcdRevision + 1);
  }

  /**
   * Learn etcd's real compacted revision, which etcd does not report: it is the oldest revision a
   * read still works at, found by bisection with count-only reads of one key (about twenty small
   * requests). Run at start and whenever a read finds a revision compacted that we did not know of.
   */
  private async findCompacted(): Promise<void> {
    const readable = async (revision: number) => {
      try {
        await this.call(() => this.kv.range({ key: COMPACT_KEY, revision, countOnly: true }), false);
        return true;
      } catch (err) {
        if (storageErrorOf(err).code === 'Compacted') return false;
        throw err;
      }
    };
    // An uncompacted etcd reads from revision 1: nothing to note then (0, as the embedded store says).
    let lo = Math.max(1, this.compacted - 1);
    if (await readable(lo)) return lo > 1 ? this.noteEtcdCompacted(lo) : undefined;
    let hi = this.feed.revision; // the current revision is always readable
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (await readable(mid)) hi = mid;
      else lo = mid;
    }
    this.noteEtcdCompacted(hi);
  }

  private refreshCompacted(): void {
    if (this.finding || this.closed) return;
    this.finding = this.findCompacted()
      .catch((err) => this.logger.warn({ err: String(err) }, 'could not learn the compacted revision from etcd'))
      .finally(() => (this.finding = undefined));
  }

  private assertOpen(): void {
    if (!this.started || this.closed) throw new StorageError('Unavailable', 'storage is not open');
  }
}
