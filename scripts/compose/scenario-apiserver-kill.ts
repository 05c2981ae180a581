// Scenario 5 in containers: `compose kill -s KILL` the API server's container under write load, right
// after a Deployment was scaled, and `compose start` it again; the Deployment is scaled once more while
// the server is down (the request retried until it is acknowledged, after the restart). Its restart
// policy (unless-stopped) takes a compose kill for a deliberate stop, so nothing brings it back by
// itself: the outage lasts until the start, and is measured from docker's kill event to the first
// /readyz answer on the published port. Every acknowledged write must be there afterwards; every
// component must find the server again and resume its watches: the leaders renew, each kubelet renews
// its node Lease and runs a pod bound to it, the scheduler binds a new pod, each kube-proxy serves a
// NodePort Service created after the restart, and the Deployment converges on the replicas asked for
// during the outage. A leader that could not renew within its renew deadline exits, as kube's do; the
// scenario starts it again at once, as kube's supervisor of the control plane would
// (lost-lease-restarter.ts): restart: "no" would leave it down.
import { reportClusterWhole, nodeNames } from './cluster-whole.ts';
import type { ComposeCluster } from './compose-cluster.ts';
import { DeathWatch } from './death-watch.ts';
import { create, deploymentComplete, deploymentManifest, getDeployment, scaleDeployment } from '../e2e/workloads.ts';
import { inScenarioNamespace } from '../e2e/scenario-namespace.ts';
import { WriteLoad } from '../e2e/write-load.ts';
import { Report } from './report.ts';
import { probeComponents, Resumption } from './resumption.ts';
import { sleep, waitFor } from './workloads.ts';

const FROM = 3;
/** Asked for right before the kill (compose's start-up usually gives the controllers time to finish it). */
const BEFORE_KILL = 6;
/** Asked for while the server is down: only watches that resumed see it. */
const TO = 9;
const RESUME_TIMEOUT_MS = 60_000;

export async function apiServerKill(cluster: ComposeCluster): Promise<Report> {
  const report = new Report('5) compose kill -s KILL the API server under write load, then compose start it');
  const client = cluster.client;
  await inScenarioNamespace(client, 'e2e-apiserver-kill', async (ns, stopAtEnd) => {
    await create(client, `/apis/apps/v1/namespaces/${ns}/deployments`, deploymentManifest('conv', FROM));
    await waitFor(`the Deployment's ${FROM} replicas`, async () => deploymentComplete(await getDeployment(client, ns, 'conv'), FROM), 60_000);
    const nodes = await nodeNames(client);
    const deaths = stopAtEnd(await DeathWatch.start(cluster, 'apiserver'));
    const { events } = deaths;

    const load = stopAtEnd(new WriteLoad(cluster.url, ns));
    await sleep(2_000);
    await scaleDeployment(client, ns, 'conv', BEFORE_KILL);
    const invokedAt = Date.now();
    await cluster.kill('apiserver', 'KILL');
    const ackedAtKill = load.result.acked.length;
    const killed = await events.next('apiserver', 'kill', invokedAt);
    const died = await events.next('apiserver', 'die', invokedAt);
    const stateAfterKill = (await cluster.container('apiserver')).status;
    // As a person would, again and again until the server answers.
    const scaledInOutage = waitFor(`the scale to ${TO} to be acknowledged`, async () => {
      await scaleDeployment(client, ns, 'conv', TO);
      return true;
    }, 60_000, 100);
    scaledInOutage.catch(() => {}); // awaited below; not an unhandled rejection if the restart fails first
    const startInvokedAt = Date.now();
    await cluster.restart('apiserver');
    const started = await events.next('apiserver', 'start', startInvokedAt);
    const { at: readyAt } = await waitFor('/readyz on the published port', async () => (await fetch(`${cluster.url}/readyz`, { signal: AbortSignal.timeout(1_000) })).ok, 60_000, 20);

    // Every component resumes: probed from the moment the server is back, while the writes go on.
    const resumption = new Resumption(RESUME_TIMEOUT_MS);
    const { at: scaleAckedAt } = await scaledInOutage;
    resumption.probe(`the Deployment scaled during the outage reaches ${TO} replicas`, async () => deploymentComplete(await getDeployment(client, ns, 'conv'), TO));
    await probeComponents(resumption, cluster, client, ns, nodes, readyAt, 'after the restart');

    await sleep(2_000);
    const writes = await load.stop();
    // No acknowledged write lost.
    const list = await client.request<{ items: { metadata: { name: string }; data?: Record<string, string> }[] }>('GET', `/api/v1/namespaces/${ns}/configmaps`);
    const stored = new Set(list.items.map((c) => c.metadata.name));
    const lost = writes.acked.filter((name) => !stored.has(name));
    const counter = Number(list.items.find((c) => c.metadata.name === 'counter')?.data?.value ?? -1);
    report.measure('compose kill run → SIGKILL sent (docker\'s event)', killed.at - invokedAt, 'ms');
    report.measure('container after the kill (restart: unless-stopped)', `${stateAfterKill}, exit code ${died.exitCode}: not restarted by docker`);
    report.measure('SIGKILL → compose start run', startInvokedAt - killed.at, 'ms');
    report.measure('compose start run → container started', started.at - startInvokedAt, 'ms');
    report.measure('container started → /readyz ok', readyAt - started.at, 'ms');
    report.measure('API server down (SIGKILL → /readyz ok)', readyAt - killed.at, 'ms');
    report.measure(`container started → the scale to ${TO}, retried since the kill, acknowledged`, scaleAckedAt - started.at, 'ms');
    report.measure('creates acknowledged (before the kill / in all)', `${ackedAtKill} / ${writes.acked.length}`);
    report.measure('counter updates acknowledged (CAS)', writes.counterAcked);
    report.measure('writes refused or unanswered (not acknowledged)', writes.failed);
    report.check('acknowledged creates lost', lost.length === 0, `${lost.length}${lost.length ? ` (${lost.slice(0, 3).join(', ')}…)` : ''}`);
    report.check('counter = last acknowledged value (+1 if one was unanswered)', counter >= writes.counterAcked && counter <= writes.counterAcked + 1, `${counter} (acked ${writes.counterAcked})`);

    await resumption.report(report, readyAt);
    await deaths.report(report, killed.at);
    await reportClusterWhole(report, cluster, nodes);
  });
  return report;
}
