// Scenario 2: SIGTERM the leading scheduler, then the leading controller-manager. A leader asked to
// stop drains its work and releases its Lease (holderIdentity ""), and the standby, watching the
// Lease, takes it at once instead of waiting for it to expire: the handover takes under a second.
import type { ClusterHandle } from './cluster-handle.ts';
import { LeaseTracker } from './lease-tracker.ts';
import { ScenarioReport, secs } from './report.ts';
import { timingsOf } from './timings.ts';

const HANDOVER_LIMIT_MS = 1_000;

export async function gracefulHandover(cluster: ClusterHandle): Promise<ScenarioReport> {
  const report = new ScenarioReport('2) SIGTERM the leading scheduler, then the leading controller-manager');
  const t = timingsOf(cluster);
  for (const lease of ['kube-scheduler', 'kube-controller-manager']) {
    const tracker = new LeaseTracker(cluster.client, lease);
    await tracker.start();
    try {
      const leader = await cluster.waitForLeader(lease);
      const leaderId = cluster.identityOf(leader)!;
      const termAt = cluster.kill(leader, 'SIGTERM');
      const acquired = await tracker.next(termAt, (h) => h !== '' && h !== leaderId, t.leaseDurationMs + t.renewDeadlineMs + 5_000);
      const exitedAt = await cluster.waitDead(leader);
      // The release may be overwritten by the standby before our watch sees it; then only the whole is known.
      const released = tracker.changes.find((c) => c.at >= termAt && c.holder === '');
      const standby = cluster.processes().find((p) => cluster.identityOf(p.name) === acquired.holder)?.name ?? acquired.holder;
      report.measure(`${lease}: SIGTERM to`, leader);
      report.measure(`${lease}: SIGTERM → lease released`, released ? secs(released.at - termAt) : '(not seen: taken over at once)');
      report.measure(`${lease}: released → ${standby} holds it`, released ? secs(acquired.at - released.at) : '-');
      // The whole handover counts, as in the compose scenario: a leader slow to release is as bad as a slow standby.
      report.check(`${lease}: SIGTERM → ${standby} holds it (< 1 s)`, acquired.at - termAt < HANDOVER_LIMIT_MS, secs(acquired.at - termAt));
      report.measure(`${lease}: SIGTERM → old leader exited`, exitedAt - termAt, 'ms');
      const restarted = await cluster.restart(leader);
      report.measure(`${lease}: ${leader} restarted as standby, ready in`, restarted.readyMs, 'ms');
    } finally {
      tracker.stop();
    }
  }
  return report;
}
