// After an outage of the API (an API server killed, an etcd leader killed), every component must carry
// on: the leaders renew their Leases, each kubelet renews its node Lease and runs a pod bound to it,
// the scheduler binds a new pod, each kube-proxy serves a NodePort Service created after the outage.
// Resumption probes all that at once, timed from a given moment; LostLeaseSupervisor plays the
// supervisor kube runs its control plane under (static pods, systemd), which starts a component again
// after it exits with "leaderelection lost".
import type { Node } from '../../shared/api/node.ts';
import type { ApiClient } from '../../shared/client/api-client.ts';
import { logTail } from '../cluster/processes.ts';
import type { ClusterHandle } from './cluster-handle.ts';
import { probeLeasesAndPods } from './component-probes.ts';
import { ProbeSet } from './probe-set.ts';
import { secs, type ScenarioReport } from './report.ts';
import { waitAnswering } from './traffic.ts';
import { create, sleep } from './workloads.ts';

export class Resumption extends ProbeSet {
  /** `since`: the moment the probes are timed from (and Leases must have been renewed after). */
  constructor(private readonly client: ApiClient, readonly since: number, timeoutMs: number) {
    super(timeoutMs);
  }

  /**
   * Probes every component of `cluster`, creating its pods in `ns` and a NodePort Service over the pods
   * labelled app=`app` (a Deployment that runs in `ns`); `when` says "after …" in the rows.
   */
  async components(cluster: ClusterHandle, ns: string, app: string, when: string): Promise<void> {
    const client = this.client;
    const nodes = cluster.processes('kubelet').map((p) => p.node!);
    await probeLeasesAndPods(this, client, ns, nodes, this.since, when);
    const svc = await create<{ spec: { ports: { nodePort: number }[] } }>(client, `/api/v1/namespaces/${ns}/services`, {
      apiVersion: 'v1', kind: 'Service', metadata: { name: 'resumed' }, spec: { type: 'NodePort', selector: { app }, ports: [{ port: 80, targetPort: 80 }] },
    });
    for (const node of nodes) {
      const n = await client.request<Node>('GET', `/api/v1/nodes/${node}`);
      const ip = n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
      this.probe(`kube-proxy ${node} serves a NodePort Service created ${when}`, async () => {
        await waitAnswering(`http://${ip}:${svc.spec.ports[0].nodePort}/`, 1_000);
        return true;
      });
    }
  }

  /** Waits for every probe and adds one row each to `report`, in the order they came true. */
  async report(report: ScenarioReport, sinceWhat: string): Promise<void> {
    for (const row of await this.settled()) {
      report.check(row.what, row.at !== undefined, row.at !== undefined ? `${secs(row.at - this.since)} after ${sinceWhat}` : row.error!);
    }
  }
}

const lostLease = (cluster: ClusterHandle, name: string) => /leaderelection lost/.test(logTail(cluster.paths, name, 40));

export class LostLeaseSupervisor {
  readonly revived: string[] = [];
  private running = true;
  private readonly loop: Promise<void>;

  /** Watches the processes `names` (those alive before the outage). */
  constructor(private readonly cluster: ClusterHandle, private readonly names: string[]) {
    this.loop = (async () => {
      while (this.running) {
        for (const name of names) {
          if (this.revived.includes(name) || cluster.alive(name) || !lostLease(cluster, name)) continue;
          this.revived.push(name);
          await cluster.restart(name).catch(() => {});
        }
        await sleep(500);
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  /**
   * A leader that cannot renew for --leader-elect-renew-deadline exits, by kube's design (its supervisor
   * restarts it); only that is an acceptable death: any other fails the scenario.
   */
  reportDeaths(report: ScenarioReport, expectedDead: string[] = []): void {
    const dead = this.names.filter((name) => !this.cluster.alive(name) && !expectedDead.includes(name));
    const lost = [...this.revived, ...dead.filter((name) => lostLease(this.cluster, name))];
    const otherwise = dead.filter((name) => !lost.includes(name));
    report.check('processes that died in the outage (other than by a lost lease)', otherwise.length === 0, otherwise.join(', ') || 'none');
    if (lost.length) report.note(`${lost.join(', ')} exited with "leaderelection lost" (outage longer than --leader-elect-renew-deadline), as kube's do${this.revived.length ? `; started again as a supervisor would: ${this.revived.join(', ')}` : ''}`);
  }
}
