// A range of values kept in storage the way kube keeps its service ranges in etcd (before the 1.31
// IPAddress API): one RangeAllocation object, the range and a bitmap of the values in use, at
// /registry/ranges/<name>, changed only by compare-and-swap (kube's ipallocator/storage and
// portallocator/storage). Every API server sharing the store allocates through it, so two creates on
// different servers can never take one value, however close together they come.
//
// The bitmap is kube's (a big.Int's bytes), deflated before base64: the default /12 service range is a
// 128 KiB bitmap that every allocation rewrites and every API server's watch of the keyspace receives.
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { internal } from '../../shared/errors.ts';
import { StorageError, type Backend, type KeyValue } from '../storage/interface.ts';
import { committedPast } from './generic-store.ts';
import type { BitmapSource, RangeAllocator } from './ip-allocator.ts';

interface RangeAllocation {
  apiVersion: 'v1';
  kind: 'RangeAllocation';
  metadata: Record<string, never>;
  range: string;
  data: string;
}

/** One version of the stored object: its row, its range and its bitmap. */
interface Version {
  kv: KeyValue;
  range: string;
  bits: BitmapSource;
}

const MAX_ATTEMPTS = 100;

export class StoredRange<T, A extends RangeAllocator<T>> {
  /** The configured range, as RangeAllocation.range says it. */
  readonly range: string;
  /** The newest version this server has read or written: a first guess that spares a read. */
  private last?: Version;
  /** This server's changes, one at a time: they would only conflict with each other. */
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly backend: Backend,
    readonly key: string,
    /** How kube names the resource in its errors (serviceipallocations, servicenodeportallocations). */
    private readonly resource: string,
    /** A view of the configured range over a snapshot (an empty one without). */
    readonly allocator: (from?: BitmapSource) => A,
  ) {
    this.range = allocator().range;
  }

  private serialized<R>(run: () => Promise<R>): Promise<R> {
    const result = this.tail.then(run);
    this.tail = result.catch(() => undefined);
    return result;
  }

  private async fetch(): Promise<Version | undefined> {
    const kv = await this.backend.get(this.key);
    if (!kv) return undefined;
    const stored = JSON.parse(kv.value) as RangeAllocation;
    this.last = { kv, range: stored.range, bits: inflateRawSync(Buffer.from(stored.data, 'base64')) };
    return this.last;
  }

  private encode(draft: A): string {
    const object: RangeAllocation = { apiVersion: 'v1', kind: 'RangeAllocation', metadata: {}, range: draft.range, data: deflateRawSync(draft.bits.snapshot(), { level: 1 }).toString('base64') };
    return JSON.stringify(object);
  }

  /** kube's Etcd allocator refuses to work without the stored object, or on another range than its own. */
  private checked(version: Version | undefined): Version {
    if (!version) throw internal(`cannot allocate resources of type ${this.resource} at this time`);
    if (version.range !== this.range) throw internal(`the provided range does not match the current range`);
    return version;
  }

  /**
   * Applies `change` to a draft of the stored range and stores it by compare-and-swap; returns the values
   * the draft took. `change` runs again on the newer version after a conflict. Tried on the last version
   * this server knows, a change that fails is tried again on a fresh read before its error counts:
   * another server may have freed the value since. With `verifyUnchanged` so is one that changes nothing
   * (a release must not find its values free in an old version and do nothing). A dry run reads and
   * never writes.
   */
  change(change: (draft: A) => void, options: { dryRun?: boolean; verifyUnchanged?: boolean } = {}): Promise<T[]> {
    return this.serialized(async () => {
      for (let attempt = 0; ; attempt++) {
        const guess = attempt === 0 && !options.dryRun ? this.last : undefined;
        const base = this.checked(guess ?? (await this.fetch()));
        const draft = this.allocator(base.bits);
        try {
          change(draft);
        } catch (err) {
          if (guess) continue;
          throw err;
        }
        if (guess && options.verifyUnchanged && !draft.bits.changed) continue;
        if (options.dryRun || !draft.bits.changed) return [];
        try {
          const kv = await this.backend.update(this.key, this.encode(draft), base.kv.modRevision);
          this.last = { kv, range: draft.range, bits: draft.bits };
          return draft.taken;
        } catch (err) {
          if (!(err instanceof StorageError)) throw err;
          if (err.code === 'Conflict' && attempt < MAX_ATTEMPTS) {
            await committedPast(this.backend, err);
            continue;
          }
          if (err.code === 'KeyNotFound') this.checked(undefined);
          throw internal(err.message);
        }
      }
    });
  }

  /**
   * Stores what `rebuild` makes of the stored range, creating the object when there is none (kube's
   * repair, CreateOrUpdate). `rebuild` runs again after a conflict; a stored range other than the
   * configured one reaches it as an empty draft, and the configured range replaces it.
   */
  rewrite(rebuild: (stored: A) => Promise<A>): Promise<void> {
    return this.serialized(async () => {
      for (let attempt = 0; ; attempt++) {
        const base = await this.fetch();
        const stored = this.allocator(base && base.range === this.range ? base.bits : undefined);
        const next = await rebuild(stored);
        try {
          const kv = base ? await this.backend.update(this.key, this.encode(next), base.kv.modRevision) : await this.backend.create(this.key, this.encode(next));
          this.last = { kv, range: next.range, bits: next.bits };
          return;
        } catch (err) {
          const lost = err instanceof StorageError && (err.code === 'Conflict' || err.code === 'KeyExists' || err.code === 'KeyNotFound');
          if (!lost || attempt >= MAX_ATTEMPTS) throw err;
          if (err.code === 'Conflict') await committedPast(this.backend, err);
        }
      }
    });
  }
}
