// etcd's unary KV calls (Range, Txn, Compact) through the JSON gateway every etcd v3 member serves
// on its client URL (/v3/kv/...: the same RPCs, as JSON over HTTP), over keep-alive undici pools.
//
// Why not gRPC for these: measured here, a call through @grpc/grpc-js costs the caller 0.16-0.24 ms
// of CPU, one through undici 0.05-0.08 ms, at the same or better throughput. An API server on etcd
// makes two such calls per write, and its CPU is what limits it, so this is most of the difference
// between reaching etcd's own rate and not. Watches stay on gRPC (etcd-watch-stream.ts): one
// long-lived stream each, where the per-call cost does not matter.
//
// Calls go to the leader while it is known (found with the maintenance Status call, again after any
// failure and every few seconds): a follower would only forward a write, or a linearizable read's
// ReadIndex, to it, and that extra hop cost 10-30% of the throughput here. Without a known leader
// they go round the members.
import { Pool } from 'undici';

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

/** An error etcd answered with (as opposed to one reaching it). */
export class EtcdError extends Error {
  constructor(message: string, readonly httpStatus: number) {
    super(message);
    this.name = 'EtcdError';
  }
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
}

const LEADER_RECHECK_MS = 5000;

export class EtcdKv {
  private readonly pools: Pool[];
  private next = 0;
  /** The leader's pool, while known. */
  private leader?: Pool;
  private finding?: Promise<void>;
  private readonly recheck: NodeJS.Timeout;

  constructor(options: EtcdKvOptions) {
    this.pools = options.endpoints.map((url) => new Pool(url, {
      connections: options.connections ?? 128,
      pipelining: 1,
      keepAliveTimeout: 30_000,
      headersTimeout: options.requestTimeoutMs,
      bodyTimeout: options.requestTimeoutMs,
      connectTimeout: Math.min(options.requestTimeoutMs, 3000),
    }));
    this.recheck = setInterval(() => void this.findLeader(), LEADER_RECHECK_MS);
    this.recheck.unref();
  }

  async close(): Promise<void> {
    clearInterval(this.recheck);
    await this.finding;
    await Promise.all(this.pools.map((p) => p.close().catch(() => undefined)));
  }

  async range(r: RangeRequest): Promise<RangeResponse> {
    const res = await this.post<{ header: WireHeader; kvs?: WireKeyValue[]; more?: boolean; count?: string }>('/v3/kv/range', wireRange(r));
    return { revision: int(res.header?.revision), kvs: (res.kvs ?? []).map(keyValueOf), more: !!res.more, count: int(res.count) };
  }

  async txn(compare: Compare[], success: RequestOp[], failure: RequestOp[]): Promise<TxnResponse> {
    const body = {
      compare: compare.map((c) => ({ key: b64(c.key), target: c.target, result: c.result, [COMPARE_FIELD[c.target]]: String(c.value) })),
      success: success.map(wireOp),
      failure: failure.map(wireOp),
    };
    type WireOp = { response_put?: { prev_kv?: WireKeyValue }; response_delete_range?: { prev_kvs?: WireKeyValue[] }; response_range?: { kvs?: WireKeyValue[] } };
    const res = await this.post<{ header: WireHeader; succeeded?: boolean; responses?: WireOp[] }>('/v3/kv/txn', body);
    const responses = (res.responses ?? []).map((op): ResponseOp => {
      if (op.response_put) return { kvs: op.response_put.prev_kv ? [keyValueOf(op.response_put.prev_kv)] : [] };
      if (op.response_delete_range) return { kvs: (op.response_delete_range.prev_kvs ?? []).map(keyValueOf) };
      return { kvs: (op.response_range?.kvs ?? []).map(keyValueOf) };
    });
    return { revision: int(res.header?.revision), succeeded: !!res.succeeded, responses };
  }

  async compact(revision: number): Promise<void> {
    await this.post('/v3/kv/compaction', { revision, physical: false });
  }

  /** Ask the members who leads; resolves once known or once every member has been asked. */
  findLeader(): Promise<void> {
    this.finding ??= (async () => {
      try {
        const statuses = await Promise.all(this.pools.map((pool) => this.send<{ header?: { member_id?: string }; leader?: string }>(pool, '/v3/maintenance/status', {}).catch(() => undefined)));
        const i = statuses.findIndex((s) => s?.leader && s.leader !== '0' && s.leader === s.header?.member_id);
        this.leader = i >= 0 ? this.pools[i] : undefined;
      } finally {
        this.finding = undefined;
      }
    })();
    return this.finding;
  }

  /** One call: to the leader if known, else to the members in turn (so a retry goes to another member). */
  private async post<T>(path: string, body: unknown): Promise<T> {
    const pool = this.leader ?? this.pools[this.next++ % this.pools.length];
    try {
      return await this.send<T>(pool, path, body);
    } catch (err) {
      // Whatever failed, the leader may have moved: go round the members until it is found again.
      if (this.leader === pool && !(err instanceof EtcdError && err.httpStatus < 500)) {
        this.leader = undefined;
        void this.findLeader();
      }
      throw err;
    }
  }

  private async send<T>(pool: Pool, path: string, body: unknown): Promise<T> {
    const res = await pool.request({ method: 'POST', path, body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    const answer = await res.body.text();
    if (res.statusCode !== 200) {
      let message = answer;
      try {
        const parsed = JSON.parse(answer) as { error?: string; message?: string };
        message = parsed.message || parsed.error || answer;
      } catch { /* not JSON */ }
      throw new EtcdError(message, res.statusCode);
    }
    return JSON.parse(answer) as T;
  }
}
