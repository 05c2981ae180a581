// What the API server kill scenarios (single server and HA) check after the kill: that every component
// carries on — the leaders renew, each kubelet renews its node Lease and runs a pod bound to it, the
// scheduler binds a new pod (the probes of scripts/e2e/component-probes.ts), each kube-proxy serves a
// NodePort Service created after the kill — each probe timed on its own.
import type { ApiClient } from '../../shared/client/api-client.ts';
import type { ComposeCluster } from './compose-cluster.ts';
import { probeLeasesAndPods } from '../e2e/component-probes.ts';
import { ProbeSet } from '../e2e/probe-set.ts';
import { httpGetFrom } from './in-cluster-http.ts';
import { create, serviceManifest } from '../e2e/workloads.ts';
import { Report, secs } from './report.ts';

export class Resumption extends ProbeSet {
  /** Waits for every probe; one check per probe, in the order they held, its time counted from `since`. */
  async report(report: Report, since: number): Promise<void> {
    for (const row of await this.settled()) {
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
  await probeLeasesAndPods(r, client, ns, nodes, since, wording);
  const svc = await create<{ spec: { ports: { nodePort: number }[] } }>(client, `/api/v1/namespaces/${ns}/services`, serviceManifest('conv', 'NodePort'));
  nodes.forEach((node, i) => {
    // Asked from the next node's container: node addresses are the project's own, routed on its network.
    const from = nodes[(i + 1) % nodes.length];
    const n = Number(node.slice('node-'.length));
    const url = `http://${cluster.nodeIP(n)}:${svc.spec.ports[0].nodePort}/`;
    r.probe(`kube-proxy ${node} serves a NodePort Service created ${wording}`, async () => !!(await httpGetFrom(cluster, from, [url], 1_000))[0]?.body, 250);
  });
}
