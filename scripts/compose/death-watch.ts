// What the kill scenarios watch from before their kill so as to tell, afterwards, which other containers
// died: each container's restart count (docker restarts kube-proxies, unless-stopped, unasked), docker's
// events of the victim and the control plane (the scenario times its kill from them too) and the
// restarter of leaders that exit on a lost Lease (lost-lease-restarter.ts).
import { run, type ComposeCluster } from './compose-cluster.ts';
import { ContainerEvents } from './container-events.ts';
import { LostLeaseRestarter } from './lost-lease-restarter.ts';
import { Report, secs } from './report.ts';

/** Each running container's restart count, by service. */
async function restartCounts(cluster: ComposeCluster): Promise<Map<string, number>> {
  const running = [...(await cluster.containers()).values()].filter((c) => c.status === 'running');
  const out = await run('docker', ['inspect', '-f', '{{index .Config.Labels "com.docker.compose.service"}} {{.RestartCount}}', ...running.map((c) => c.id)]);
  return new Map(out.stdout.trim().split('\n').map((l) => l.split(' ')).map(([s, n]) => [s, Number(n)]));
}

export class DeathWatch {
  private constructor(
    private readonly cluster: ComposeCluster,
    private readonly victim: string,
    private readonly before: Map<string, number>,
    readonly events: ContainerEvents,
    private readonly restarter: LostLeaseRestarter,
  ) {}

  /** Starts watching before `victim` (a compose service) is killed. */
  static async start(cluster: ComposeCluster, victim: string): Promise<DeathWatch> {
    const before = await restartCounts(cluster);
    const watched = [...(await cluster.containers()).values()].filter((c) => /^(scheduler|controller-manager)-/.test(c.service) || c.service === victim);
    const events = new ContainerEvents(watched.map((c) => c.id));
    return new DeathWatch(cluster, victim, before, events, new LostLeaseRestarter(cluster, events, Date.now()));
  }

  /**
   * Containers that died since the start, other than the victim: control-plane ones that exited other
   * than by a lost Lease, any other container not running, any that docker restarted; then one row per
   * leader that lost its Lease and was started again (times from `killedAt`).
   */
  async report(report: Report, killedAt: number): Promise<void> {
    const { cluster, before, victim: killed, restarter } = this;
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

  async stop(): Promise<void> {
    await this.events.stop();
  }
}
