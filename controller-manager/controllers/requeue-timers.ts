// Wake-ups of queue keys at a time of their own (an active deadline, a back-off, minReadySeconds).
// The work queue's addAfter keeps the first delay asked for a key, not the earliest, which would let a
// long back-off hide a near deadline; here each key keeps its earliest wake-up, as client-go's
// delaying queue does.
import type { WorkQueue } from '../../shared/workqueue.ts';

export class RequeueTimers {
  private readonly timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();

  constructor(private readonly queue: WorkQueue<string>) {}

  /** Adds the key to the queue after delayMs, unless an earlier wake-up is already set. */
  after(key: string, delayMs: number): void {
    if (delayMs <= 0) return this.queue.add(key);
    const at = Date.now() + delayMs;
    const existing = this.timers.get(key);
    if (existing && existing.at <= at) return;
    if (existing) clearTimeout(existing.timer);
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.queue.add(key);
    }, delayMs);
    timer.unref();
    this.timers.set(key, { at, timer });
  }

  forget(key: string): void {
    const existing = this.timers.get(key);
    if (existing) clearTimeout(existing.timer);
    this.timers.delete(key);
  }

  stop(): void {
    for (const key of [...this.timers.keys()]) this.forget(key);
  }
}
