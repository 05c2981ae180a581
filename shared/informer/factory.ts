// One informer per resource (and selector) per process, shared by every controller in it, as
// client-go's SharedInformerFactory does: one list and one watch however many controllers read it.
import type { ResourceType } from '../api/resource-type.ts';
import type { ApiClient } from '../client/api-client.ts';
import { ResourceClient, type ObjectOf } from '../client/resource-client.ts';
import type { Logger } from '../log.ts';
import { SharedInformer, type InformerOptions } from './informer.ts';

export class InformerFactory {
  private readonly informers = new Map<string, SharedInformer<any>>();
  private started = false;

  constructor(private readonly client: ApiClient, private readonly defaults: { resyncPeriodMs?: number; logger?: Logger } = {}) {}

  /** The shared informer of `type` (optionally narrowed by namespace or selectors). */
  informerFor<R extends ResourceType>(type: R, options: Omit<InformerOptions<ObjectOf<R>>, 'logger'> = {}): SharedInformer<ObjectOf<R>> {
    const key = [type.group, type.plural, options.namespace ?? '', options.labelSelector ?? '', options.fieldSelector ?? ''].join('|');
    let informer = this.informers.get(key);
    if (!informer) {
      informer = new SharedInformer(new ResourceClient<ObjectOf<R>>(this.client, type), { resyncPeriodMs: this.defaults.resyncPeriodMs, logger: this.defaults.logger, ...options });
      this.informers.set(key, informer);
      if (this.started) informer.start();
    } else if (options.indexers) informer.indexer.addIndexers(options.indexers);
    return informer as SharedInformer<ObjectOf<R>>;
  }

  start(): void {
    this.started = true;
    for (const informer of this.informers.values()) informer.start();
  }

  stop(): void {
    for (const informer of this.informers.values()) informer.stop();
  }

  async waitForCacheSync(): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.waitForSync()));
  }
}
