// Scenario 5: SIGKILL the API server under write load, right after a Deployment was scaled, and start
// it again. Every acknowledged write must be there afterwards (the store acknowledges only durable
// writes); every component must find the server again and resume its watches: the leaders renew, each
// kubelet renews its node Lease and runs a pod bound to it, the scheduler binds a new pod, each
// kube-proxy serves a NodePort Service created after the restart, and the Deployment converges.
import type { Lease } from '../../shared/api/coordination.ts';
import type { Node } from '../../shared/api/node.ts';
import type { Pod } from '../../shared/api/pod.ts';
import type { ClusterHandle } from './cluster-handle.ts';
import { logTail } from '../cluster/processes.ts';
import { ScenarioReport, secs } from './report.ts';
import { waitAnswering } from './traffic.ts';
import {
  create, createNamespace, deleteNamespace, deploymentComplete, deploymentManifest, getDeployment, podManifest,
  scaleDeployment, sleep, waitFor,
} from './workloads.ts';
import { WriteLoad } from './write-load.ts';

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
    // Kube runs its control plane under a supervisor (static pods, systemd) that starts a component
    // again after it exits with "leaderelection lost". The local cluster never revives anything by
    // itself, so while the scenario waits for convergence it plays that supervisor: on a busy machine
    // the outage can outlast the renew deadline of every replica, leaving no leader at all.
    const revived: string[] = [];
    let supervising = true;
    const supervisor = (async () => {
      while (supervising) {
        for (const name of before) {
          if (revived.includes(name) || cluster.alive(name) || !/leaderelection lost/.test(logTail(cluster.paths, name, 40))) continue;
          revived.push(name);
          await cluster.restart(name).catch(() => {});
        }
        await sleep(500);
      }
    })();

    // Every component resumes: probed from the moment the server is back, while the writes go on.
    const since = (ms: number) => secs(ms - readyAt);
    const renewedAfter = async (leaseNamespace: string, name: string) => {
      const lease = await client.request<Lease>('GET', `/apis/coordination.k8s.io/v1/namespaces/${leaseNamespace}/leases/${name}`);
      return Date.parse(lease.spec.renewTime ?? '') > readyAt;
    };
    const resumedRows: { what: string; at?: number; error?: string }[] = [];
    const checks: Promise<void>[] = [];
    const resumed = (what: string, probe: () => Promise<boolean>) => {
      const row: { what: string; at?: number; error?: string } = { what };
      resumedRows.push(row);
      checks.push(waitFor(what, probe, RESUME_TIMEOUT_MS, 50).then(({ at }) => void (row.at = at), (err: Error) => void (row.error = err.message)));
    };
    for (const lease of ['kube-scheduler', 'kube-controller-manager']) resumed(`${lease} leader renews its Lease`, () => renewedAfter('kube-system', lease));
    const nodes = cluster.processes('kubelet').map((p) => p.node!);
    for (const node of nodes) resumed(`kubelet ${node} renews its node Lease`, () => renewedAfter('kube-node-lease', node));
    resumed(`the Deployment scaled before the kill reaches ${TO} replicas`, async () => deploymentComplete(await getDeployment(client, ns, 'conv'), TO));
    for (const node of nodes) {
      await create(client, `/api/v1/namespaces/${ns}/pods`, podManifest(`pinned-${node}`, { nodeName: node }));
      resumed(`kubelet ${node} runs a pod bound to it after the restart`, async () => (await client.request<Pod>('GET', `/api/v1/namespaces/${ns}/pods/pinned-${node}`)).status?.phase === 'Running');
    }
    await create(client, `/api/v1/namespaces/${ns}/pods`, podManifest('unpinned'));
    resumed('the scheduler binds a pod created after the restart', async () => !!(await client.request<Pod>('GET', `/api/v1/namespaces/${ns}/pods/unpinned`)).spec.nodeName);
    const svc = await create<{ spec: { ports: { nodePort: number }[] } }>(client, `/api/v1/namespaces/${ns}/services`, {
      apiVersion: 'v1', kind: 'Service', metadata: { name: 'conv' }, spec: { type: 'NodePort', selector: { app: 'conv' }, ports: [{ port: 80, targetPort: 80 }] },
    });
    for (const node of nodes) {
      const n = await client.request<Node>('GET', `/api/v1/nodes/${node}`);
      const ip = n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
      resumed(`kube-proxy ${node} serves a NodePort Service created after the restart`, async () => {
        await waitAnswering(`http://${ip}:${svc.spec.ports[0].nodePort}/`, 1_000);
        return true;
      });
    }

    await sleep(2_000);
    const writes = await load.stop();
    // No acknowledged write lost.
    const list = await client.request<{ items: { metadata: { name: string }; data?: Record<string, string> }[] }>('GET', `/api/v1/namespaces/${ns}/configmaps`);
    const stored = new Set(list.items.map((c) => c.metadata.name));
    const lost = writes.acked.filter((n) => !stored.has(n));
    const counter = Number(list.items.find((c) => c.metadata.name === 'counter')?.data?.value ?? -1);
    report.measure('API server down (SIGKILL → restarted, /readyz ok)', readyAt - killedAt, 'ms');
    report.measure('creates acknowledged (before the kill / in all)', `${ackedAtKill} / ${writes.acked.length}`);
    report.measure('counter updates acknowledged (CAS)', writes.counterAcked);
    report.measure('writes refused or unanswered (not acknowledged)', writes.failed);
    report.check('acknowledged creates lost', lost.length === 0, `${lost.length}${lost.length ? ` (${lost.slice(0, 3).join(', ')}…)` : ''}`);
    report.check('counter = last acknowledged value (+1 if one was unanswered)', counter >= writes.counterAcked && counter <= writes.counterAcked + 1, `${counter} (acked ${writes.counterAcked})`);

    await Promise.all(checks);
    supervising = false;
    await supervisor;
    for (const row of resumedRows.sort((a, b) => (a.at ?? Infinity) - (b.at ?? Infinity))) {
      report.check(row.what, row.at !== undefined, row.at !== undefined ? `after ${since(row.at)}` : row.error!);
    }
    // A leader that cannot renew for --leader-elect-renew-deadline exits, by kube's design (its
    // supervisor restarts it); only that is an acceptable death here.
    const dead = before.filter((name) => !cluster.alive(name));
    const lostLease = [...revived, ...dead.filter((name) => /leaderelection lost/.test(logTail(cluster.paths, name, 40)))];
    const otherwise = dead.filter((name) => !lostLease.includes(name));
    report.check('processes that died in the outage (other than by a lost lease)', otherwise.length === 0, otherwise.join(', ') || 'none');
    if (lostLease.length) report.note(`${lostLease.join(', ')} exited with "leaderelection lost" (outage longer than --leader-elect-renew-deadline), as kube's do${revived.length ? `; started again as a supervisor would: ${revived.join(', ')}` : ''}`);
  } finally {
    await deleteNamespace(client, ns).catch(() => {});
  }
  return report;
}
