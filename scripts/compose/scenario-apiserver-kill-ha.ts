// Scenario 5 on the HA topology: `compose kill -s KILL` the API server the write load uses (`apiserver`,
// first in every component's --master list too) right after a Deployment was scaled. Nothing is down
// for the clients: the writers, the e2e's own client and every component go on through apiserver-2 and
// -3, so the checks are timed from the kill, not from a restart: the pause in acknowledged writes, the
// writes that failed (in flight to the dead server, or sent to it before the writer moved on), no
// acknowledged write lost, the Deployment scaled once more during the outage converging, and every
// component carrying on (resumption.ts). Then `compose start` the killed server: it must serve the same
// data (every acknowledged write, read through it) and the cluster must be whole again.
import { nodeNames, reportClusterWhole } from './cluster-whole.ts';
import type { ComposeCluster } from './compose-cluster.ts';
import { DeathWatch } from './death-watch.ts';
import { countByError, FailoverWriteLoad, longestPause } from '../e2e/failover-write-load.ts';
import { create, deploymentComplete, deploymentManifest, getDeployment, scaleDeployment } from '../e2e/workloads.ts';
import { inScenarioNamespace } from '../e2e/scenario-namespace.ts';
import { Report, secs } from './report.ts';
import { probeComponents, Resumption } from './resumption.ts';
import { sleep, waitFor } from './workloads.ts';

const VICTIM = 'apiserver';
const FROM = 3;
const BEFORE_KILL = 6;
/** Asked for while the victim is down: acknowledged by another API server at once. */
const TO = 9;
const RESUME_TIMEOUT_MS = 60_000;

type ConfigMapList = { items: { metadata: { name: string }; data?: Record<string, string> }[] };

export async function apiServerKillHA(cluster: ComposeCluster): Promise<Report> {
  const report = new Report(`5) HA: compose kill -s KILL ${VICTIM} (the write load's API server) under write load, then compose start it`);
  const client = cluster.client;
  await inScenarioNamespace(client, 'e2e-apiserver-kill-ha', async (ns, stopAtEnd) => {
    await create(client, `/apis/apps/v1/namespaces/${ns}/deployments`, deploymentManifest('conv', FROM));
    await waitFor(`the Deployment's ${FROM} replicas`, async () => deploymentComplete(await getDeployment(client, ns, 'conv'), FROM), 60_000);
    const nodes = await nodeNames(client);
    const deaths = stopAtEnd(await DeathWatch.start(cluster, VICTIM));
    const { events } = deaths;

    // The victim first: every writer uses it until it stops answering.
    const servers = [cluster.urlOf(VICTIM), ...cluster.urls.filter((u) => u !== cluster.urlOf(VICTIM))];
    const loadStartedAt = Date.now();
    const load = stopAtEnd(new FailoverWriteLoad(servers, ns));
    await sleep(2_000);
    await scaleDeployment(client, ns, 'conv', BEFORE_KILL);
    const invokedAt = Date.now();
    await cluster.kill(VICTIM, 'KILL');
    const ackedAtKill = load.result.acked.length;
    const killed = await events.next(VICTIM, 'kill', invokedAt);
    const died = await events.next(VICTIM, 'die', invokedAt);
    // The e2e's client fails over to the next server, as a component's does.
    await scaleDeployment(client, ns, 'conv', TO);
    const scaleAckedAt = Date.now();

    const resumption = new Resumption(RESUME_TIMEOUT_MS);
    resumption.probe(`the Deployment scaled during the outage reaches ${TO} replicas`, async () => deploymentComplete(await getDeployment(client, ns, 'conv'), TO));
    await probeComponents(resumption, cluster, client, ns, nodes, killed.at, `after the kill, ${VICTIM} still down`);
    await resumption.report(report, killed.at);
    const stateAfterKill = (await cluster.container(VICTIM)).status;

    // The killed server comes back while the writes go on.
    const startInvokedAt = Date.now();
    await cluster.restart(VICTIM);
    const started = await events.next(VICTIM, 'start', startInvokedAt);
    const { at: readyAt } = await waitFor(`/readyz of ${VICTIM} on its published port`, async () => (await fetch(`${cluster.urlOf(VICTIM)}/readyz`, { signal: AbortSignal.timeout(1_000) })).ok, 60_000, 20);
    await sleep(2_000);
    const writes = await load.stop();

    // No acknowledged write lost, read through every API server, the restarted one too.
    const lostThrough: string[] = [];
    let counter = -1;
    for (const [i, url] of cluster.urls.entries()) {
      const res = await fetch(`${url}/api/v1/namespaces/${ns}/configmaps`, { signal: AbortSignal.timeout(10_000) });
      const list = (await res.json()) as ConfigMapList;
      const stored = new Set(list.items.map((c) => c.metadata.name));
      const lost = writes.acked.filter((name) => !stored.has(name));
      if (lost.length) lostThrough.push(`${cluster.apiServers[i]}: ${lost.length} (${lost.slice(0, 3).join(', ')}…)`);
      if (i === 0) counter = Number(list.items.find((c) => c.metadata.name === 'counter')?.data?.value ?? -1);
    }
    const firstByOther = writes.acks.find((a) => a.at >= killed.at && a.server !== cluster.urlOf(VICTIM));
    const baseline = longestPause(writes.acks, loadStartedAt + 1_000, invokedAt);
    const outage = longestPause(writes.acks, killed.at, startInvokedAt);
    const failedAfterKill = writes.failures.filter((f) => f.at >= killed.at);

    report.measure('compose kill run → SIGKILL sent (docker\'s event)', killed.at - invokedAt, 'ms');
    report.measure(`${VICTIM} after the kill (restart: unless-stopped)`, `${stateAfterKill}, exit code ${died.exitCode}: not restarted by docker`);
    report.measure('SIGKILL → first write acknowledged by another API server', firstByOther ? firstByOther.at - killed.at : 'none', 'ms');
    report.measure('longest pause in acknowledged writes: before the kill / while it was down', `${secs(baseline.ms)} / ${secs(outage.ms)} (at +${secs(outage.from - killed.at)})`);
    report.measure(`SIGKILL → the scale to ${TO} acknowledged (the e2e's client failing over)`, scaleAckedAt - killed.at, 'ms');
    report.measure('creates acknowledged (before the kill / in all)', `${ackedAtKill} / ${writes.acked.length}`);
    report.measure('acknowledged writes by API server', Object.entries(writes.ackedBy).map(([u, n]) => `${cluster.apiServers[cluster.urls.indexOf(u)] ?? u} ${n}`).join(', '));
    report.measure('writes failed after the kill (not acknowledged)', countByError(failedAfterKill));
    report.check(`writes acknowledged by the other API servers while ${VICTIM} was down`, !!firstByOther, firstByOther ? `first after ${secs(firstByOther.at - killed.at)}` : 'none');
    report.check('acknowledged creates lost (read through each API server)', lostThrough.length === 0, lostThrough.join('; ') || '0');
    report.check('counter = last acknowledged value (+1 if one was unanswered)', counter >= writes.counterAcked && counter <= writes.counterAcked + 1, `${counter} (acked ${writes.counterAcked})`);
    report.measure(`compose start run → ${VICTIM} started`, started.at - startInvokedAt, 'ms');
    report.measure(`${VICTIM} started → /readyz ok`, readyAt - started.at, 'ms');

    await deaths.report(report, killed.at);
    await reportClusterWhole(report, cluster, nodes);
  });
  return report;
}
