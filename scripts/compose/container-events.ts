// Docker's own timeline of a few containers (`docker events`): when a signal was actually sent (kill),
// when the container's process ended (die, with its exit code) and when it started again. A compose
// command spends half a second in its own start-up before it acts, so failover times are measured from
// these events, not from when the command was run. The stream is followed live: the daemon keeps only
// its last 256 events, which the health checks' exec events push out within a minute.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface ContainerEvent {
  action: 'kill' | 'die' | 'start';
  containerId: string;
  /** The compose service of the container. */
  service: string;
  /** Milliseconds since the epoch (the daemon's clock is this machine's). */
  at: number;
  /** kill: the signal's number (as a string, "9", "15"). */
  signal?: string;
  /** die: the process's exit code ("137" after SIGKILL). */
  exitCode?: string;
}

interface RawEvent {
  Action: string;
  timeNano: number;
  Actor: { ID: string; Attributes: Record<string, string> };
}

export class ContainerEvents {
  readonly events: ContainerEvent[] = [];
  private readonly child: ChildProcess;
  private readonly closed: Promise<void>;
  private waiters: { match: (e: ContainerEvent) => boolean; resolve: (e: ContainerEvent) => void }[] = [];
  private readonly listeners: ((e: ContainerEvent) => void)[] = [];

  /** Follows the containers' kill, die and start events from a second ago on. */
  constructor(containerIds: string[]) {
    const since = ((Date.now() - 1_000) / 1000).toFixed(3);
    const filters = [...containerIds.map((id) => `container=${id}`), 'event=kill', 'event=die', 'event=start'].flatMap((f) => ['--filter', f]);
    this.child = spawn('docker', ['events', '--since', since, ...filters, '--format', '{{json .}}'], { stdio: ['ignore', 'pipe', 'inherit'] });
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      if (!line.startsWith('{')) return;
      const raw = JSON.parse(line) as RawEvent;
      const attrs = raw.Actor.Attributes ?? {};
      const event: ContainerEvent = {
        action: raw.Action as ContainerEvent['action'],
        containerId: raw.Actor.ID,
        service: attrs['com.docker.compose.service'] ?? '',
        at: raw.timeNano / 1e6,
        ...(attrs.signal !== undefined ? { signal: attrs.signal } : {}),
        ...(attrs.exitCode !== undefined ? { exitCode: attrs.exitCode } : {}),
      };
      this.events.push(event);
      for (const l of this.listeners) l(event);
      this.waiters = this.waiters.filter((w) => {
        if (!w.match(event)) return true;
        w.resolve(event);
        return false;
      });
    });
    this.closed = new Promise((resolve) => this.child.once('close', () => resolve()));
  }

  /** The first event (already seen or still to come) of `service` with `action` at or after `since`. */
  next(service: string, action: ContainerEvent['action'], since: number, timeoutMs = 30_000): Promise<ContainerEvent> {
    const match = (e: ContainerEvent) => e.service === service && e.action === action && e.at >= since;
    const seen = this.events.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`docker reported no ${action} of ${service} within ${timeoutMs / 1000} s`)), timeoutMs);
      this.waiters.push({ match, resolve: (e) => { clearTimeout(timer); resolve(e); } });
    });
  }

  /** Calls `fn` on every event from now on. */
  onEvent(fn: (e: ContainerEvent) => void): void {
    this.listeners.push(fn);
  }

  async stop(): Promise<void> {
    this.child.kill('SIGTERM');
    await this.closed;
  }
}
