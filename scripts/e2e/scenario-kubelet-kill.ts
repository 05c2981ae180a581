// Scenario 4: SIGKILL a kubelet (its simulated containers die with it, as on a crashed machine). The
// node lifecycle controller marks the node NotReady once its Lease has been silent for the grace
// period and taints it; taint eviction deletes its pods after their tolerationSeconds; the ReplicaSet
// replaces them on the other nodes. Meanwhile a client curls the Service's ClusterIP without pause:
// kube-proxy must route around the dead endpoints, so no request may fail, except one that was already
// in flight to a pod on the node when it died: its connection dies with the pod, as in kube.
import type { Node } from '../../shared/api/node.ts';
import type { ClusterHandle } from './cluster-handle.ts';
import { ScenarioReport, secs } from './report.ts';
import { timingsOf } from './timings.ts';
import { TrafficLoop, waitAnswering } from './traffic.ts';
import {
  create, createNamespace, deleteNamespace, deploymentComplete, deploymentManifest, getDeployment, isReady,
  isTerminating, PodTracker, sleep, waitFor,
} from './workloads.ts';

const REPLICAS = 6;
/** A reset this soon after the SIGKILL was a request already in flight to the dying node's pods. */
const IN_FLIGHT_MS = 1_000;

const nodeReady = (n: Node) => n.status?.conditions?.find((c) => c.type === 'Ready')?.status;

export async function kubeletKill(cluster: ClusterHandle): Promise<ScenarioReport> {
  const report = new ScenarioReport('4) SIGKILL a kubelet while its pods serve a Service');
  const t = timingsOf(cluster);
  const client = cluster.client;
  const ns = await createNamespace(client, 'e2e-kubelet-kill');
  const pods = new PodTracker(client, ns);
  await pods.start();
  let traffic: TrafficLoop | undefined;
  try {
    await create(client, `/apis/apps/v1/namespaces/${ns}/deployments`, deploymentManifest('web', REPLICAS));
    const svc = await create<{ spec: { clusterIP: string } }>(client, `/api/v1/namespaces/${ns}/services`, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 80 }] } });
    await waitFor(`the Deployment's ${REPLICAS} replicas`, async () => deploymentComplete(await getDeployment(client, ns, 'web'), REPLICAS), 60_000);
    const url = `http://${svc.spec.clusterIP}/`;
    await waitAnswering(url, 30_000);

    // The node running the most of the Deployment's pods.
    const perNode = new Map<string, number>();
    for (const p of pods.active()) perNode.set(p.spec.nodeName!, (perNode.get(p.spec.nodeName!) ?? 0) + 1);
    const [victim, onVictim] = [...perNode].sort((a, b) => b[1] - a[1])[0];
    const kubelet = `kubelet-${victim}`;

    traffic = new TrafficLoop(url);
    await sleep(1_000);
    const killedAt = cluster.kill(kubelet, 'SIGKILL');
    const notReadyLimit = t.nodeMonitorGracePeriodMs + 2 * t.nodeMonitorPeriodMs + 4_000;
    const { at: notReadyAt } = await waitFor(`${victim} to be NotReady`, async () => nodeReady(await client.request<Node>('GET', `/api/v1/nodes/${victim}`)) !== 'True', notReadyLimit + 10_000, 100);
    const evictedAt = await pods.first((p) => p.spec.nodeName === victim && !!p.metadata.deletionTimestamp, t.evictionTolerationMs + 30_000, `a pod on ${victim} to be evicted`);
    const recoveredAt = await pods.first(() => pods.active().filter((p) => p.spec.nodeName !== victim && isReady(p)).length >= REPLICAS, 60_000, `${REPLICAS} ready pods on the other nodes`);
    await sleep(2_000);
    const result = await traffic.stop();
    traffic = undefined;
    const elsewhere = pods.active().filter((p) => p.spec.nodeName !== victim && isReady(p)).length;

    report.measure('killed', `${kubelet} (${onVictim} of ${REPLICAS} pods on ${victim})`);
    report.measure('grace period / eviction toleration', `${secs(t.nodeMonitorGracePeriodMs)} / ${secs(t.evictionTolerationMs)}`);
    report.check(`SIGKILL → ${victim} NotReady (≤ grace + 2 monitor periods + 4 s)`, notReadyAt - killedAt <= notReadyLimit, secs(notReadyAt - killedAt));
    report.measure(`SIGKILL → first pod on ${victim} evicted`, evictedAt - killedAt, 'ms');
    report.measure(`SIGKILL → ${REPLICAS} ready pods on the other nodes`, recoveredAt - killedAt, 'ms');
    report.check('ready replicas on the other nodes', elsewhere === REPLICAS, `${elsewhere}/${REPLICAS}`);
    const inFlightAtKill = result.failures.filter((f) => f.at >= killedAt && f.at - killedAt < IN_FLIGHT_MS && /ECONNRESET|socket hang up/.test(f.error)).length;
    report.measure('requests reset because they were in flight to the killed node', inFlightAtKill);
    report.check(`Service requests failed after the kill (of ${result.total}, one every ~50 ms)`, result.failed - inFlightAtKill === 0 && result.total > 0, `${result.failed - inFlightAtKill}`);
    if (result.failed) report.note(`failures: ${result.failures.slice(0, 5).map((f) => `+${secs(f.at - killedAt)} ${f.error}`).join('; ')}`);
    report.measure('distinct pods that answered', result.responders.size);

    // Bring the node back: it must turn Ready and finish off its evicted (Terminating) pods.
    const restartAt = Date.now();
    const restarted = await cluster.restart(kubelet);
    const { at: cleanAt } = await waitFor(`the evicted pods on ${victim} to be gone`, () => !pods.pods().some((p) => p.spec.nodeName === victim && isTerminating(p)), 60_000, 200);
    report.measure(`${kubelet} restarted: ready (node Ready) in`, restarted.readyMs, 'ms');
    report.measure(`restart → the evicted pods on ${victim} deleted`, cleanAt - restartAt, 'ms');
  } finally {
    await traffic?.stop();
    pods.stop();
    await deleteNamespace(client, ns);
  }
  return report;
}
