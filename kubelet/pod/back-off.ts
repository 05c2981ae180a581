// kube's flowcontrol.Backoff for one container (or one image pull): the first failure is retried at
// once and arms the delay; a failure within the delay waits it out; each retry doubles it up to the
// cap; a delay untouched for twice the cap (10 min with kube's 5 min) starts over.

export class BackOff {
  private delayMs = 0;
  private lastUpdate = 0;

  constructor(private readonly initialMs: number, private readonly maxMs: number) {}

  /** Records a retry at `now` and returns the delay that now applies. */
  next(now = Date.now()): number {
    if (this.delayMs === 0 || now - this.lastUpdate > 2 * this.maxMs) this.delayMs = this.initialMs;
    else this.delayMs = Math.min(this.delayMs * 2, this.maxMs);
    this.lastUpdate = now;
    return this.delayMs;
  }

  /** How long an event at `eventTime` still has to wait at `now` (0: not in back-off). */
  remaining(eventTime: number, now = Date.now()): number {
    if (this.delayMs === 0 || now - this.lastUpdate > 2 * this.maxMs) return 0;
    return Math.max(0, eventTime + this.delayMs - now);
  }

  get current(): number {
    return this.delayMs;
  }
}
