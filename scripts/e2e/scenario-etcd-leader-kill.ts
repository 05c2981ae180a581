// Scenario 6 (--ha only): SIGKILL the etcd leader under write load. The two members left elect a new
// leader within about an election timeout; until then no write can commit, so the API servers hold or
// fail the writes in flight. Measured: the election (polled through the members' maintenance Status),
// the pause in acknowledged writes, the failed writes. Asserted: writes resume, no acknowledged write is
// lost, every component carries on with two members, and the killed member rejoins when started again.
import type { ClusterHandle } from './cluster-handle.ts';
import { FailoverWriteLoad, longestPause } from './failover-write-load.ts';
import { ScenarioReport, secs } from './report.ts';
import { LostLeaseSupervisor, Resumption } from './resumption.ts';
import { inScenarioNamespace } from './scenario-namespace.ts';
import {
  create, deploymentComplete, deploymentManifest, getDeployment, sleep, waitFor,
} from './workloads.ts';
import { checkWritesKept } from './write-load.ts';

const WRITERS = 4;
/** Pods for the NodePort Service the kube-proxies must serve after the kill. */
const REPLICAS = 2;
const RESUME_TIMEOUT_MS = 60_000;
/** Writes must resume well within this after the kill (an election takes about --election-timeout). */
const WRITE_PAUSE_LIMIT_MS = 15_000;

const flagOf = (args: string[], name: string) => args[args.indexOf(`--${name}`) + 1];

export async function etcdLeaderKill(cluster: ClusterHandle): Promise<ScenarioReport> {
  const report = new ScenarioReport('6) HA: SIGKILL the etcd leader under write load');
  const client = cluster.client;
  await inScenarioNamespace(client, 'e2e-etcd-leader-kill', async (ns, stopAtEnd) => {
    await create(client, `/apis/apps/v1/namespaces/${ns}/deployments`, deploymentManifest('web', REPLICAS));
    await waitFor(`the Deployment's ${REPLICAS} replicas`, async () => deploymentComplete(await getDeployment(client, ns, 'web'), REPLICAS), 60_000);
    const leader = await waitFor('an etcd leader', () => cluster.etcdLeader(), 30_000).then((r) => r.value);
    const spec = cluster.processes('etcd').find((p) => p.name === leader)!;
    const before = cluster.processes().filter((p) => p.name !== leader && cluster.alive(p.name)).map((p) => p.name);
    const load = stopAtEnd(new FailoverWriteLoad(cluster.urls, ns, WRITERS));
    await sleep(2_000);

    const killedAt = cluster.kill(leader, 'SIGKILL');
    const ackedAtKill = load.result.acked.length;
    await cluster.waitDead(leader);
    const supervisor = new LostLeaseSupervisor(cluster, before);
    const { value: successor, at: electedAt } = await waitFor('a new etcd leader', async () => {
      const now = await cluster.etcdLeader();
      return now && now !== leader ? now : undefined;
    }, 30_000, 20);

    const resumption = new Resumption(client, killedAt, RESUME_TIMEOUT_MS);
    await resumption.components(cluster, ns, 'web', `after the kill, ${leader} still down`);
    await resumption.report(report, 'the kill');
    const ackedWhileDown = load.result.acks.filter((a) => a.at > killedAt).length;

    // A write in flight to the dead leader waits for etcd's request timeout; the writers resume one by one.
    const writer = (name: string) => Number(/^w(\d+)-/.exec(name)?.[1] ?? -1);
    const ackedBefore = new Set(load.result.acked.slice(0, ackedAtKill));
    const everyWriter = await waitFor('every writer to have a create acknowledged after the kill', () => {
      const resumed = new Set(load.result.acked.filter((n) => !ackedBefore.has(n)).map(writer));
      return resumed.size >= WRITERS;
    }, 30_000, 50).then(({ at }) => at, () => undefined);
    const restarted = await cluster.restart(leader);
    const rejoined = await cluster.etcdLeader();
    await sleep(1_000);
    const writes = await load.stop();
    const pause = longestPause(writes.acks, killedAt, Date.now());
    const firstAfter = writes.acks.find((a) => a.at > killedAt)?.at;
    const afterElection = writes.acks.find((a) => a.at >= electedAt)?.at;

    report.measure('etcd timings', `--heartbeat-interval ${flagOf(spec.args, 'heartbeat-interval')} ms, --election-timeout ${flagOf(spec.args, 'election-timeout')} ms`);
    report.measure('write load', `${WRITERS} writers creating ConfigMaps + 1 CAS counter through ${cluster.urls.length} API servers (each starting on the first)`);
    report.measure('killed', `${leader} ${spec.url} (the leader)`);
    report.check('a new leader elected (polled every 20 ms)', successor !== leader, `${successor} after ${secs(electedAt - killedAt)}`);
    report.check(`longest pause in acknowledged writes (from the kill on, ≤ ${secs(WRITE_PAUSE_LIMIT_MS)})`, pause.ms <= WRITE_PAUSE_LIMIT_MS, `${secs(pause.ms)} (kill +${secs(pause.from - killedAt)} → +${secs(pause.to - killedAt)})`);
    report.check('writes resumed: first acknowledged after the election', afterElection !== undefined, afterElection !== undefined ? `${secs(afterElection - killedAt)} after the kill` : 'none');
    report.check('SIGKILL → every writer has a create acknowledged again', everyWriter !== undefined, everyWriter !== undefined ? secs(everyWriter - killedAt) : 'not within 30 s');
    report.measure(`writes acknowledged while ${leader} was down`, ackedWhileDown);
    report.measure('creates acknowledged (before the kill / in all)', `${ackedAtKill} / ${writes.acked.length}`);
    report.measure('writes failed (not acknowledged)', `${writes.failures.length}${writes.failures.length ? ` (${[...new Set(writes.failures.map((f) => f.error))].slice(0, 3).join('; ')})` : ''}`);
    await checkWritesKept(report, client, ns, writes);
    report.check(`${leader} restarted: rejoined (knows a leader) in`, rejoined !== undefined, secs(restarted.readyMs));
    await supervisor.stop();
    supervisor.reportDeaths(report);
  });
  return report;
}
