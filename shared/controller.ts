// The worker loop every controller shares (sample-controller's runWorker / processNextWorkItem):
// pop a key, reconcile it, forget it on success, re-queue it with back-off on failure (up to a limit,
// then drop it and log). reconcile(key) reads the current state and takes one step toward the
// desired one; it must be safe to run twice.
import type { Logger } from './log.ts';
import { WorkQueue } from './workqueue.ts';

export interface Reconciler {
  /** A short name for logs (e.g. "replicaset"). */
  readonly name: string;
  readonly queue: WorkQueue<string>;
  reconcile(key: string): Promise<void>;
}

export interface RunOptions {
  workers: number;
  logger: Logger;
  /** Retries of one key before it is dropped (client-go controllers use 15). */
  maxRetries?: number;
}

export async function runWorkers(controller: Reconciler, options: RunOptions): Promise<void> {
  const maxRetries = options.maxRetries ?? 15;
  const worker = async () => {
    for (;;) {
      const key = await controller.queue.get();
      if (key === undefined) return;
      try {
        await controller.reconcile(key);
        controller.queue.forget(key);
      } catch (err) {
        const retries = controller.queue.numRequeues(key);
        if (retries < maxRetries) {
          options.logger.debug({ controller: controller.name, key, err: (err as Error).message, retries }, 'reconcile failed; retrying');
          controller.queue.addRateLimited(key);
        } else {
          options.logger.error({ controller: controller.name, key, err: (err as Error).message }, 'dropping key after too many retries');
          controller.queue.forget(key);
        }
      } finally {
        controller.queue.done(key);
      }
    }
  };
  await Promise.all(Array.from({ length: options.workers }, worker));
}
