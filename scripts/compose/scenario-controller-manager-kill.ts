// Scenario 3 in containers: SIGKILL the leading controller-manager's container while a Deployment scales
// from 2 to 20. The standby takes the Lease once it expires and starts from a fresh list, so it must
// neither lose the scale-up nor create pods the dead leader already created: the Deployment ends with
// exactly 20 pods, and at no moment are there more than replicas + maxSurge. The pods are watched
// through the published API port throughout.
//
// The kill is `docker kill` on the container, not `compose kill`: compose spends half a second starting
// up before it signals, time in which the leader gets most of the scale-up done, and the point is to
// kill it in the middle.
import type { ComposeCluster } from './compose-cluster.ts';
import { run } from './compose-cluster.ts';
import { ContainerEvents } from './container-events.ts';
import { LeaseTracker } from '../e2e/lease-tracker.ts';
import { create, deploymentComplete, deploymentManifest, getDeployment, PodTracker, scaleDeployment } from '../e2e/workloads.ts';
import { Report, secs } from './report.ts';
import type { Timings } from './timings.ts';
import { createNamespace, deleteNamespace, holderOf, sleep, waitFor } from './workloads.ts';

const FROM = 2;
const TO = 20;
const MAX_SURGE = Math.ceil(TO * 0.25); // the manifest's maxSurge: 25%, rounded up as kube does
/** How long the pod count must hold still at the end, to catch a late extra pod. */
const SETTLE_MS = 3_000;

export async function controllerManagerKill(cluster: ComposeCluster, t: Timings): Promise<Report> {
  const report = new Report(`3) SIGKILL the leading controller-manager's container while a Deployment scales ${FROM} → ${TO}`);
  const client = cluster.client;
  const ns = await createNamespace(client, 'e2e-cm-kill');
  const leases = new LeaseTracker(client, 'kube-controller-manager');
  const pods = new PodTracker(client, ns);
  let events: ContainerEvents | undefined;
  await Promise.all([leases.start(), pods.start()]);
  try {
    await create(client, `/apis/apps/v1/namespaces/${ns}/deployments`, deploymentManifest('scale', FROM));
    await waitFor(`the Deployment's ${FROM} replicas`, async () => deploymentComplete(await getDeployment(client, ns, 'scale'), FROM), 60_000);
    const { value: leaderId } = await waitFor('a controller-manager to lead', () => holderOf(client, 'kube-controller-manager'), 30_000);
    const leader = await cluster.serviceOfHostname(leaderId.split('_')[0]);
    if (!leader?.startsWith('controller-manager-')) throw new Error(`the kube-controller-manager lease holder ${leaderId} is no controller-manager container of this project`);
    const { id } = await cluster.container(leader);
    events = new ContainerEvents([id]);

    // Kill once the scale-up is under way: after the leader's first slow-start batches (1, then 2 pods).
    const underWay = pods.first(() => pods.active().length >= FROM + 3, 30_000, 'the scale-up to start');
    underWay.catch(() => {}); // awaited below; not an unhandled rejection if the scale fails first
    const scaledAt = Date.now();
    await scaleDeployment(client, ns, 'scale', TO);
    await underWay;
    const invokedAt = Date.now();
    const podsAtKill = pods.active().length;
    await run('docker', ['kill', '--signal', 'KILL', id]);
    const killed = await events.next(leader, 'kill', invokedAt);
    await events.next(leader, 'die', invokedAt);
    const podsWhenDead = pods.active().length;
    const acquired = await leases.next(invokedAt, (h) => h !== '' && h !== leaderId, t.leaseDurationMs + 2 * t.retryPeriodMs + 5_000);
    const podsAtTakeover = pods.active().length;
    const { at: completeAt } = await waitFor(`the Deployment's ${TO} replicas`, async () => deploymentComplete(await getDeployment(client, ns, 'scale'), TO), 90_000, 200);
    await sleep(SETTLE_MS);
    const final = pods.active().length;
    const newLeader = (await cluster.serviceOfHostname(acquired.holder.split('_')[0])) ?? acquired.holder;

    report.measure('killed leader', `${leader}, ${podsAtKill} pods when the scale-up was seen under way`);
    report.measure('docker kill run → SIGKILL sent (docker\'s event)', `${Math.round(killed.at - invokedAt)} ms`);
    report.measure('pods when the leader was dead', podsWhenDead);
    report.measure(`pods when ${newLeader} took over`, podsAtTakeover);
    report.check('the standby container took the lease', newLeader !== leader && newLeader.startsWith('controller-manager-'), newLeader);
    report.measure('lease duration / retry period', `${secs(t.leaseDurationMs)} / ${secs(t.retryPeriodMs)}`);
    report.measure('SIGKILL → standby holds the lease', acquired.at - killed.at, 'ms');
    report.measure(`scale → ${TO} available`, completeAt - scaledAt, 'ms');
    report.check(`pods at the end (after ${SETTLE_MS / 1000} s settling)`, final === TO, `${final} (want exactly ${TO})`);
    report.check(`most pods at once (replicas ${TO} + maxSurge ${MAX_SURGE})`, pods.maxActive <= TO + MAX_SURGE, pods.maxActive);
    if (pods.maxActive > TO) report.note(`${pods.maxActive - TO} pod(s) more than the replicas existed at some moment (within maxSurge)`);

    const startAt = Date.now();
    await cluster.restart(leader);
    await cluster.waitHealthy(60_000, [leader]);
    report.measure(`${leader} started again as standby, healthy in`, Date.now() - startAt, 'ms');
  } finally {
    pods.stop();
    leases.stop();
    await events?.stop();
    await deleteNamespace(client, ns);
  }
  return report;
}
