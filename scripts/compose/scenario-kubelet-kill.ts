// Scenario 4 in containers: `compose kill -s KILL` a node container (the kubelet and its simulated
// containers die with it, and the node's address vanishes from the network, as a crashed machine's).
// The node lifecycle controller marks it NotReady once its Lease is silent for the grace period, taint
// eviction deletes its pods after their tolerationSeconds, the ReplicaSet replaces them elsewhere.
// Meanwhile a client on another node requests the Service's ClusterIP without pause: that node's
// kube-proxy must route around the dead endpoints. Then the node is started again.
import type { Node } from '../../shared/api/node.ts';
import type { ComposeCluster } from './compose-cluster.ts';
import { ContainerEvents } from './container-events.ts';
import { InClusterTraffic, httpGetFrom } from './in-cluster-http.ts';
import { Report, secs } from './report.ts';
import type { Timings } from './timings.ts';
import { createNamespace, deleteNamespace, deploymentAvailable, isReady, nodeReady, podsOf, sleep, waitFor, webDeployment, webService } from './workloads.ts';

const REPLICAS = 6;

/**
 * How long after the kill a reset request counts as one that was already in flight to the dying node.
 * The kill is docker's own event: `compose kill` spends 0.3-4 s starting up before it signals (on a
 * loaded machine), so its invocation is no measure of when the node died.
 */
const IN_FLIGHT_MS = 1_000;

export async function kubeletKill(cluster: ComposeCluster, t: Timings): Promise<Report> {
  const report = new Report('4) compose kill -s KILL a node container while its pods serve a Service');
  const client = cluster.client;
  const ns = await createNamespace(client, 'e2e-kubelet-kill');
  let traffic: InClusterTraffic | undefined;
  let events: ContainerEvents | undefined;
  try {
    await client.request('POST', `/apis/apps/v1/namespaces/${ns}/deployments`, { body: webDeployment('web', REPLICAS) });
    const svc = await client.request<{ spec: { clusterIP: string } }>('POST', `/api/v1/namespaces/${ns}/services`, { body: webService('web') });
    await waitFor(`${REPLICAS} available replicas`, () => deploymentAvailable(client, ns, 'web', REPLICAS), 90_000, 250);

    // The node running the most replicas dies; the client runs on another node.
    const perNode = new Map<string, number>();
    for (const p of (await podsOf(client, ns, 'web')).filter(isReady)) perNode.set(p.spec!.nodeName!, (perNode.get(p.spec!.nodeName!) ?? 0) + 1);
    const [victim, onVictim] = [...perNode].sort((a, b) => b[1] - a[1])[0];
    const clientNode = ['node-1', 'node-2', 'node-3'].find((n) => n !== victim)!;
    const url = `http://${svc.spec.clusterIP}/`;
    await waitFor(`${url} to answer on ${clientNode}`, async () => (await httpGetFrom(cluster, clientNode, [url], 1000))[0]?.body, 30_000, 250);

    events = new ContainerEvents([(await cluster.container(victim)).id]);
    traffic = new InClusterTraffic((await cluster.container(clientNode)).id, url);
    await sleep(1_000);
    const invokedAt = await cluster.kill(victim, 'KILL');
    const killedAt = (await events.next(victim, 'kill', invokedAt)).at;
    const notReadyLimit = t.nodeMonitorGracePeriodMs + 2 * t.nodeMonitorPeriodMs + 4_000;
    const { at: notReadyAt } = await waitFor(`${victim} to be NotReady`, async () => !nodeReady(await client.request<Node>('GET', `/api/v1/nodes/${victim}`)), notReadyLimit + 10_000);
    const { at: evictedAt } = await waitFor(`a pod on ${victim} to be evicted`, async () => (await podsOf(client, ns, 'web')).some((p) => p.spec?.nodeName === victim && p.metadata.deletionTimestamp), t.evictionTolerationMs + 30_000, 200);
    const elsewhereReady = async () => (await podsOf(client, ns, 'web')).filter((p) => p.spec?.nodeName !== victim && !p.metadata.deletionTimestamp && isReady(p)).length;
    const { at: recoveredAt } = await waitFor(`${REPLICAS} ready pods on the other nodes`, async () => (await elsewhereReady()) >= REPLICAS, 60_000, 200);
    await sleep(2_000);
    const result = await traffic.stop();
    traffic = undefined;

    report.measure('killed', `${victim} (${onVictim} of ${REPLICAS} pods); client on ${clientNode}`);
    report.measure('grace period / eviction toleration', `${secs(t.nodeMonitorGracePeriodMs)} / ${secs(t.evictionTolerationMs)}`);
    report.check(`SIGKILL → ${victim} NotReady (≤ grace + 2 monitor periods + 4 s)`, notReadyAt - killedAt <= notReadyLimit, secs(notReadyAt - killedAt));
    report.measure(`SIGKILL → first pod on ${victim} evicted`, evictedAt - killedAt, 'ms');
    report.measure(`SIGKILL → ${REPLICAS} ready pods on the other nodes`, recoveredAt - killedAt, 'ms');
    report.check('ready replicas on the other nodes', (await elsewhereReady()) === REPLICAS, `${await elsewhereReady()}/${REPLICAS}`);
    // A request already in flight to a pod on the node when it dies is reset with it (in kube too: no
    // proxy can move an open connection); every request sent after the kill must be answered.
    const inFlightAtKill = result.failures.filter((f) => f.at - killedAt < IN_FLIGHT_MS && /ECONNRESET|socket hang up/.test(f.error)).length;
    report.measure('requests reset because they were in flight to the killed node', inFlightAtKill);
    report.check(`Service requests from ${clientNode} failed after the kill (of ${result.total}, one every ~50 ms)`, result.failed - inFlightAtKill === 0 && result.total > 0, result.failed - inFlightAtKill);
    if (result.failed) report.note(`failures: ${result.failures.slice(0, 5).map((f) => `+${secs(f.at - killedAt)} ${f.error}`).join('; ')}`);
    report.measure('distinct pods that answered', result.responders.size);

    // The node comes back: Ready again, and it finishes off its evicted pods.
    const restartAt = Date.now();
    await cluster.restart(victim);
    const { at: readyAt } = await waitFor(`${victim} to be Ready again`, async () => nodeReady(await client.request<Node>('GET', `/api/v1/nodes/${victim}`)), 60_000, 200);
    const { at: cleanAt } = await waitFor(`the evicted pods on ${victim} to be gone`, async () => !(await podsOf(client, ns, 'web')).some((p) => p.spec?.nodeName === victim), 60_000, 200);
    await cluster.waitHealthy(60_000, [victim, `kube-proxy-${victim.slice('node-'.length)}`]);
    report.measure(`${victim} started again: Ready in`, readyAt - restartAt, 'ms');
    report.measure(`start → the evicted pods on ${victim} deleted`, cleanAt - restartAt, 'ms');
  } finally {
    await traffic?.stop();
    await events?.stop();
    await deleteNamespace(client, ns);
  }
  return report;
}
