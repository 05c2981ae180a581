// Watches a kube-system Lease and notes, on arrival, every change of holder (a release shows as the
// empty holder): the timeline a failover is measured on.
import type { Lease } from '../../shared/api/coordination.ts';
import { resources } from '../../shared/api/registry.ts';
import type { ApiClient } from '../../shared/client/api-client.ts';
import { InformerFactory } from '../../shared/informer/factory.ts';

export interface HolderChange {
  holder: string;
  at: number;
}

export class LeaseTracker {
  private readonly factory: InformerFactory;
  readonly changes: HolderChange[] = [];
  private waiters: { match: (c: HolderChange) => boolean; resolve: (c: HolderChange) => void }[] = [];

  constructor(client: ApiClient, readonly lease: string, namespace = 'kube-system') {
    this.factory = new InformerFactory(client);
    const informer = this.factory.informerFor(resources.leases, { namespace, fieldSelector: `metadata.name=${lease}` });
    const seen = (l: Lease) => {
      const holder = l.spec.holderIdentity ?? '';
      if (this.changes.at(-1)?.holder === holder) return;
      const change = { holder, at: Date.now() };
      this.changes.push(change);
      this.waiters = this.waiters.filter((w) => {
        if (!w.match(change)) return true;
        w.resolve(change);
        return false;
      });
    };
    informer.addEventHandler({ onAdd: seen, onUpdate: (_old, l) => seen(l) });
  }

  async start(): Promise<void> {
    this.factory.start();
    await this.factory.waitForCacheSync();
  }

  stop(): void {
    this.factory.stop();
  }

  get holder(): string {
    return this.changes.at(-1)?.holder ?? '';
  }

  /** The first change after `since` for which `match` holds (one already seen counts). */
  next(since: number, match: (holder: string) => boolean, timeoutMs: number): Promise<HolderChange> {
    const done = this.changes.find((c) => c.at >= since && match(c.holder));
    if (done) return Promise.resolve(done);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the ${this.lease} lease did not change as expected within ${timeoutMs / 1000} s (holders seen: ${this.changes.map((c) => c.holder || '<released>').join(' → ')})`)), timeoutMs);
      this.waiters.push({ match: (c) => match(c.holder), resolve: (c) => { clearTimeout(timer); resolve(c); } });
    });
  }
}
