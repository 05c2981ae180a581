// etcd's unary KV calls (Range, Txn, Compact) through the JSON gateway every etcd v3 member serves
// on its client URL (/v3/kv/...: the same RPCs, as JSON over HTTP), over keep-alive undici pools.
//
// Why not gRPC for these: measured here, a call through @grpc/grpc-js costs the caller 0.16-0.24 ms
// of CPU, one through undici 0.05-0.08 ms, at the same or better throughput. An API server on etcd
// makes two such calls per write, and its CPU is what limits it, so this is most of the difference
// between reaching etcd's own rate and not. Watches stay on gRPC (etcd-watch-stream.ts): one
// long-lived stream each, where the per-call cost does not matter.
//
// Which member a call goes to is etcd-members.ts's business: the leader while known, else any member
// that answers; one that stops answering is skipped until it answers again. A call that got no
// answer at all goes at once to another member when repeating it is safe (mayRetry).
import type { Etcd3 } from 'etcd3';
import type { Logger } from '../../shared/log.ts';
import { mayRetry } from './etcd-codec.ts';
import { EtcdError, EtcdMembers, type EtcdMember } from './etcd-members.ts';

export { EtcdError };

/** A key-value pair as the Backend uses it: key and value as text, revisions as numbers. */
export interface EtcdKeyValue {
  key: string;
  value: string;
  createRevision: number;
  modRevision: number;
  version: number;
}

export interface RangeRequest {
  key: Buffer;
  rangeEnd?: Buffer;
  revision?: number;
  limit?: number;
  countOnly?: boolean;
}

export interface RangeResponse {
  revision: number;
  kvs: EtcdKeyValue[];
  more: boolean;
  count: number;
}

export type CompareTarget = 'VERSION' | 'CREATE' | 'MOD';
export interface Compare {
  key: Buffer;
  target: CompareTarget;
  result: 'EQUAL' | 'GREATER';
  /** Compared with the version, create_revision or mod_revision, as `target` says. */
  value: number;
}

export type RequestOp =
  | { put: { key: Buffer; value: string; prevKv?: boolean } }
  | { deleteRange: { key: Buffer; prevKv?: boolean } }
  | { range: { key: Buffer } };

export interface ResponseOp {
  /** For a put or delete with prevKv, the value before; for a range, the key found. */
  kvs: EtcdKeyValue[];
}

export interface TxnResponse {
  revision: number;
  succeeded: boolean;
  responses: ResponseOp[];
}

const b64 = (bytes: Buffer) => bytes.toString('base64');
const text = (base64: string | undefined) => (base64 ? Buffer.from(base64, 'base64').toString('utf8') : '');
const int = (value: string | number | undefined) => Number(value ?? 0);

interface WireKeyValue { key?: string; value?: string; create_revision?: string; mod_revision?: string; version?: string }
interface WireHeader { revision?: string }

function keyValueOf(kv: WireKeyValue): EtcdKeyValue {
  return { key: text(kv.key), value: text(kv.value), createRevision: int(kv.create_revision), modRevision: int(kv.mod_revision), version: int(kv.version) };
}

function wireRange(r: RangeRequest) {
  return {
    key: b64(r.key),
    ...(r.rangeEnd ? { range_end: b64(r.rangeEnd) } : {}),
    ...(r.revision ? { revision: r.revision } : {}),
    ...(r.limit ? { limit: r.limit } : {}),
    ...(r.countOnly ? { count_only: true } : {}),
  };
}

const COMPARE_FIELD: Record<CompareTarget, string> = { VERSION: 'version', CREATE: 'create_revision', MOD: 'mod_revision' };

function wireOp(op: RequestOp) {
  if ('put' in op) return { request_put: { key: b64(op.put.key), value: Buffer.from(op.put.value).toString('base64'), prev_kv: !!op.put.prevKv } };
  if ('deleteRange' in op) return { request_delete_range: { key: b64(op.deleteRange.key), prev_kv: !!op.deleteRange.prevKv } };
  return { request_range: { key: b64(op.range.key) } };
}

export interface EtcdKvOptions {
  /** The members' client URLs. */
  endpoints: string[];
  requestTimeoutMs: number;
  /** Keep-alive connections per member (enough for every request in flight: a queued request waits). */
  connections?: number;
  /** Makes the gRPC client for watches on one member (see EtcdMembers.watchClient). */
  dialWatch?: (url: string) => Etcd3;
  logger?: Pick<Logger, 'info' | 'warn'>;
}

export class EtcdKv {
  /** Shared with the watches, so that they too leave a member found not to answer. */
  readonly members: EtcdMembers;

  constructor(options: EtcdKvOptions) {
    this.members = new EtcdMembers(options);
  }

  close(): Promise<void> {
    return this.members.close();
  }

  findLeader(): Promise<void> {
    return this.members.findLeader();
  }

  async range(r: RangeRequest): Promise<RangeResponse> {
    const res = await this.post<{ header: WireHeader; kvs?: WireKeyValue[]; more?: boolean; count?: string }>('/v3/kv/range', wireRange(r), false);
    return { revision: int(res.header?.revision), kvs: (res.kvs ?? []).map(keyValueOf), more: !!res.more, count: int(res.count) };
  }

  async txn(compare: Compare[], success: RequestOp[], failure: RequestOp[]): Promise<TxnResponse> {
    const body = {
      compare: compare.map((c) => ({ key: b64(c.key), target: c.target, result: c.result, [COMPARE_FIELD[c.target]]: String(c.value) })),
      success: success.map(wireOp),
      failure: failure.map(wireOp),
    };
    type WireOp = { response_put?: { prev_kv?: WireKeyValue }; response_delete_range?: { prev_kvs?: WireKeyValue[] }; response_range?: { kvs?: WireKeyValue[] } };
    const res = await this.post<{ header: WireHeader; succeeded?: boolean; responses?: WireOp[] }>('/v3/kv/txn', body, true);
    const responses = (res.responses ?? []).map((op): ResponseOp => {
      if (op.response_put) return { kvs: op.response_put.prev_kv ? [keyValueOf(op.response_put.prev_kv)] : [] };
      if (op.response_delete_range) return { kvs: (op.response_delete_range.prev_kvs ?? []).map(keyValueOf) };
      return { kvs: (op.response_range?.kvs ?? []).map(keyValueOf) };
    });
    return { revision: int(res.header?.revision), succeeded: !!res.succeeded, responses };
  }

  async compact(revision: number): Promise<void> {
    // Repeating a compaction is harmless (etcd says the revision is compacted already).
    await this.post('/v3/kv/compaction', { revision, physical: false }, false);
  }

  /**
   * One call. If the member gave no answer at all and repeating the call is safe, it goes at once
   * to another member that answers; a write whose outcome is unknown is not repeated (mayRetry).
   * etcd's own answers (no leader yet, too many requests) are left to the caller's retry with back-off.
   */
  private async post<T>(path: string, body: unknown, write: boolean): Promise<T> {
    const tried = new Set<EtcdMember>();
    for (let member = this.members.pick(); ;) {
      tried.add(member);
      try {
        return await this.members.send<T>(member, path, body);
      } catch (err) {
        // Whatever failed, the leader may have moved.
        if (!(err instanceof EtcdError && err.httpStatus < 500)) this.members.forgetLeader(member);
        const other = !(err instanceof EtcdError) && mayRetry(err, write) ? this.members.pickOther(tried) : undefined;
        if (!other) throw err;
        member = other;
      }
    }
  }
}
