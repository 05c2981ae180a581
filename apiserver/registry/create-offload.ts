// Creates prepared on a worker thread. Decoding, defaulting, validating and encoding a create's body is
// about half of what a create costs the API server's one JavaScript thread (zod validation alone is a
// quarter); kube-apiserver spreads requests over every core, and this is how a Node process does it.
// The request thread keeps HTTP, admission against the live namespace cache and the write itself.
//
// Work goes to the worker unless its queue is long (or it is still starting); then the request thread
// prepares the create itself, so a worker that falls behind or is not there never delays a create.
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { ResourceType } from '../../shared/api/resource-type.ts';
import { fromStatus, internal, type Status } from '../../shared/errors.ts';
import type { CreateOffload, FieldValidation, PreparedCreate, WriteOptions } from './generic-store.ts';
import type { RegistryOptions } from './index.ts';

export interface CreateRequest {
  id: number;
  /** group/version/plural */
  resource: string;
  namespace: string;
  json: string;
  fieldValidation?: FieldValidation;
}

export type CreateResponse =
  | ({ id: number; ok: true } & PreparedCreate)
  | { id: number; ok: false; status: Status };

/**
 * How many creates may wait for the worker before the request thread prepares them itself. Large: the
 * request thread (HTTP, admission, storage, watch fan-out) is the busier one, so it should only step in
 * when the worker has fallen well behind (measured: a queue of 16 shared work and ran ~25% slower than 64).
 */
const DEFAULT_MAX_QUEUED = 128;

export class CreateWorker implements CreateOffload {
  private worker?: Worker;
  private ready = false;
  private nextId = 0;
  private readonly waiting = new Map<number, { resolve(p: PreparedCreate): void; reject(e: Error): void }>();
  /** Creates the worker has answered (prepared or refused), for /metrics. */
  answered = 0;

  constructor(
    private readonly options: RegistryOptions,
    private readonly logger?: Logger,
    private readonly maxQueued = DEFAULT_MAX_QUEUED,
  ) {}

  start(): void {
    // The strategies' settings are plain values (tolerations, ranges); the logger, backend and the like
    // stay here (they cannot cross threads, and preparing a create needs none of them).
    const settings = Object.fromEntries(Object.entries(this.options).filter(([, v]) => ['string', 'number', 'boolean'].includes(typeof v)));
    // A worker thread does not inherit --import tsx's loader (Node 20): it registers tsx itself, then loads
    // the same TypeScript the request thread runs.
    const entry = new URL('./create-worker.ts', import.meta.url).href;
    const bootstrap = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(entry)}); })`;
    const worker = new Worker(bootstrap, { eval: true, workerData: settings });
    this.worker = worker;
    worker.on('message', (m: CreateResponse | { ready: true }) => {
      if ('ready' in m) {
        this.ready = true;
        return;
      }
      const waiter = this.waiting.get(m.id);
      this.waiting.delete(m.id);
      this.answered++;
      if (!waiter) return;
      if (m.ok) waiter.resolve(m);
      else waiter.reject(fromStatus(m.status));
    });
    worker.on('error', (err) => this.logger?.error({ err: err.message }, 'create worker failed; creates are prepared on the request thread'));
    worker.on('exit', () => {
      this.ready = false;
      this.worker = undefined;
      for (const waiter of this.waiting.values()) waiter.reject(internal('the create worker stopped'));
      this.waiting.clear();
    });
    // Never the reason the process stays alive.
    worker.unref();
  }

  async stop(): Promise<void> {
    await this.worker?.terminate();
  }

  get isReady(): boolean {
    return this.ready;
  }

  available(): boolean {
    return this.ready && this.waiting.size < this.maxQueued;
  }

  prepareCreate(type: ResourceType, namespace: string, json: string, options: WriteOptions): Promise<PreparedCreate> {
    const id = ++this.nextId;
    const request: CreateRequest = { id, resource: `${type.group}/${type.version}/${type.plural}`, namespace, json, fieldValidation: options.fieldValidation };
    return new Promise<PreparedCreate>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker!.postMessage(request);
    });
  }
}
