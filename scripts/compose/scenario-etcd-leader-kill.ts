// The HA topology's etcd scenario: SIGKILL the etcd leader's container (`docker kill`, timed from
// docker's own kill event) while 4 writers and a compare-and-swap counter write through the three API
// servers. The two members left elect a leader (etcd's election timeout: 1 s), the API servers' etcd
// client finds it, and writes resume: the pause in acknowledged writes is measured, the writes that
// failed meanwhile are counted, and no acknowledged write may be lost. No API server or other component
// may die for it (a leader that missed its renew deadline during the election exits and is started
// again, as in scenario 5). Then `compose start` the member: it rejoins from its volume and catches up
// (every member at the same revision).
import { nodeNames, reportClusterWhole } from './cluster-whole.ts';
import { run, type ComposeCluster } from './compose-cluster.ts';
import { DeathWatch } from './death-watch.ts';
import { ETCD_MEMBERS, leaderOf, memberStatuses } from './etcd-members.ts';
import { countByError, FailoverWriteLoad, longestPause } from '../e2e/failover-write-load.ts';
import { inScenarioNamespace } from '../e2e/scenario-namespace.ts';
import { Report, secs } from './report.ts';
import { sleep, waitFor } from './workloads.ts';

/** How long the write rate is watched for recovering after the kill. */
const RECOVERY_LIMIT_MS = 30_000;

type ConfigMapList = { items: { metadata: { name: string }; data?: Record<string, string> }[] };

export async function etcdLeaderKill(cluster: ComposeCluster): Promise<Report> {
  const report = new Report('etcd) SIGKILL the etcd leader\'s container under write load through the three API servers');
  const client = cluster.client;
  await inScenarioNamespace(client, 'e2e-etcd-leader-kill', async (ns, stopAtEnd) => {
    const { value: leader } = await waitFor('an etcd leader', () => leaderOf(cluster), 30_000, 200);
    const nodes = await nodeNames(client);
    const deaths = stopAtEnd(await DeathWatch.start(cluster, leader.service));

    const loadStartedAt = Date.now();
    const load = stopAtEnd(new FailoverWriteLoad(cluster.urls, ns));
    await sleep(3_000);
    const invokedAt = Date.now();
    const ackedAtKill = load.result.acked.length;
    await run('docker', ['kill', '--signal', 'KILL', (await cluster.container(leader.service)).id]);
    const killed = await deaths.events.next(leader.service, 'kill', invokedAt);
    // Only the members left are asked: etcdctl would wait its whole timeout for the dead one.
    const left = ETCD_MEMBERS.filter((m) => m !== leader.service);
    const { value: newLeader, at: electedSeenAt } = await waitFor('a new etcd leader', async () => {
      const l = await leaderOf(cluster, left);
      return l && l.service !== leader.service ? l : undefined;
    }, 30_000, 50);
    await waitFor('a write acknowledged after the election', () => load.result.acks.some((a) => a.at > electedSeenAt), 60_000, 20);
    // Resuming is not yet recovering: how long until a second's acknowledgements are half those of a
    // second before the kill (a measurement: the scenario's pass criteria are resuming and losing nothing).
    const perSecondBefore = load.result.acks.filter((a) => a.at >= loadStartedAt + 1_000 && a.at < invokedAt).length / ((invokedAt - loadStartedAt - 1_000) / 1000);
    const recovered = await waitFor('the write rate to recover', () => load.result.acks.filter((a) => a.at > Date.now() - 1_000).length >= perSecondBefore / 2, RECOVERY_LIMIT_MS, 100).catch(() => undefined);
    await sleep(2_000);
    const stoppedAt = Date.now();
    const writes = await load.stop();

    const list = await client.request<ConfigMapList>('GET', `/api/v1/namespaces/${ns}/configmaps`);
    const stored = new Set(list.items.map((c) => c.metadata.name));
    const lost = writes.acked.filter((name) => !stored.has(name));
    const counter = Number(list.items.find((c) => c.metadata.name === 'counter')?.data?.value ?? -1);
    const baseline = longestPause(writes.acks, loadStartedAt + 1_000, invokedAt);
    const pause = longestPause(writes.acks, killed.at, stoppedAt);
    const failedAfterKill = writes.failures.filter((f) => f.at >= killed.at);

    report.measure('killed leader', `${leader.service} (raft term ${leader.raftTerm})`);
    report.check('the other members elected a leader', ETCD_MEMBERS.includes(newLeader.service) && newLeader.service !== leader.service, `${newLeader.service} (raft term ${newLeader.raftTerm})`);
    report.measure('SIGKILL → new leader seen (etcdctl on the members left, polled)', electedSeenAt - killed.at, 'ms');
    report.measure('longest pause in acknowledged writes before the kill (the load\'s own)', baseline.ms, 'ms');
    report.measure('longest pause in acknowledged writes after the kill', `${secs(pause.ms)}, from +${secs(pause.from - killed.at)} to +${secs(pause.to - killed.at)}`);
    const rate = (from: number, to: number) => `${(writes.acks.filter((a) => a.at >= from && a.at < to).length / ((to - from) / 1000)).toFixed(0)}/s`;
    report.measure('acknowledged writes: before the kill / from the end of the pause on', `${rate(loadStartedAt + 1_000, invokedAt)} / ${rate(pause.to, stoppedAt)}`);
    report.measure('SIGKILL → a second\'s acknowledged writes ≥ half the rate before', recovered ? recovered.at - killed.at : `not within ${secs(RECOVERY_LIMIT_MS)}`, 'ms');
    report.check('writes acknowledged after the new leader was seen', writes.acks.some((a) => a.at > electedSeenAt), `${writes.acks.filter((a) => a.at > electedSeenAt).length}`);
    report.measure('creates acknowledged (before the kill / in all)', `${ackedAtKill} / ${writes.acked.length}`);
    report.measure('counter updates acknowledged (CAS)', writes.counterAcked);
    report.measure('writes failed after the kill (not acknowledged)', countByError(failedAfterKill));
    report.check('acknowledged creates lost', lost.length === 0, `${lost.length}${lost.length ? ` (${lost.slice(0, 3).join(', ')}…)` : ''}`);
    report.check('counter = last acknowledged value (+1 if one was unanswered)', counter >= writes.counterAcked && counter <= writes.counterAcked + 1, `${counter} (acked ${writes.counterAcked})`);
    await deaths.report(report, killed.at);

    // The member comes back from its volume and catches up with the others.
    const startAt = Date.now();
    await cluster.restart(leader.service);
    await cluster.waitHealthy(60_000, [leader.service]);
    const healthyAt = Date.now();
    const { value: revisions, at: caughtUpAt } = await waitFor('every member at the same revision', async () => {
      const statuses = await memberStatuses(cluster);
      return statuses.length === ETCD_MEMBERS.length && new Set(statuses.map((s) => s.revision)).size === 1 ? statuses : undefined;
    }, 30_000, 250);
    report.measure(`${leader.service} started again: healthy in`, healthyAt - startAt, 'ms');
    report.check(`${leader.service} caught up: every member at the same revision`, true, `revision ${revisions[0].revision}, ${secs(caughtUpAt - startAt)} after the start`);

    await reportClusterWhole(report, cluster, nodes);
  });
  return report;
}
