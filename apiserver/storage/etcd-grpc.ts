// Unary gRPC calls to one etcd member over one HTTP/2 connection (node:http2), as etcd's own Go
// client makes them: POST /<service>/<method>, a length-prefixed protobuf message each way, the status
// in the trailers.
//
// Why not etcd's JSON gateway or @grpc/grpc-js: measured on loopback with pod-sized create
// transactions, the gateway costs the etcd leader ~370 µs of CPU per call against ~130 µs for gRPC
// (it decodes the JSON, then makes an in-process gRPC call to itself), and grpc-js costs the caller
// ~220-280 µs per call against ~90-120 µs for this. On a machine where etcd and the API server share
// the cores, both are throughput.
//
// Errors: an answer from etcd with a non-OK status is an EtcdError (the gRPC status and etcd's
// message); a connection that could not be made is an error with the socket's code (ECONNREFUSED)
// or CONNECT_TIMEOUT, so the caller knows the call was never sent; one that broke or timed out
// mid-call is an error whose outcome is unknown (ETCD_CALL_LOST, DEADLINE_EXCEEDED).
import { connect, constants, type ClientHttp2Session, type ClientHttp2Stream, type IncomingHttpHeaders } from 'node:http2';

/** gRPC status codes (google.golang.org/grpc/codes) this code names. */
export const GrpcStatus = { OK: 0, CANCELLED: 1, DEADLINE_EXCEEDED: 4, UNAVAILABLE: 14 } as const;

/** An error etcd answered with (as opposed to one reaching it). */
export class EtcdError extends Error {
  constructor(message: string, readonly grpcStatus: number) {
    super(message);
    this.name = 'EtcdError';
  }

  /**
   * Whether the member said something about the request itself (bad argument, compacted revision,
   * too large, too many requests) rather than about its own state (no leader, shutting down, internal).
   * Only the latter suggests sending elsewhere.
   */
  get aboutRequest(): boolean {
    // INVALID_ARGUMENT, NOT_FOUND, ALREADY_EXISTS, PERMISSION_DENIED, RESOURCE_EXHAUSTED,
    // FAILED_PRECONDITION, ABORTED, OUT_OF_RANGE, UNAUTHENTICATED
    return [3, 5, 6, 7, 8, 9, 10, 11, 16].includes(this.grpcStatus);
  }
}

/** A transport failure, with a code the retry rules (etcd-codec.ts mayRetry) read. */
export class GrpcTransportError extends Error {
  constructor(message: string, readonly code: string) {
    super(message);
    this.name = 'GrpcTransportError';
  }
}

export interface GrpcCallOptions {
  timeoutMs: number;
  signal?: AbortSignal;
}

interface PendingCall {
  stream: ClientHttp2Stream;
  fail(err: Error): void;
}

/** Large lists come back as one message: let the peer send without waiting for window updates. */
const WINDOW_BYTES = 16 * 1024 * 1024;

export class GrpcConnection {
  private session?: ClientHttp2Session;
  private connecting?: Promise<ClientHttp2Session>;
  private readonly pending = new Set<PendingCall>();
  private closed = false;

  constructor(readonly url: string, private readonly connectTimeoutMs: number) {}

  /** One unary call: `message` in, the answer's message out. */
  async call(path: string, message: Buffer, options: GrpcCallOptions): Promise<Buffer> {
    const session = await this.connected();
    return new Promise<Buffer>((resolve, reject) => {
      const stream = session.request({
        [constants.HTTP2_HEADER_METHOD]: 'POST',
        [constants.HTTP2_HEADER_PATH]: path,
        [constants.HTTP2_HEADER_CONTENT_TYPE]: 'application/grpc',
        te: 'trailers',
        'grpc-timeout': `${Math.max(1, Math.ceil(options.timeoutMs))}m`,
      });
      const chunks: Buffer[] = [];
      let status: number | undefined;
      let statusMessage = '';
      let settled = false;
      const call: PendingCall = { stream, fail: (err) => finish(err) };
      const finish = (err?: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        this.pending.delete(call);
        if (err) {
          if (!stream.closed) stream.close(constants.NGHTTP2_CANCEL);
          return reject(err);
        }
        if (status === undefined) return reject(new GrpcTransportError(`etcd ${this.url}${path}: the answer ended without a gRPC status`, 'ETCD_CALL_LOST'));
        if (status !== GrpcStatus.OK) return reject(new EtcdError(statusMessage || `gRPC status ${status}`, status));
        try {
          resolve(unframe(Buffer.concat(chunks)));
        } catch (e) {
          reject(e as Error);
        }
      };
      const noteStatus = (headers: IncomingHttpHeaders) => {
        const code = headers['grpc-status'];
        if (code === undefined) return;
        status = Number(code);
        statusMessage = decodeStatusMessage(headers['grpc-message']);
      };
      const onAbort = () => finish(new GrpcTransportError(`etcd ${this.url}${path}: aborted`, 'ETCD_CALL_LOST'));
      const timer = setTimeout(() => finish(new GrpcTransportError(`etcd ${this.url}${path}: no answer in ${options.timeoutMs} ms`, 'DEADLINE_EXCEEDED')), options.timeoutMs);
      options.signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.add(call);
      stream.on('response', (headers) => {
        const httpStatus = Number(headers[constants.HTTP2_HEADER_STATUS]);
        if (httpStatus !== 200) finish(new EtcdError(`etcd ${this.url}${path}: HTTP ${httpStatus}`, GrpcStatus.UNAVAILABLE));
        else noteStatus(headers); // a trailers-only answer (an error) has its status here
      });
      stream.on('trailers', noteStatus);
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => finish());
      stream.on('error', (err) => finish(new GrpcTransportError(`etcd ${this.url}${path}: ${err.message}`, 'ETCD_CALL_LOST')));
      // A stream reset without an error event (the session went away): whatever came is all there is.
      stream.on('close', () => finish(status === undefined ? new GrpcTransportError(`etcd ${this.url}${path}: stream closed (${stream.rstCode})`, 'ETCD_CALL_LOST') : undefined));
      stream.end(frame(message));
    });
  }

  /** Fails every call in flight with `err` and drops the connection; the next call connects afresh. */
  reset(err: Error): void {
    for (const call of [...this.pending]) call.fail(err);
    this.dropSession();
  }

  /** Closes the connection once the calls in flight have ended. */
  async close(): Promise<void> {
    this.closed = true;
    const session = this.session ?? (await this.connecting?.catch(() => undefined));
    if (!session || session.destroyed) return;
    await new Promise<void>((resolve) => session.close(() => resolve()));
  }

  private connected(): Promise<ClientHttp2Session> {
    if (this.closed) return Promise.reject(new GrpcTransportError(`etcd ${this.url}: connection closed`, 'ECONNREFUSED'));
    if (this.session && !this.session.closed && !this.session.destroyed) return Promise.resolve(this.session);
    this.connecting ??= new Promise<ClientHttp2Session>((resolve, reject) => {
      const session = connect(this.url, { settings: { initialWindowSize: WINDOW_BYTES } });
      const timer = setTimeout(() => {
        session.destroy();
        reject(new GrpcTransportError(`etcd ${this.url}: no connection in ${this.connectTimeoutMs} ms`, 'CONNECT_TIMEOUT'));
      }, this.connectTimeoutMs);
      session.once('connect', () => {
        clearTimeout(timer);
        session.setLocalWindowSize(WINDOW_BYTES);
        this.session = session;
        resolve(session);
      });
      session.on('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        // Before 'connect', the socket's own error (ECONNREFUSED ...): nothing was sent.
        reject(new GrpcTransportError(`etcd ${this.url}: ${err.message}`, err.code ?? 'ECONNREFUSED'));
      });
      session.on('close', () => {
        if (this.session === session) this.session = undefined;
      });
      // etcd going away (GOAWAY): new calls take a new connection; those in flight finish or fail on their own.
      session.on('goaway', () => {
        if (this.session === session) this.session = undefined;
      });
      session.unref();
    }).finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private dropSession(): void {
    const session = this.session;
    this.session = undefined;
    session?.destroy();
  }
}

/** A gRPC length-prefixed message: a compressed flag (0), the length (big-endian), the bytes. */
function frame(message: Buffer): Buffer {
  const out = Buffer.allocUnsafe(5 + message.length);
  out[0] = 0;
  out.writeUInt32BE(message.length, 1);
  message.copy(out, 5);
  return out;
}

/** The one message of a unary answer. */
function unframe(body: Buffer): Buffer {
  if (body.length < 5) throw new GrpcTransportError(`etcd answer of ${body.length} bytes: no gRPC message`, 'ETCD_CALL_LOST');
  if (body[0] !== 0) throw new GrpcTransportError('etcd answered with a compressed message, which was not asked for', 'ETCD_CALL_LOST');
  const length = body.readUInt32BE(1);
  if (body.length < 5 + length) throw new GrpcTransportError(`etcd answer cut short: ${body.length - 5} of ${length} bytes`, 'ETCD_CALL_LOST');
  return body.subarray(5, 5 + length);
}

/** grpc-message is percent-encoded (gRPC over HTTP/2 spec). */
function decodeStatusMessage(value: string | string[] | undefined): string {
  const text = Array.isArray(value) ? value.join(',') : value ?? '';
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
