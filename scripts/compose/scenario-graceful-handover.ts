// Scenario 2 in containers: stop the leading scheduler's container with `compose kill -s TERM`, then the
// leading controller-manager's with `compose stop` (SIGTERM, then SIGKILL after stop_grace_period). A
// leader asked to stop releases its Lease on the way out (holderIdentity ""), and the standby, watching
// the Lease, takes it at once instead of waiting for it to expire: under a second from the signal, which
// is taken from docker's own events (the compose command's start-up comes before it and is not the
// cluster's). The stopped container stays down (restart: "no") until started again, as a standby.
import type { ComposeCluster } from './compose-cluster.ts';
import { ContainerEvents } from './container-events.ts';
import { LeaseTracker } from '../e2e/lease-tracker.ts';
import { Report } from './report.ts';
import type { Timings } from './timings.ts';
import { holderOf, waitFor } from './workloads.ts';

const HANDOVER_LIMIT_MS = 1_000;
/** A handover takes milliseconds: seconds with one decimal would show 0.0 s. */
const ms = (n: number) => `${Math.round(n)} ms`;

const LEADERS = [
  { lease: 'kube-scheduler', prefix: 'scheduler-', how: 'kill -s TERM' },
  { lease: 'kube-controller-manager', prefix: 'controller-manager-', how: 'stop' },
] as const;

export async function gracefulHandover(cluster: ComposeCluster, t: Timings): Promise<Report> {
  const report = new Report('2) compose kill -s TERM the leading scheduler, compose stop the leading controller-manager');
  const client = cluster.client;
  for (const { lease, prefix, how } of LEADERS) {
    const tracker = new LeaseTracker(client, lease);
    await tracker.start();
    let events: ContainerEvents | undefined;
    try {
      const { value: leaderId } = await waitFor(`a ${lease} leader`, () => holderOf(client, lease), 30_000);
      const leader = await cluster.serviceOfHostname(leaderId.split('_')[0]);
      if (!leader?.startsWith(prefix)) throw new Error(`the ${lease} lease holder ${leaderId} is no ${prefix}* container of this project`);
      events = new ContainerEvents([(await cluster.container(leader)).id]);

      const invokedAt = Date.now();
      await (how === 'stop' ? cluster.compose(['stop', leader]) : cluster.kill(leader, 'TERM'));
      const term = await events.next(leader, 'kill', invokedAt);
      const died = await events.next(leader, 'die', invokedAt);
      const acquired = await tracker.next(invokedAt, (h) => h !== '' && h !== leaderId, t.leaseDurationMs + 2 * t.retryPeriodMs + 5_000);
      // The release may be overwritten by the standby before our watch sees it; then only the whole is known.
      const released = tracker.changes.find((c) => c.at >= invokedAt && c.holder === '');
      const standby = (await cluster.serviceOfHostname(acquired.holder.split('_')[0])) ?? acquired.holder;

      report.measure(`${lease}: compose ${how}`, leader);
      report.measure(`${lease}: compose ${how} run → SIGTERM sent (docker's event)`, ms(term.at - invokedAt));
      report.check(`${lease}: the signal was SIGTERM`, term.signal === '15', `signal ${term.signal}`);
      report.measure(`${lease}: SIGTERM → lease released`, released ? ms(released.at - term.at) : '(not seen: taken over at once)');
      report.check(`${lease}: SIGTERM → ${standby} holds the lease (< 1 s)`, acquired.at - term.at < HANDOVER_LIMIT_MS && standby !== leader && standby.startsWith(prefix), ms(acquired.at - term.at));
      report.measure(`${lease}: released → standby holds it`, released ? ms(acquired.at - released.at) : '-');
      report.check(`${lease}: SIGTERM → ${leader} exited by itself, code 0`, died.exitCode === '0', `after ${ms(died.at - term.at)}, exit code ${died.exitCode}`);

      const startAt = Date.now();
      await cluster.restart(leader);
      await cluster.waitHealthy(60_000, [leader]);
      report.measure(`${lease}: ${leader} started again as standby, healthy in`, Date.now() - startAt, 'ms');
      report.check(`${lease}: ${standby} still leads`, tracker.holder === acquired.holder, tracker.holder === acquired.holder ? standby : tracker.holder);
    } finally {
      tracker.stop();
      await events?.stop();
    }
  }
  return report;
}
