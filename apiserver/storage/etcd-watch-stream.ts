// One etcd watch that outlives its connection: its own gRPC stream (Watch over node:http2, see
// etcd-grpc.ts; so no other watch shares its fate or its ordering), resumed from the revision after the last one it has passed on whenever the
// stream breaks (a member killed, a connection reset), on whichever member answers.
//
// The member is chosen here (EtcdMembers), as a client that picks at random would keep picking a
// member that does not answer. A stream on a member that stops answering gets no error
// at all (nothing comes back to time out: gRPC's keepalive takes 15 s to notice), so it moves as soon
// as EtcdMembers finds the member unreachable. That matters most for the feed: a write is
// acknowledged only once the feed has delivered it.
//
// The resume point moves only with events delivered or with a progress notification (which etcd
// sends only once a watcher has caught up), never to a response's header revision: etcd sets that to
// the store's current revision even on the "created" response and on catch-up batches with more
// history to come (the etcd3 package's Watcher resumes from it, and so could skip events).
import type { Logger } from '../../shared/log.ts';
import type { GrpcStream } from './etcd-grpc.ts';
import type { EtcdMember, EtcdMembers } from './etcd-members.ts';
import { decodeWatchResponse, encodeWatchCreateRequest, type WatchEvent, type WatchResponse } from './etcd-proto.ts';

export interface WatchStreamHandlers {
  /** The events of one response, in revision order. */
  onEvents(events: WatchEvent[]): void;
  /** Every event up to `revision` has been delivered. */
  onProgress?(revision: number): void;
  /** The start revision is older than etcd's compacted revision: the watch is over. */
  onCompacted(compactRevision: number): void;
}

export interface WatchRange {
  key: Buffer;
  rangeEnd: Buffer;
}

const MIN_BACKOFF_MS = 20;
const MAX_BACKOFF_MS = 1000;

export class EtcdWatchStream {
  /** Resolves with etcd's current revision once the watch is first established. */
  readonly created: Promise<number>;
  private resolveCreated!: (revision: number) => void;
  private stream?: GrpcStream;
  /** The member `stream` is on. */
  private member?: EtcdMember;
  private readonly unsubscribe: () => void;
  private nextRevision: number;
  private stopped = false;
  private backoffMs = MIN_BACKOFF_MS;
  private retryTimer?: NodeJS.Timeout;

  constructor(
    private readonly members: EtcdMembers,
    private readonly range: WatchRange,
    startRevision: number,
    private readonly handlers: WatchStreamHandlers,
    private readonly logger: Pick<Logger, 'warn' | 'error'>,
  ) {
    this.nextRevision = startRevision;
    this.created = new Promise((resolve) => (this.resolveCreated = resolve));
    this.unsubscribe = members.onUnreachable((member) => {
      if (this.stream && member === this.member) this.broken(new Error(`etcd member ${member.url} stopped answering`));
    });
    void this.connect();
  }

  /** The first revision a resumed stream would ask for. */
  get resumeRevision(): number {
    return this.nextRevision;
  }

  cancel(): void {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.unsubscribe();
    this.close();
  }

  private close(): void {
    const stream = this.stream;
    this.stream = undefined;
    stream?.cancel();
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const member = this.members.pickForWatch();
    let stream: GrpcStream | undefined;
    try {
      stream = await this.members.watchConnection(member).openStream('/etcdserverpb.Watch/Watch', {
        onMessage: (message) => {
          if (this.stream === stream) this.onResponse(decodeWatchResponse(message));
        },
        onEnd: (err) => {
          if (this.stream === stream) this.broken(err);
        },
      });
    } catch (err) {
      this.broken(err);
      return;
    }
    if (this.stopped) {
      stream.cancel();
      return;
    }
    this.stream = stream;
    this.member = member;
    stream.write(encodeWatchCreateRequest({
      key: this.range.key,
      rangeEnd: this.range.rangeEnd,
      startRevision: this.nextRevision,
      prevKv: true,
      progressNotify: true,
    }));
  }

  private onResponse(res: WatchResponse): void {
    const compactRevision = res.compactRevision;
    if (compactRevision > 0) {
      this.stopped = true;
      this.unsubscribe();
      this.close();
      this.handlers.onCompacted(compactRevision);
      return;
    }
    if (res.canceled) {
      this.broken(new Error(`watch canceled by etcd: ${res.cancelReason || 'no reason given'}`));
      return;
    }
    if (res.created) {
      this.backoffMs = MIN_BACKOFF_MS;
      this.resolveCreated(res.revision);
      return;
    }
    this.backoffMs = MIN_BACKOFF_MS;
    if (res.events.length > 0) {
      this.nextRevision = res.events[res.events.length - 1].kv.modRevision + 1;
      this.handlers.onEvents(res.events);
      return;
    }
    // No events: a progress notification, sent only to a watcher that has caught up.
    const revision = res.revision;
    if (revision >= this.nextRevision) this.nextRevision = revision + 1;
    this.handlers.onProgress?.(revision);
  }

  private broken(err: unknown): void {
    this.close();
    if (this.stopped) return;
    this.logger.warn({ err: String((err as Error)?.message ?? err), resumeRevision: this.nextRevision }, 'etcd watch stream broken; resuming');
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.connect(), this.backoffMs);
    this.backoffMs = Math.min(this.backoffMs * 2, MAX_BACKOFF_MS);
  }
}
