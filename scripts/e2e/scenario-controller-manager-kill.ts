// Scenario 3: SIGKILL the leading controller-manager while a Deployment scales from 2 to 20. The new
// leader starts from a fresh list (its informers run only while it leads), so it must neither lose
// the scale-up nor create pods the dead leader already created: the Deployment ends with exactly 20
// pods, and at no moment are there more than replicas + maxSurge.
import type { ClusterHandle } from './cluster-handle.ts';
import { LeaseTracker } from './lease-tracker.ts';
import { ScenarioReport, secs } from './report.ts';
import { timingsOf } from './timings.ts';
import {
  create, createNamespace, deleteNamespace, deploymentComplete, deploymentManifest, getDeployment, PodTracker,
  scaleDeployment, sleep, waitFor,
} from './workloads.ts';

const FROM = 2;
const TO = 20;
const MAX_SURGE = Math.ceil(TO * 0.25); // the manifest's maxSurge: 25%, rounded up as kube does
/** How long the pod count must hold still at the end, to catch a late extra pod. */
const SETTLE_MS = 3_000;

export async function controllerManagerKill(cluster: ClusterHandle): Promise<ScenarioReport> {
  const report = new ScenarioReport(`3) SIGKILL the leading controller-manager while a Deployment scales ${FROM} → ${TO}`);
  const t = timingsOf(cluster);
  const client = cluster.client;
  const ns = await createNamespace(client, 'e2e-cm-kill');
  const leases = new LeaseTracker(client, 'kube-controller-manager');
  const pods = new PodTracker(client, ns);
  await Promise.all([leases.start(), pods.start()]);
  try {
    await create(client, `/apis/apps/v1/namespaces/${ns}/deployments`, deploymentManifest('scale', FROM));
    await waitFor(`the Deployment's ${FROM} replicas`, async () => deploymentComplete(await getDeployment(client, ns, 'scale'), FROM), 60_000);
    const leader = await cluster.waitForLeader('kube-controller-manager');
    const leaderId = cluster.identityOf(leader)!;

    // Kill once the scale-up is under way: after the leader's first slow-start batches (1, then 2 pods).
    const underWay = pods.first(() => pods.active().length >= FROM + 3, 30_000, 'the scale-up to start');
    const scaledAt = Date.now();
    await scaleDeployment(client, ns, 'scale', TO);
    await underWay;
    const killedAt = cluster.kill(leader, 'SIGKILL');
    const podsAtKill = pods.active().length;
    await cluster.waitDead(leader);
    const podsWhenDead = pods.active().length;
    const acquired = await leases.next(killedAt, (h) => h !== '' && h !== leaderId, t.leaseDurationMs + 2 * t.retryPeriodMs + 5_000);
    const podsAtTakeover = pods.active().length;
    const { at: completeAt } = await waitFor(`the Deployment's ${TO} replicas`, async () => deploymentComplete(await getDeployment(client, ns, 'scale'), TO), 90_000, 200);
    await sleep(SETTLE_MS);
    const final = pods.active().length;
    const newLeader = cluster.processes('controller-manager').find((p) => cluster.identityOf(p.name) === acquired.holder)?.name ?? acquired.holder;

    report.measure('killed leader', `${leader}, ${podsAtKill} pods when the scale-up was seen under way`);
    report.measure('pods when the leader was dead', podsWhenDead);
    report.measure(`pods when ${newLeader} took over`, podsAtTakeover);
    report.measure('lease duration / retry period', `${secs(t.leaseDurationMs)} / ${secs(t.retryPeriodMs)}`);
    report.measure('SIGKILL → standby holds the lease', acquired.at - killedAt, 'ms');
    report.measure(`scale → ${TO} available`, completeAt - scaledAt, 'ms');
    report.check(`pods at the end (after ${SETTLE_MS / 1000} s settling)`, final === TO, `${final} (want exactly ${TO})`);
    report.check(`most pods at once (replicas ${TO} + maxSurge ${MAX_SURGE})`, pods.maxActive <= TO + MAX_SURGE, `${pods.maxActive}`);
    if (pods.maxActive > TO) report.note(`${pods.maxActive - TO} pod(s) more than the replicas existed at some moment (within maxSurge)`);
  } finally {
    pods.stop();
    leases.stop();
    await deleteNamespace(client, ns);
  }
  return report;
}
