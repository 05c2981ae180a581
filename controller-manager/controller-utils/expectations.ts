// ControllerExpectations (kube's pkg/controller/controller_utils.go): a controller remembers how many
// creates and deletes it has issued for one owner and does not act on that owner again until its
// informer has shown it every one of them (or 5 minutes have passed, in case a watch event was lost).
// Without this, a sync that runs before the cache has caught up with the controller's own writes would
// see too few pods and create them again.
//
// Deletes are tracked by pod key (UIDTrackingControllerExpectations): a graceful delete is seen twice
// (deletionTimestamp set, then the object gone) and must lower the count only once.

/** How long expectations are trusted before the controller syncs anyway (kube's ExpectationsTimeout). */
export const EXPECTATIONS_TIMEOUT_MS = 5 * 60_000;

interface Expectation {
  add: number;
  del: number;
  /** When they were set, for the timeout. */
  at: number;
  /** Keys of pods whose deletion is awaited. */
  deleting: Set<string>;
}

export class ControllerExpectations {
  private readonly byOwner = new Map<string, Expectation>();

  constructor(private readonly timeoutMs = EXPECTATIONS_TIMEOUT_MS, private readonly now: () => number = Date.now) {}

  /** True when the owner may be synced: nothing pending, expired, or never recorded. */
  satisfied(ownerKey: string): boolean {
    const e = this.byOwner.get(ownerKey);
    if (!e) return true;
    return (e.add <= 0 && e.del <= 0) || this.now() - e.at > this.timeoutMs;
  }

  expectCreations(ownerKey: string, count: number): void {
    this.byOwner.set(ownerKey, { add: count, del: 0, at: this.now(), deleting: new Set() });
  }

  expectDeletions(ownerKey: string, podKeys: string[]): void {
    this.byOwner.set(ownerKey, { add: 0, del: podKeys.length, at: this.now(), deleting: new Set(podKeys) });
  }

  /** One of the expected pods has been seen created (or will never be: its create failed). */
  creationObserved(ownerKey: string): void {
    const e = this.byOwner.get(ownerKey);
    if (e) e.add--;
  }

  /** The pod has been seen deleted (or terminating); counts once per pod key. */
  deletionObserved(ownerKey: string, podKey: string): void {
    const e = this.byOwner.get(ownerKey);
    if (e?.deleting.delete(podKey)) e.del--;
  }

  /** The owner is gone: forget it. */
  delete(ownerKey: string): void {
    this.byOwner.delete(ownerKey);
  }

  /** Pending creates and deletes, for logs and tests. */
  pending(ownerKey: string): { add: number; del: number } | undefined {
    const e = this.byOwner.get(ownerKey);
    return e && { add: e.add, del: e.del };
  }
}
