// kube's slowStartBatch: run `count` calls in batches of 1, 2, 4, ... so that a call that is going to
// fail (quota, a bad template, admission) fails once or twice rather than hundreds of times at once.
// Stops after the first batch with a failure.

/** kube's SlowStartInitialBatchSize. */
export const SLOW_START_INITIAL_BATCH_SIZE = 1;

/** Resolves with how many calls succeeded and the first error, if any. */
export async function slowStartBatch(count: number, initialBatchSize: number, fn: () => Promise<void>): Promise<{ successes: number; error?: unknown }> {
  let remaining = count;
  let successes = 0;
  for (let batch = Math.min(remaining, initialBatchSize); batch > 0; batch = Math.min(2 * batch, remaining)) {
    const results = await Promise.allSettled(Array.from({ length: batch }, () => fn()));
    const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    successes += batch - failures.length;
    if (failures.length) return { successes, error: failures[0].reason };
    remaining -= batch;
  }
  return { successes };
}
