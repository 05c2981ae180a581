// Stands in, while the API server is down and coming back, for the supervisor kube runs its control
// plane under (the kubelet restarts a static pod; the local cluster's supervisor restarts a process): a
// scheduler or controller-manager container that exits because it lost its Lease (kube's leaders exit on
// "leaderelection lost", by design) is started again at once. docker-compose.yml gives them restart: "no"
// for failover demos, so without this a standby that lost the Lease too would leave the cluster without
// that component, and the convergence checks would measure the harness, not the cluster.
import { run, type ComposeCluster } from './compose-cluster.ts';
import type { ContainerEvents } from './container-events.ts';

export interface LostLease {
  service: string;
  /** docker's die event. */
  exitedAt: number;
  /** How long it had led before losing the Lease, from its own log (undefined: no "started leading" seen). */
  ledMs?: number;
  /** When `compose start` returned. */
  startedAt?: number;
  error?: string;
}

interface LogLine {
  time?: string;
  msg?: string;
}

const CONTROL_PLANE = /^(scheduler|controller-manager)-\d+$/;

const lastOf = <T>(items: T[], match: (item: T) => boolean): T | undefined => [...items].reverse().find(match);

/** Whether a container's log shows it exited on "leaderelection lost". */
async function lostItsLease(containerId: string): Promise<boolean> {
  const { stdout, stderr } = await run('docker', ['logs', '--tail', '50', containerId], { allowFailure: true });
  return `${stdout}\n${stderr}`.includes('"msg":"leaderelection lost"');
}

/**
 * The control-plane services whose container has exited on a lost Lease, e.g. a leader that could not
 * renew within its deadline while a loaded machine was starting the whole cluster: the supervisor's
 * case again, for the set-up to start them.
 */
export async function exitedOnLostLease(cluster: ComposeCluster): Promise<string[]> {
  const exited = [...(await cluster.containers()).values()].filter((c) => CONTROL_PLANE.test(c.service) && c.status === 'exited');
  const lost = await Promise.all(exited.map((c) => lostItsLease(c.id)));
  return exited.filter((_, i) => lost[i]).map((c) => c.service);
}

export class LostLeaseRestarter {
  readonly restarted: LostLease[] = [];
  /** Control-plane containers that exited for another reason: left down, for the scenario to fail on. */
  readonly otherExits: string[] = [];
  private readonly pending: Promise<void>[] = [];

  /** Acts on the die events (from `since` on) of the control-plane containers `events` follows. */
  constructor(private readonly cluster: ComposeCluster, events: ContainerEvents, since: number) {
    events.onEvent((e) => {
      if (!(e.action === 'die' && e.at >= since && CONTROL_PLANE.test(e.service))) return;
      this.pending.push(this.handle(e.service, e.containerId, e.at).catch((err: Error) => void this.otherExits.push(`${e.service} (${err.message.split('\n')[0]})`)));
    });
  }

  private async handle(service: string, containerId: string, exitedAt: number): Promise<void> {
    const { stdout, stderr } = await run('docker', ['logs', '--tail', '500', containerId], { allowFailure: true });
    const lines = `${stdout}\n${stderr}`.split('\n').filter((l) => l.startsWith('{')).map((l) => {
      try {
        return JSON.parse(l) as LogLine;
      } catch {
        return {};
      }
    }).sort((a, b) => Date.parse(a.time ?? '') - Date.parse(b.time ?? ''));
    const lost = lastOf(lines, (l) => l.msg === 'leaderelection lost');
    if (!lost) {
      this.otherExits.push(service);
      return;
    }
    const lostAt = Date.parse(lost.time ?? '');
    const started = lastOf(lines, (l) => l.msg === 'started leading' && Date.parse(l.time ?? '') <= lostAt);
    const entry: LostLease = { service, exitedAt, ...(started ? { ledMs: lostAt - Date.parse(started.time ?? '') } : {}) };
    this.restarted.push(entry);
    try {
      await this.cluster.restart(service);
      entry.startedAt = Date.now();
    } catch (err) {
      entry.error = (err as Error).message.split('\n')[0];
    }
  }

  /** Waits for the restarts under way. */
  async settle(): Promise<void> {
    await Promise.all(this.pending);
  }
}
