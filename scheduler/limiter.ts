// A counting semaphore: at most `limit` operations at once (binds, status patches), the rest wait
// their turn in order.

export class Limiter {
  private inFlight = 0;
  private readonly waiting: (() => void)[] = [];
  private idleWaiters: (() => void)[] = [];

  constructor(readonly limit: number) {
    if (limit < 1) throw new Error('limit must be at least 1');
  }

  get active(): number {
    return this.inFlight;
  }

  acquire(): Promise<void> {
    if (this.inFlight < this.limit) {
      this.inFlight++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) return next(); // the slot passes straight to the next in line
    this.inFlight--;
    if (this.inFlight === 0) this.idleWaiters.splice(0).forEach((w) => w());
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await fn();
    } finally {
      this.release();
    }
  }

  /** Resolves once nothing is in flight. */
  idle(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }
}
