// Scenario 5 on an --ha cluster: SIGKILL the API server the write load uses (apiserver-1, also first in
// every component's --master) right after a Deployment was scaled. Nothing is down for the clients: the
// writers, the e2e's own client and every component go on through apiserver-2 and -3, so the checks are
// timed from the kill, with the victim still dead: the pause in acknowledged writes, the writes that
// failed (in flight to the dead server or sent to it before a writer moved on), a scale made during the
// outage converging, every component carrying on. Then the victim is started again and must serve the
// same data: every acknowledged write, read through it.
import { ApiClient } from '../../shared/client/api-client.ts';
import { FailoverWriteLoad, longestPause } from './failover-write-load.ts';
import type { ClusterHandle } from './cluster-handle.ts';
import { ScenarioReport, secs } from './report.ts';
import { LostLeaseSupervisor, Resumption } from './resumption.ts';
import { inScenarioNamespace } from './scenario-namespace.ts';
import {
  create, deploymentComplete, deploymentManifest, getDeployment, scaleDeployment, sleep, waitFor,
} from './workloads.ts';
import { checkWritesKept } from './write-load.ts';

const FROM = 3;
const BEFORE_KILL = 6;
/** Asked for while the victim is down: another API server acknowledges it at once. */
const TO = 9;
const WRITERS = 4;
const RESUME_TIMEOUT_MS = 60_000;

export async function apiServerKillHA(cluster: ClusterHandle): Promise<ScenarioReport> {
  const victim = cluster.processes('apiserver')[0];
  const report = new ScenarioReport(`5) HA: SIGKILL ${victim.name} (the write load's API server) under write load, then restart it`);
  const client = cluster.client;
  await inScenarioNamespace(client, 'e2e-apiserver-kill-ha', async (ns, stopAtEnd) => {
    await create(client, `/apis/apps/v1/namespaces/${ns}/deployments`, deploymentManifest('conv', FROM));
    await waitFor(`the Deployment's ${FROM} replicas`, async () => deploymentComplete(await getDeployment(client, ns, 'conv'), FROM), 60_000);
    const before = cluster.processes().filter((p) => p.name !== victim.name && cluster.alive(p.name)).map((p) => p.name);

    // The victim first: every writer uses it until it stops answering.
    const servers = [victim.url, ...cluster.urls.filter((u) => u !== victim.url)];
    const load = stopAtEnd(new FailoverWriteLoad(servers, ns, WRITERS));
    await sleep(2_000);
    await scaleDeployment(client, ns, 'conv', BEFORE_KILL);
    const killedAt = cluster.kill(victim.name, 'SIGKILL');
    const ackedAtKill = load.result.acked.length;
    await cluster.waitDead(victim.name);
    const supervisor = new LostLeaseSupervisor(cluster, before);
    // The e2e's own client fails over to the next server, as a component's does.
    await scaleDeployment(client, ns, 'conv', TO);
    const scaledAt = Date.now();

    const resumption = new Resumption(client, killedAt, RESUME_TIMEOUT_MS);
    resumption.probe(`the Deployment scaled during the outage reaches ${TO} replicas`, async () => deploymentComplete(await getDeployment(client, ns, 'conv'), TO));
    await resumption.components(cluster, ns, 'conv', `after the kill, ${victim.name} still down`);
    await resumption.report(report, 'the kill');
    const stillDown = !cluster.alive(victim.name);
    const ackedWhileDown = load.result.acks.filter((a) => a.at > killedAt).length;

    const restarted = await cluster.restart(victim.name);
    await sleep(1_000);
    const writes = await load.stop();
    const pause = longestPause(writes.acks, killedAt, Date.now());
    const firstAfter = writes.acks.find((a) => a.at > killedAt)?.at;
    const failedOn = (url: string) => writes.failures.filter((f) => f.server === url).length;

    report.measure('write load', `${WRITERS} writers creating ConfigMaps + 1 CAS counter, each starting on ${victim.name}, moving to the next API server when one does not answer`);
    report.measure('killed', `${victim.name} ${victim.url} (first in every component's --master)`);
    report.check(`SIGKILL → first write acknowledged by another API server`, firstAfter !== undefined, firstAfter !== undefined ? secs(firstAfter - killedAt) : 'none');
    report.measure('longest pause in acknowledged writes (from the kill on)', `${secs(pause.ms)} (kill +${secs(pause.from - killedAt)} → +${secs(pause.to - killedAt)})`);
    report.check(`writes acknowledged while ${victim.name} was down`, ackedWhileDown > 0 && stillDown, `${ackedWhileDown}`);
    report.measure('creates acknowledged (before the kill / in all)', `${ackedAtKill} / ${writes.acked.length}`);
    report.measure('acknowledged by', Object.entries(writes.ackedBy).map(([url, n]) => `${cluster.processes('apiserver').find((p) => p.url === url)?.name ?? url} ${n}`).join(', '));
    report.measure(`writes failed (not acknowledged): to ${victim.name} / to the others`, `${failedOn(victim.url)} / ${writes.failures.length - failedOn(victim.url)}`);
    report.measure(`scale to ${TO} acknowledged during the outage`, scaledAt - killedAt, 'ms');
    await checkWritesKept(report, client, ns, writes);
    const throughVictim = new ApiClient({ servers: [victim.url], userAgent: 'k8ts-e2e-failover' });
    try {
      await checkWritesKept(report, throughVictim, ns, writes, ` (read through the restarted ${victim.name})`);
    } finally {
      await throughVictim.close();
    }
    report.measure(`${victim.name} restarted: /readyz ok in`, restarted.readyMs, 'ms');
    await supervisor.stop();
    supervisor.reportDeaths(report);
  });
  return report;
}
