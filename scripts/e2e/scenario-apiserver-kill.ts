// Scenario 5: SIGKILL the API server under write load, right after a Deployment was scaled, and start
// it again. Every acknowledged write must be there afterwards (the store acknowledges only durable
// writes); every component must find the server again and resume its watches: the leaders renew, each
// kubelet renews its node Lease and runs a pod bound to it, the scheduler binds a new pod, each
// kube-proxy serves a NodePort Service created after the restart, and the Deployment converges.
import type { ClusterHandle } from './cluster-handle.ts';
import { ScenarioReport } from './report.ts';
import { LostLeaseSupervisor, Resumption } from './resumption.ts';
import {
  create, createNamespace, deleteNamespace, deploymentComplete, deploymentManifest, getDeployment, scaleDeployment, sleep, waitFor,
} from './workloads.ts';
import { checkWritesKept, WriteLoad } from './write-load.ts';

const FROM = 3;
const TO = 9;
const RESUME_TIMEOUT_MS = 60_000;

export async function apiServerKill(cluster: ClusterHandle): Promise<ScenarioReport> {
  const report = new ScenarioReport('5) SIGKILL the API server under write load, then restart it');
  const client = cluster.client;
  const ns = await createNamespace(client, 'e2e-apiserver-kill');
  try {
    await create(client, `/apis/apps/v1/namespaces/${ns}/deployments`, deploymentManifest('conv', FROM));
    await waitFor(`the Deployment's ${FROM} replicas`, async () => deploymentComplete(await getDeployment(client, ns, 'conv'), FROM), 60_000);
    const before = cluster.processes().filter((p) => cluster.alive(p.name)).map((p) => p.name);

    const load = new WriteLoad(cluster.url, ns);
    await sleep(2_000);
    await scaleDeployment(client, ns, 'conv', TO);
    const killedAt = cluster.kill('apiserver', 'SIGKILL');
    const ackedAtKill = load.result.acked.length;
    await cluster.waitDead('apiserver');
    await cluster.restart('apiserver');
    const readyAt = Date.now();
    // Kube runs its control plane under a supervisor that starts a component again after it exits with
    // "leaderelection lost"; the local cluster never revives anything by itself, so while the scenario
    // waits for convergence it plays that supervisor: on a busy machine the outage can outlast the
    // renew deadline of every replica, leaving no leader at all.
    const supervisor = new LostLeaseSupervisor(cluster, before);

    // Every component resumes: probed from the moment the server is back, while the writes go on.
    const resumption = new Resumption(client, readyAt, RESUME_TIMEOUT_MS);
    resumption.probe(`the Deployment scaled before the kill reaches ${TO} replicas`, async () => deploymentComplete(await getDeployment(client, ns, 'conv'), TO));
    await resumption.components(cluster, ns, 'conv', 'after the restart');

    await sleep(2_000);
    const writes = await load.stop();
    report.measure('API server down (SIGKILL → restarted, /readyz ok)', readyAt - killedAt, 'ms');
    report.measure('creates acknowledged (before the kill / in all)', `${ackedAtKill} / ${writes.acked.length}`);
    report.measure('counter updates acknowledged (CAS)', writes.counterAcked);
    report.measure('writes refused or unanswered (not acknowledged)', writes.failed);
    await checkWritesKept(report, client, ns, writes);

    await resumption.report(report, 'the restart');
    await supervisor.stop();
    supervisor.reportDeaths(report);
  } finally {
    await deleteNamespace(client, ns).catch(() => {});
  }
  return report;
}
