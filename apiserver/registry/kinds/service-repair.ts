// kube's ClusterIP and NodePort repair controllers (pkg/registry/core/service/ipallocator/controller/
// repair.go, portallocator/controller/repair.go): the stored ranges are made to say what the stored
// Services hold. Values a Service holds are marked (a range lost or written before the Service, an
// upgrade from a store without ranges); values no Service holds are freed, but only once three runs in
// a row found them so, since a create on any API server takes its values a moment before its Service
// is stored. Runs once before Service writes are served, then every REPAIR_INTERVAL_MS.
import type { Logger } from '../../../shared/log.ts';
import type { Backend } from '../../storage/interface.ts';
import type { RangeAllocator } from '../ip-allocator.ts';
import type { StoredRange } from '../stored-range.ts';
import { ownerOf, valuesOf, type ServiceAllocators, type ServiceShape } from './service-allocation.ts';

/** kube repairs every 3 minutes; a leaked value is freed on the third run that finds it, so after 2-3 minutes here. */
export const REPAIR_INTERVAL_MS = 60_000;
const REPAIRS_BEFORE_LEAK_CLEANUP = 3;

export class ServiceAllocationRepair {
  /** Settles once the first run has succeeded. */
  readonly ready: Promise<void>;
  /** Per value found held by no Service: how many more runs may find it so before it is freed. */
  private ipLeaks = new Map<string, number>();
  private portLeaks = new Map<number, number>();
  private timer?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly backend: Backend,
    private readonly servicesPrefix: string,
    private readonly allocators: ServiceAllocators,
    private readonly logger?: Logger,
  ) {
    this.ready = this.firstRun();
  }

  /** Until a run succeeds (kube's RunUntil): Service writes wait for it, so it must not give up. */
  private async firstRun(): Promise<void> {
    for (let attempt = 0; !this.stopped; attempt++) {
      try {
        await this.runOnce();
        break;
      } catch (err) {
        this.logger?.error({ err }, 'repairing service allocations failed; retrying');
        await new Promise((r) => setTimeout(r, Math.min(100 * 2 ** attempt, 5000)));
      }
    }
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.runOnce()
        .catch((err) => this.logger?.error({ err }, 'repairing service allocations failed'))
        .finally(() => this.schedule());
    }, REPAIR_INTERVAL_MS);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  async runOnce(): Promise<void> {
    this.ipLeaks = await this.repair(this.allocators.ips, 'ClusterIP', (svc) => valuesOf(svc).ips, this.ipLeaks);
    this.portLeaks = await this.repair(this.allocators.nodePorts, 'NodePort', (svc) => valuesOf(svc).ports, this.portLeaks);
  }

  /** One range; returns the leak counts to keep. The Services are listed after the range is read, as kube does. */
  private async repair<T, A extends RangeAllocator<T>>(range: StoredRange<T, A>, what: string, held: (svc: ServiceShape) => T[], leaks: Map<T, number>): Promise<Map<T, number>> {
    let nextLeaks = leaks;
    await range.rewrite(async (stored) => {
      const { kvs } = await this.backend.list(this.servicesPrefix);
      const rebuilt = range.allocator();
      nextLeaks = new Map();
      for (const svc of kvs.map((kv) => JSON.parse(kv.value) as ServiceShape)) {
        for (const value of held(svc)) {
          const service = ownerOf(svc);
          if (!rebuilt.contains(value)) this.logger?.warn({ service, [what]: value, range: rebuilt.range }, `the ${what} is not within the configured range; please recreate the service`);
          else if (rebuilt.has(value)) this.logger?.warn({ service, [what]: value }, `the ${what} is allocated to more than one service`);
          else {
            if (!stored.has(value)) this.logger?.warn({ service, [what]: value }, `the ${what} was not allocated; repairing`);
            rebuilt.allocate(value);
          }
        }
      }
      for (const value of stored.values()) {
        if (rebuilt.has(value)) continue;
        const left = leaks.get(value) ?? REPAIRS_BEFORE_LEAK_CLEANUP - 1;
        if (left > 0) {
          nextLeaks.set(value, left - 1);
          rebuilt.allocate(value);
        } else this.logger?.warn({ [what]: value }, `the ${what} appears to have leaked: freeing it`);
      }
      return rebuilt;
    });
    return nextLeaks;
  }
}
