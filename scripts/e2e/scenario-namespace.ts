// A scenario's namespace and what runs for the scenario's length (a write load, docker's event stream):
// stopped and deleted however the scenario ends, a failed check or a timeout included, so that the next
// scenario starts on a quiet cluster. Used by the kill scenarios of both suites (here and scripts/compose/).
import type { ApiClient } from '../../shared/client/api-client.ts';
import { createNamespace, deleteNamespace } from './workloads.ts';

export interface Stoppable {
  /** Must do nothing more when called again (the scenario may have stopped it already). */
  stop(): Promise<unknown>;
}

/**
 * Runs `scenario` in a fresh namespace named after `prefix`. What it passes to `stopAtEnd` is stopped
 * at the end, the last registered first, then the namespace is deleted (best effort).
 */
export async function inScenarioNamespace(
  client: ApiClient, prefix: string, scenario: (ns: string, stopAtEnd: <T extends Stoppable>(running: T) => T) => Promise<void>,
): Promise<void> {
  const ns = await createNamespace(client, prefix);
  const running: Stoppable[] = [];
  try {
    await scenario(ns, (r) => (running.unshift(r), r));
  } finally {
    for (const r of running) await r.stop();
    await deleteNamespace(client, ns).catch(() => {});
  }
}
