// The back-off the DaemonSet controller keeps per node before deleting another failed pod there
// (client-go's flowcontrol.Backoff: doubling from an initial delay to a cap, forgotten after twice the
// cap without failures), so a kubelet that keeps rejecting a pod is not fought in a hot loop.

interface Entry { delayMs: number; lastUpdate: number }

export class FailedPodsBackoff {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly initialMs: number, private readonly maxMs: number) {}

  /** How long until the key may act again (0 when it may now). */
  remaining(key: string, now: number): number {
    const e = this.entries.get(key);
    if (!e) return 0;
    return Math.max(0, e.lastUpdate + e.delayMs - now);
  }

  /** Records an action now and doubles the delay before the next one. */
  next(key: string, now: number): void {
    const e = this.entries.get(key);
    if (!e || now - e.lastUpdate > 2 * this.maxMs) this.entries.set(key, { delayMs: this.initialMs, lastUpdate: now });
    else this.entries.set(key, { delayMs: Math.min(e.delayMs * 2, this.maxMs), lastUpdate: now });
    // Old entries go, so the map does not grow with every node a DaemonSet ever ran on.
    for (const [k, v] of this.entries) if (now - v.lastUpdate > 2 * this.maxMs) this.entries.delete(k);
  }
}
