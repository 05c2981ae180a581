// The reflector (client-go tools/cache/reflector.go): list, then watch from the list's revision; on a
// broken stream or a timeout re-watch from the last revision seen (bookmarks keep it fresh), and on
// 410 Expired list again. So the cache it feeds never loses or doubles an event.
import { StatusError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { ResourceClient } from '../client/resource-client.ts';
import type { Meta } from './indexer.ts';

export interface ReflectorSink<T> {
  /** The full state after a (re)list, at `resourceVersion`. */
  replace(items: T[], resourceVersion: string): void;
  upsert(obj: T): void;
  remove(obj: T): void;
}

export interface ReflectorOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  logger?: Logger;
  /** Each watch asks the server to end it after a random time in [min, 2*min) seconds (client-go: 5 min). */
  minWatchTimeoutSeconds?: number;
}

const sleep = (ms: number, signal: AbortSignal) => new Promise<void>((resolve) => {
  const t = setTimeout(resolve, ms);
  signal.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
});

export class Reflector<T extends Meta & { metadata?: { resourceVersion?: string } }> {
  /** The newest revision this reflector has seen (what a re-watch resumes from). */
  lastResourceVersion = '';

  constructor(
    private readonly resource: ResourceClient<T>,
    private readonly sink: ReflectorSink<T>,
    private readonly options: ReflectorOptions = {},
  ) {}

  async run(signal: AbortSignal): Promise<void> {
    let failures = 0;
    let needList = true;
    while (!signal.aborted) {
      try {
        if (needList) {
          const { namespace = '', labelSelector, fieldSelector } = this.options;
          const list = await this.resource.listAll(namespace, { labelSelector, fieldSelector });
          this.lastResourceVersion = list.metadata.resourceVersion ?? '';
          this.sink.replace(list.items, this.lastResourceVersion);
          needList = false;
        }
        needList = await this.watch(signal);
        failures = 0;
      } catch (err) {
        if (signal.aborted) return;
        if (err instanceof StatusError && err.code === 410) needList = true;
        failures++;
        this.options.logger?.warn({ err: (err as Error).message, resource: this.resource.type.plural, failures }, 'list/watch failed; retrying');
        await sleep(Math.min(100 * 2 ** Math.min(failures, 6), 5000) * (0.5 + Math.random() / 2), signal);
      }
    }
  }

  /** Returns true when the cache must be relisted (410), false when a re-watch from the last revision is enough. */
  private async watch(signal: AbortSignal): Promise<boolean> {
    const { namespace = '', labelSelector, fieldSelector, minWatchTimeoutSeconds = 300 } = this.options;
    const timeoutSeconds = Math.floor(minWatchTimeoutSeconds * (1 + Math.random()));
    const controller = new AbortController();
    const onAbort = () => controller.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      const events = await this.resource.watch(namespace, {
        resourceVersion: this.lastResourceVersion, allowWatchBookmarks: true, timeoutSeconds, labelSelector, fieldSelector, signal: controller.signal,
      });
      for await (const event of events) {
        if (event.type === 'ERROR') {
          if (event.object.code === 410) return true;
          throw new StatusError(event.object.code, event.object.reason || 'InternalError', event.object.message);
        }
        const rv = event.object.metadata?.resourceVersion;
        if (event.type === 'ADDED' || event.type === 'MODIFIED') this.sink.upsert(event.object);
        else if (event.type === 'DELETED') this.sink.remove(event.object);
        if (rv) this.lastResourceVersion = rv;
      }
      return false;
    } finally {
      signal.removeEventListener('abort', onAbort);
      controller.abort();
    }
  }
}
