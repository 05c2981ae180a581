// etcd's unary KV calls (Range, Txn, Compact) as gRPC over one HTTP/2 connection per member
// (etcd-grpc.ts), with the messages encoded here (etcd-proto.ts). Watches have their own streams
// (etcd-watch-stream.ts).
//
// Which member a call goes to is etcd-members.ts's business: the leader while known, else any member
// that answers; one that stops answering is skipped until it answers again. A call that got no
// answer at all goes at once to another member when repeating it is safe (mayRetry).
import type { Logger } from '../../shared/log.ts';
import { mayRetry } from './etcd-codec.ts';
import { EtcdError, EtcdMembers, type EtcdMember } from './etcd-members.ts';
import {
  decodeRangeResponse,
  decodeTxnResponse,
  encodeCompactionRequest,
  encodeRangeRequest,
  encodeTxnRequest,
  type Compare,
  type RangeRequest,
  type RangeResponse,
  type RequestOp,
  type TxnResponse,
} from './etcd-proto.ts';

export { EtcdError };
export type { Compare, CompareTarget, EtcdKeyValue, RangeRequest, RangeResponse, RequestOp, ResponseOp, TxnResponse, WatchEvent } from './etcd-proto.ts';

export interface EtcdKvOptions {
  /** The members' client URLs. */
  endpoints: string[];
  requestTimeoutMs: number;
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
    return decodeRangeResponse(await this.call('/etcdserverpb.KV/Range', encodeRangeRequest(r), false));
  }

  async txn(compare: Compare[], success: RequestOp[], failure: RequestOp[]): Promise<TxnResponse> {
    return decodeTxnResponse(await this.call('/etcdserverpb.KV/Txn', encodeTxnRequest(compare, success, failure), true));
  }

  async compact(revision: number): Promise<void> {
    // Repeating a compaction is harmless (etcd says the revision is compacted already).
    await this.call('/etcdserverpb.KV/Compact', encodeCompactionRequest(revision), false);
  }

  /**
   * One call. If the member gave no answer at all and repeating the call is safe, it goes at once
   * to another member that answers; a write whose outcome is unknown is not repeated (mayRetry).
   * etcd's own answers (no leader yet, too many requests) are left to the caller's retry with back-off.
   */
  private async call(path: string, message: Buffer, write: boolean): Promise<Buffer> {
    const tried = new Set<EtcdMember>();
    for (let member = this.members.pick(); ;) {
      tried.add(member);
      try {
        return await this.members.send(member, path, message);
      } catch (err) {
        // Whatever failed, unless etcd refused the request itself, the leader may have moved.
        if (!(err instanceof EtcdError && err.aboutRequest)) this.members.forgetLeader(member);
        const other = !(err instanceof EtcdError) && mayRetry(err, write) ? this.members.pickOther(tried) : undefined;
        if (!other) throw err;
        member = other;
      }
    }
  }
}
