// The periodic prober of one probe of one running container (kube's prober worker): the first
// attempt after initialDelaySeconds, then every periodSeconds; a result counts only once it repeats
// successThreshold (or failureThreshold) times in a row. A liveness or startup failure puts the worker
// on hold: the container is about to be restarted, and its next run gets fresh workers.
import type { Probe } from '../../shared/api/container.ts';
import { runProbe, type ProbeTarget } from './prober.ts';

export type ProbeKind = 'liveness' | 'readiness' | 'startup';

export interface ProbeWorkerHooks {
  /** May this probe run now? (liveness and readiness wait for the startup probe.) */
  mayProbe(): boolean;
  /** A result that crossed its threshold. */
  result(kind: ProbeKind, success: boolean): void;
  /** Every failed attempt, for the Unhealthy event. */
  failed(kind: ProbeKind, output: string): void;
}

export class ProbeWorker {
  private timer?: NodeJS.Timeout;
  private lastResult?: boolean;
  private resultRun = 0;
  private stopped = false;
  private onHold = false;

  constructor(readonly kind: ProbeKind, private readonly probe: Probe, private readonly target: ProbeTarget, private readonly hooks: ProbeWorkerHooks) {}

  start(startedAtMs: number): void {
    const first = Math.max(0, startedAtMs + (this.probe.initialDelaySeconds ?? 0) * 1000 - Date.now());
    this.schedule(first);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick(), ms);
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    if (!this.onHold && this.hooks.mayProbe()) await this.attempt();
    this.schedule((this.probe.periodSeconds || 10) * 1000);
  }

  private async attempt(): Promise<void> {
    const outcome = await runProbe(this.probe, this.target);
    if (this.stopped) return;
    if (!outcome.success) this.hooks.failed(this.kind, outcome.output);
    if (this.lastResult === outcome.success) this.resultRun++;
    else {
      this.lastResult = outcome.success;
      this.resultRun = 1;
    }
    const threshold = outcome.success ? this.probe.successThreshold || 1 : this.probe.failureThreshold || 3;
    if (this.resultRun < threshold) return;
    this.hooks.result(this.kind, outcome.success);
    if (!outcome.success && this.kind !== 'readiness') {
      this.onHold = true;
      this.resultRun = 0;
    }
    // A startup probe that passed has done its job.
    if (outcome.success && this.kind === 'startup') this.stop();
  }
}
