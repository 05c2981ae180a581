// What the API server kill scenarios (single server and HA) check after the kill: that every component
// carries on — the leaders renew, each kubelet renews its node Lease and runs a pod bound to it, the
// scheduler binds a new pod, each kube-proxy serves a NodePort Service created after the kill — each
// probe timed on its own; and which containers died meanwhile.
import type { Lease } from '../../shared/api/coordination.ts';
import type { Pod } from '../../shared/api/pod.ts';
import type { ApiClient } from '../../shared/client/api-client.ts';
import { run, type ComposeCluster } from './compose-cluster.ts';
import { httpGetFrom } from './in-cluster-http.ts';
import type { LostLeaseRestarter } from './lost-lease-restarter.ts';
import { create, podManifest, serviceManifest } from '../e2e/workloads.ts';
import { Report, secs } from './report.ts';
import { waitFor } from './workloads.ts';

interface Row {
  what: string;
  at?: number;
  error?: string;
}

/** Probes run side by side, each until it holds (or times out); reported in the order they held. */
export class Resumption {
  private readonly rows: Row[] = [];
  private readonly checks: Promise<void>[] = [];

  constructor(private readonly timeoutMs: number) {}

  probe(what: string, holds: () => Promise<boolean>, intervalMs = 50): void {
    const row: Row = { what };
    this.rows.push(row);
    this.checks.push(waitFor(what, holds, this.timeoutMs, intervalMs).then(({ at }) => void (row.at = at), (err: Error) => void (row.error = err.message)));
  }

  /** Waits for every probe; one check per probe, its time counted from `since` (`sinceWhat` names it). */
  async report(report: Report, since: number): Promise<void> {
    await Promise.all(this.checks);
    for (const row of [...this.rows].sort((a, b) => (a.at ?? Infinity) - (b.at ?? Infinity))) {
      report.check(row.what, row.at !== undefined, row.at !== undefined ? `after ${secs(row.at - since)}` : row.error!);
    }
  }
}

/**
 * The probes of every component carrying on after `since`: Lease renewals, a pod pinned to each node
 * running, a new pod scheduled, a NodePort Service answered by each node's kube-proxy (asked from the
 * next node's container). `wording` ends each probe's name ("after the restart", "after the kill").
 */
export async function probeComponents(r: Resumption, cluster: ComposeCluster, client: ApiClient, ns: string, nodes: string[], since: number, wording: string): Promise<void> {
  const renewedAfter = async (leaseNamespace: string, name: string) => {
    const lease = await client.request<Lease>('GET', `/apis/coordination.k8s.io/v1/namespaces/${leaseNamespace}/leases/${name}`);
    return Date.parse(lease.spec.renewTime ?? '') > since;
  };
  for (const lease of ['kube-scheduler', 'kube-controller-manager']) r.probe(`${lease} leader renews its Lease`, () => renewedAfter('kube-system', lease));
  for (const node of nodes) r.probe(`kubelet ${node} renews its node Lease`, () => renewedAfter('kube-node-lease', node));
  for (const node of nodes) {
    await create(client, `/api/v1/namespaces/${ns}/pods`, podManifest(`pinned-${node}`, { nodeName: node }));
    r.probe(`kubelet ${node} runs a pod bound to it ${wording}`, async () => (await client.request<Pod>('GET', `/api/v1/namespaces/${ns}/pods/pinned-${node}`)).status?.phase === 'Running');
  }
  await create(client, `/api/v1/namespaces/${ns}/pods`, podManifest('unpinned'));
  r.probe(`the scheduler binds a pod created ${wording}`, async () => !!(await client.request<Pod>('GET', `/api/v1/namespaces/${ns}/pods/unpinned`)).spec.nodeName);
  const svc = await create<{ spec: { ports: { nodePort: number }[] } }>(client, `/api/v1/namespaces/${ns}/services`, serviceManifest('conv', 'NodePort'));
  nodes.forEach((node, i) => {
    // Asked from the next node's container: node addresses are the project's own, routed on its network.
    const from = nodes[(i + 1) % nodes.length];
    const n = Number(node.slice('node-'.length));
    const url = `http://${cluster.nodeIP(n)}:${svc.spec.ports[0].nodePort}/`;
    r.probe(`kube-proxy ${node} serves a NodePort Service created ${wording}`, async () => !!(await httpGetFrom(cluster, from, [url], 1_000))[0]?.body, 250);
  });
}

/** Each running container's restart count, by service: docker restarts kube-proxies (unless-stopped) unasked. */
export async function restartCounts(cluster: ComposeCluster): Promise<Map<string, number>> {
  const running = [...(await cluster.containers()).values()].filter((c) => c.status === 'running');
  const out = await run('docker', ['inspect', '-f', '{{index .Config.Labels "com.docker.compose.service"}} {{.RestartCount}}', ...running.map((c) => c.id)]);
  return new Map(out.stdout.trim().split('\n').map((l) => l.split(' ')).map(([s, n]) => [s, Number(n)]));
}

/**
 * Containers that died since `before` was taken, other than `killed`: control-plane ones that exited
 * other than by a lost Lease, any other container not running, any that docker restarted; then one row
 * per leader that lost its Lease and was started again (times from `killedAt`).
 */
export async function reportDeaths(report: Report, cluster: ComposeCluster, before: Map<string, number>, killed: string, restarter: LostLeaseRestarter, killedAt: number): Promise<void> {
  await restarter.settle();
  const states = await cluster.containers();
  const after = await restartCounts(cluster);
  const notRunning = [...before.keys()].filter((s) => s !== killed && states.get(s)?.status !== 'running' && !restarter.restarted.some((r) => r.service === s));
  const restartedByDocker = [...before.keys()].filter((s) => s !== killed && (after.get(s) ?? 0) > before.get(s)!);
  const otherwise = [...new Set([...restarter.otherExits, ...notRunning, ...restartedByDocker])];
  report.check(`containers that died besides ${killed} (other than by a lost lease)`, otherwise.length === 0, otherwise.join(', ') || 'none');
  for (const r of restarter.restarted.sort((a, b) => a.exitedAt - b.exitedAt)) {
    const led = r.ledMs !== undefined ? ` after leading ${secs(r.ledMs)}` : '';
    report.check(`${r.service} exited with "leaderelection lost"${led}: started again`, r.startedAt !== undefined, r.startedAt !== undefined ? `exited ${secs(r.exitedAt - killedAt)} after the kill, started in ${secs(r.startedAt - r.exitedAt)}` : r.error!);
  }
  const bothLost = ['scheduler', 'controller-manager'].filter((c) => restarter.restarted.filter((r) => r.service.startsWith(`${c}-`)).length > 1);
  if (bothLost.length) report.note(`both ${bothLost.join(' and both ')} replicas lost the Lease: the standby that took it over lost it again (see "after leading")`);
}
