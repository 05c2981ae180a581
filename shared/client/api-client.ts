// The HTTP client every component uses to reach the API server (undici, keep-alive). It retries what
// is safe to retry: connection errors and 5xx with exponential back-off, 429 after its Retry-After,
// and it fails over between several API server addresses. Errors from the server come back as
// StatusError values carrying the server's Status.
import { Pool, type Dispatcher } from 'undici';
import { StatusError, type Status, type StatusReason } from '../errors.ts';

export interface ApiClientOptions {
  /** One or more API server base URLs; requests go to the first that answers. */
  servers: string[];
  /** Who we are, for the server's logs (kube's User-Agent convention: component/version). */
  userAgent?: string;
  /** Attempts for a request that keeps failing with a retryable error (default 8, about 10 s). */
  maxAttempts?: number;
  connectionsPerServer?: number;
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  signal?: AbortSignal;
  /** Do not retry (e.g. a watch, whose caller re-establishes it itself). */
  noRetry?: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const isNotFound = (e: unknown) => e instanceof StatusError && e.code === 404;
export const isConflict = (e: unknown) => e instanceof StatusError && e.code === 409 && e.reason === 'Conflict';
export const isAlreadyExists = (e: unknown) => e instanceof StatusError && e.reason === 'AlreadyExists';

export function queryString(query: RequestOptions['query']): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') params.set(k, String(v));
  const s = params.toString();
  return s ? `?${s}` : '';
}

export class ApiClient {
  private readonly pools: Pool[];
  private current = 0;
  private readonly maxAttempts: number;
  private readonly userAgent: string;

  constructor(readonly options: ApiClientOptions) {
    if (options.servers.length === 0) throw new Error('ApiClient needs at least one server');
    this.pools = options.servers.map((s) => new Pool(s, { connections: options.connectionsPerServer ?? 16, pipelining: 1, keepAliveTimeout: 30_000 }));
    this.maxAttempts = options.maxAttempts ?? 8;
    this.userAgent = options.userAgent ?? 'k8ts';
  }

  get server(): string {
    return this.options.servers[this.current];
  }

  /** Closes every connection, ending open watches too (a graceful close would wait for them forever). */
  async close(): Promise<void> {
    await Promise.all(this.pools.map((p) => p.destroy().catch(() => undefined)));
  }

  /** One raw exchange with failover and retries; resolves with the response whatever its status. */
  private async send(method: string, path: string, options: RequestOptions): Promise<Dispatcher.ResponseData> {
    const body = options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': this.userAgent };
    if (body !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
    let lastError: unknown;
    const attempts = options.noRetry ? 1 : this.maxAttempts;
    for (let attempt = 0; attempt < attempts; attempt++) {
      const pool = this.pools[this.current];
      try {
        const res = await pool.request({ method: method as Dispatcher.HttpMethod, path: path + queryString(options.query), headers, body, signal: options.signal });
        const retryable = res.statusCode === 429 || (res.statusCode >= 500 && res.statusCode !== 501);
        if (!retryable || attempt === attempts - 1 || options.noRetry) return res;
        const retryAfter = Number(res.headers['retry-after']);
        await res.body.dump();
        await sleep(res.statusCode === 429 && retryAfter > 0 ? retryAfter * 1000 : backoff(attempt));
      } catch (err) {
        if (options.signal?.aborted) throw err;
        lastError = err;
        // The server is unreachable: try the next address, then back off.
        this.current = (this.current + 1) % this.pools.length;
        if (attempt < attempts - 1) await sleep(backoff(attempt));
      }
    }
    throw lastError instanceof Error ? lastError : new Error(String(lastError));
  }

  /** JSON in, JSON out; a non-2xx answer throws StatusError with the server's Status. */
  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const res = await this.send(method, path, options);
    const text = await res.body.text();
    if (res.statusCode >= 200 && res.statusCode < 300) return (text ? JSON.parse(text) : undefined) as T;
    throw statusErrorOf(res.statusCode, text);
  }

  /** A streaming GET (watch): the caller reads the body; non-2xx throws StatusError. */
  async stream(path: string, options: RequestOptions = {}): Promise<Dispatcher.ResponseData['body']> {
    const res = await this.send('GET', path, { ...options, noRetry: true });
    if (res.statusCode >= 200 && res.statusCode < 300) return res.body;
    throw statusErrorOf(res.statusCode, await res.body.text());
  }
}

function backoff(attempt: number): number {
  const base = Math.min(100 * 2 ** attempt, 5000);
  return base / 2 + Math.random() * (base / 2);
}

function statusErrorOf(code: number, text: string): StatusError {
  try {
    const status = JSON.parse(text) as Status;
    if (status.kind === 'Status') return new StatusError(status.code || code, (status.reason || 'InternalError') as StatusReason, status.message, status.details);
  } catch { /* not a Status */ }
  return new StatusError(code, code === 404 ? 'NotFound' : 'InternalError', text.slice(0, 500) || `HTTP ${code}`);
}
