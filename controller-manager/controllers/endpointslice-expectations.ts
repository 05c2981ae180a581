// What the EndpointSlice controller expects its cache to show after its own writes (kube's
// EndpointSliceTracker). Until the cache has caught up, a sync would plan from an outdated picture
// (e.g. create a second slice for endpoints the first already holds), so the controller waits.
import type { EndpointSlice } from '../../shared/api/discovery.ts';
import { splitKey } from '../../shared/informer/indexer.ts';
import type { SharedInformer } from '../../shared/informer/informer.ts';

type Expected =
  | { kind: 'present'; at: number }
  | { kind: 'replaced'; resourceVersion: string; at: number }
  | { kind: 'absent'; at: number };

/** After this long an expectation is dropped (the object may have come and gone between two looks). */
const expectationTTLMs = 60_000;

export class SliceExpectations {
  /** service key -> slice name -> what the cache should show. */
  private readonly byService = new Map<string, Map<string, Expected>>();

  created(service: string, slice: EndpointSlice): void {
    this.set(service, slice.metadata.name!, { kind: 'present', at: Date.now() });
  }

  /** `slice` is the version we replaced: the cache must no longer show that resourceVersion. */
  replaced(service: string, slice: EndpointSlice): void {
    this.set(service, slice.metadata.name!, { kind: 'replaced', resourceVersion: slice.metadata.resourceVersion ?? '', at: Date.now() });
  }

  deleted(service: string, slice: EndpointSlice): void {
    this.set(service, slice.metadata.name!, { kind: 'absent', at: Date.now() });
  }

  forget(service: string): void {
    this.byService.delete(service);
  }

  /** Whether the cache is still behind one of our writes for this Service; met expectations are dropped. */
  stale(service: string, cache: SharedInformer<EndpointSlice>): boolean {
    const expected = this.byService.get(service);
    if (!expected) return false;
    const { namespace } = splitKey(service);
    const now = Date.now();
    for (const [name, e] of expected) {
      const cached = cache.get(namespace, name);
      const met =
        e.kind === 'present' ? cached !== undefined :
        e.kind === 'absent' ? cached === undefined :
        cached === undefined || cached.metadata.resourceVersion !== e.resourceVersion;
      if (met || now - e.at > expectationTTLMs) expected.delete(name);
    }
    if (expected.size === 0) this.byService.delete(service);
    return expected.size > 0;
  }

  private set(service: string, name: string, e: Expected): void {
    let m = this.byService.get(service);
    if (!m) this.byService.set(service, (m = new Map()));
    m.set(name, e);
  }
}
