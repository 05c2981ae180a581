// Which etcd members answer, and which one leads: what kube's etcd client (clientv3) keeps in its
// balancer, so that one member that stops answering costs a second or two, not a request timeout per
// call.
//
// Why this is needed: a dead member does not always refuse. A stopped container's address drops
// packets, a frozen process still has the kernel accept connections: requests to it simply hang
// until the call's timeouts (3 s to connect, 10 s for an answer), and anything that asks every member
// and waits for all answers (finding the leader) or goes round them (requests while no leader is
// known) keeps hanging on it. So:
//  - A member that has answered nothing for a short while is probed (a Status call, which etcd
//    answers without raft, so it is quick even mid-election); one that does not answer that in time
//    is unreachable: requests stop going to it, what was in flight there fails now (its connection
//    is reset: a write there has an unknown outcome either way, and a read is sent elsewhere), the
//    watches on it move (onUnreachable), and it is probed again with back-off until it answers.
//  - Any other answer a member gives meanwhile proves it alive, so a member slow only because we keep
//    it busy is not shut out.
//  - The leader is whichever member the first useful Status answer names (a member's own report, or
//    a follower's naming a member that answers), not the result of waiting for every member.
//  - Requests prefer the leader (a follower only forwards a write or a read's ReadIndex to it, and
//    that hop cost 10-30% of the throughput here), else any member that answers, in turn; if none is
//    known to answer, every member is tried rather than none.
//  - Except while the members still name as leader one that does not answer (the followers have not
//    noticed yet: until their election timeout). A follower forwards a proposal to that leader, where
//    it is lost, and etcd fails it only after its request timeout (5 s + two election timeouts), so
//    no call is sent then (pick() says so: EtcdNoLeaderError, which is safe to retry) until one names
//    a new leader, as it does once elected. clientv3 sends anyway and waits out those seconds.
import type { Logger } from '../../shared/log.ts';
import { EtcdError, GrpcConnection } from './etcd-grpc.ts';
import { decodeStatusResponse, encodeStatusRequest, type StatusResponse } from './etcd-proto.ts';

export { EtcdError };

/** A call was in flight to a member found not to answer: whether etcd got it is unknown. */
export class EtcdMemberUnreachableError extends Error {
  readonly code = 'ETCD_MEMBER_UNREACHABLE';
  constructor(url: string) {
    super(`etcd member ${url} stopped answering`);
    this.name = 'EtcdMemberUnreachableError';
  }
}

/** No call was sent: the leader the members name does not answer, and a follower would forward to it. */
export class EtcdNoLeaderError extends Error {
  readonly code = 'ETCD_NO_LEADER';
  constructor(leaderUrl: string) {
    super(`the etcd leader ${leaderUrl} stopped answering and no new one is known yet`);
    this.name = 'EtcdNoLeaderError';
  }
}

export interface EtcdMember {
  readonly url: string;
  /** etcd's member id (decimal), once the member has answered a Status call. */
  id?: string;
  /** Whether it answered lately (or has not yet been found not to). */
  reachable: boolean;
}

interface Member extends EtcdMember {
  /** For calls; reset (what is in flight fails) when the member is found unreachable. */
  connection: GrpcConnection;
  /** For Status probes alone, so that a probe never waits behind our own calls on a clogged connection. */
  probeConnection: GrpcConnection;
  /** For watch streams, apart from calls; reset with it. */
  watchConnection: GrpcConnection;
  lastAnswerAt: number;
  probing?: Promise<void>;
  /** A call to it just got no answer: until its probe says, treat it as possibly gone. */
  suspect: boolean;
  nextProbeAt: number;
  backoffMs: number;
}

export interface EtcdMembersOptions {
  /** The members' client URLs. */
  endpoints: string[];
  requestTimeoutMs: number;
  logger?: Pick<Logger, 'info' | 'warn'>;
}

const TICK_MS = 250;
/** A member that answered nothing for this long is probed. */
const QUIET_MS = 500;
/** A member that does not answer a probe in this long (and nothing else meanwhile) is unreachable. */
const PROBE_TIMEOUT_MS = 1000;
/** An unreachable member is probed again after this, doubling up to the maximum. */
const MIN_BACKOFF_MS = 250;
const MAX_BACKOFF_MS = 4000;
/** Leadership can also move between members that all answer: ask again now and then. */
const LEADER_RECHECK_MS = 5000;

export class EtcdMembers {
  private readonly all: Member[];
  /** The leader, while known and answering. */
  private leader?: Member;
  /** The member last named as leader (whether it answers or not). */
  private named?: Member;
  private next = 0;
  private finding?: Promise<void>;
  private leaderCheckedAt = 0;
  private readonly listeners = new Set<(member: EtcdMember) => void>();
  private readonly ticker: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly options: EtcdMembersOptions) {
    this.all = options.endpoints.map((url) => ({
      url,
      reachable: true,
      connection: new GrpcConnection(url, Math.min(options.requestTimeoutMs, 3000)),
      probeConnection: new GrpcConnection(url, PROBE_TIMEOUT_MS),
      watchConnection: new GrpcConnection(url, Math.min(options.requestTimeoutMs, 3000)),
      lastAnswerAt: Date.now(),
      suspect: false,
      nextProbeAt: 0,
      backoffMs: MIN_BACKOFF_MS,
    }));
    this.ticker = setInterval(() => this.tick(), TICK_MS);
    this.ticker.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.ticker);
    await Promise.all(this.all.map((m) => m.probing));
    await this.finding;
    await Promise.all(this.all.flatMap((m) => [m.connection.close(), m.probeConnection.close(), m.watchConnection.close()]).map((p) => p.catch(() => undefined)));
  }

  /**
   * The member to send a call to: the leader if known, else the next member that answers (any member
   * if none is known to). Throws EtcdNoLeaderError while the leader named is one that does not answer.
   */
  pick(): EtcdMember {
    if (this.leader?.reachable) return this.leader;
    const gone = this.leaderGone();
    if (gone) {
      void this.findLeader();
      throw new EtcdNoLeaderError(gone.url);
    }
    const answering = this.all.filter((m) => m.reachable);
    // When none is known to answer, try them all rather than none (probes may be behind).
    const from = answering.length > 0 ? answering : this.all;
    return from[this.next++ % from.length];
  }

  /** Another member that answers, for a call that got no answer from those in `tried`; undefined if none is left. */
  pickOther(tried: ReadonlySet<EtcdMember>): EtcdMember | undefined {
    if (this.leaderGone()) return undefined;
    const answering = this.all.filter((m) => m.reachable && !tried.has(m));
    return answering.length > 0 ? answering[this.next++ % answering.length] : undefined;
  }

  /** The member named as leader if it does not answer, or may not (a call to it just failed and its probe has not said yet). */
  private leaderGone(): Member | undefined {
    const named = this.named;
    return named && (!named.reachable || named.suspect) ? named : undefined;
  }

  /** A member for a new watch stream: any that answers, in turn, so that watches spread. */
  pickForWatch(): EtcdMember {
    const answering = this.all.filter((m) => m.reachable);
    const from = answering.length > 0 ? answering : this.all;
    return from[this.next++ % from.length];
  }

  /** The connection for watch streams on `member`. */
  watchConnection(member: EtcdMember): GrpcConnection {
    return (member as Member).watchConnection;
  }

  /** Calls `listener` with each member found unreachable (its watches should move); returns the unsubscribe. */
  onUnreachable(listener: (member: EtcdMember) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** One unary gRPC call (`path`: /etcdserverpb.KV/Txn ...) to one member: the encoded answer. */
  async send(member: EtcdMember, path: string, message: Buffer): Promise<Buffer> {
    const m = member as Member;
    try {
      return await this.request(m, m.connection, path, message);
    } catch (err) {
      // No answer at all: find out now whether the member is gone rather than at the next quiet spell.
      if (!(err instanceof EtcdError) && m.reachable && !this.closed) {
        m.suspect = true;
        void this.probe(m);
      }
      throw err;
    }
  }

  /** The leader may have moved (a call to it failed): forget it and look for it again. */
  forgetLeader(member: EtcdMember): void {
    if (this.leader !== member) return;
    this.leader = undefined;
    void this.findLeader();
  }

  /** Ask the members that answer who leads; resolves at the first answer that says, or once all have answered or timed out. */
  findLeader(): Promise<void> {
    this.finding ??= new Promise<void>((resolve) => {
      this.leaderCheckedAt = Date.now();
      const asked = this.all.filter((m) => m.reachable);
      if (asked.length === 0) return resolve();
      let left = asked.length;
      for (const m of asked) {
        void this.probe(m).then(() => {
          if (this.leader || --left === 0) resolve();
        });
      }
    }).finally(() => (this.finding = undefined));
    return this.finding;
  }

  private async request(m: Member, connection: GrpcConnection, path: string, message: Buffer, signal?: AbortSignal): Promise<Buffer> {
    try {
      const answer = await connection.call(path, message, { timeoutMs: this.options.requestTimeoutMs, signal });
      this.answered(m);
      return answer;
    } catch (err) {
      if (err instanceof EtcdError) this.answered(m); // an answer, even if a refusal
      throw err;
    }
  }

  private tick(): void {
    const now = Date.now();
    for (const m of this.all) {
      if (m.probing) continue;
      if (m.reachable ? now - m.lastAnswerAt >= QUIET_MS : now >= m.nextProbeAt) void this.probe(m);
    }
    if (now - this.leaderCheckedAt >= LEADER_RECHECK_MS) void this.findLeader();
  }

  /** A Status call with a short timeout: learns the member's id and whom it follows, or that it does not answer. */
  private probe(m: Member): Promise<void> {
    m.probing ??= (async () => {
      const started = Date.now();
      const abort = new AbortController();
      const timer = setTimeout(() => abort.abort(), PROBE_TIMEOUT_MS);
      try {
        const answer = await this.request(m, m.probeConnection, '/etcdserverpb.Maintenance/Status', encodeStatusRequest(), abort.signal);
        this.noteStatus(m, decodeStatusResponse(answer));
      } catch {
        // Any answer (an error from etcd too, or to another call meanwhile) proves it alive.
        if (m.lastAnswerAt < started && !this.closed) this.unreachable(m);
      } finally {
        clearTimeout(timer);
        m.suspect = false;
        m.probing = undefined;
      }
    })();
    return m.probing;
  }

  private noteStatus(m: Member, status: StatusResponse): void {
    if (status.memberId !== '0') m.id = status.memberId;
    // '0': this member is mid-election and names nobody. That must not clear a leader the others
    // still name: if that one stopped answering, a member still following it would forward a write
    // into the void (see pick()), so what they said stands until some member names a leader.
    if (status.leader === '0') return;
    // A follower may still name a leader that has just stopped answering: not one to send to.
    const leader = this.all.find((x) => x.id === status.leader);
    this.named = leader;
    if (leader?.reachable) this.leader = leader;
  }

  private answered(m: Member): void {
    m.lastAnswerAt = Date.now();
    if (m.reachable) return;
    m.reachable = true;
    m.backoffMs = MIN_BACKOFF_MS;
    this.options.logger?.info({ member: m.url }, 'etcd member answers again');
  }

  private unreachable(m: Member): void {
    if (!m.reachable) {
      m.backoffMs = Math.min(m.backoffMs * 2, MAX_BACKOFF_MS);
      m.nextProbeAt = Date.now() + m.backoffMs;
      return;
    }
    m.reachable = false;
    m.backoffMs = MIN_BACKOFF_MS;
    m.nextProbeAt = Date.now() + m.backoffMs;
    this.options.logger?.warn({ member: m.url }, 'etcd member stopped answering; using the others until it answers again');
    // Fail what is in flight there now rather than at its timeout, and start afresh with new
    // connections once it is back (the old ones may lead nowhere, as after a container restart).
    m.connection.reset(new EtcdMemberUnreachableError(m.url));
    m.watchConnection.reset(new EtcdMemberUnreachableError(m.url));
    for (const listener of this.listeners) listener(m);
    if (this.leader === m) this.forgetLeader(m);
  }
}
