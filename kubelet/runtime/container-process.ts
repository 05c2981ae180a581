// One run of a container (what a CRI container is): its command read by the tiny shell, its own
// filesystem and log, and its ports served while it runs. stop(grace) is the CRI's StopContainer:
// SIGTERM, then SIGKILL when the grace period is over. SIGTERM ends the program at once with exit code
// 143 (128 + 15), unless it set a TERM trap: `trap '' TERM` ignores it (SIGKILL ends it with 137), an
// action interrupts the program and runs in its place, its `exit N` being the exit code (143 without one).
import type { Logger } from '../../shared/log.ts';
import { ContainerLog } from './container-log.ts';
import { PortServers, type PortSpec } from './port-servers.ts';
import { newContext, runArgv, runTrapAction, Terminated, type ShellContext, type ShellIO } from './shell/interpreter.ts';

export interface ContainerProcessSpec {
  id: string;
  /** command followed by args, with $(VAR) references already expanded. */
  argv: string[];
  env: Map<string, string>;
  podName: string;
  /** Where its ports listen: the pod IP (or the node IP with hostNetwork). */
  ip: string;
  ports: PortSpec[];
  logger: Logger;
}

export interface ExitInfo {
  exitCode: number;
  finishedAt: Date;
}

export interface ExecResult {
  code: number;
  output: string;
  timedOut: boolean;
}

export const SIGTERM_EXIT_CODE = 143;
export const SIGKILL_EXIT_CODE = 137;

/** kube's $(VAR) expansion of command and args from the container's env; $$(VAR) stays literal. */
export function expandKubeVars(text: string, env: Map<string, string>): string {
  return text.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (all, name: string | undefined) => {
    if (name === undefined) return '$';
    return env.get(name) ?? all;
  });
}

export class ContainerProcess {
  readonly log = new ContainerLog();
  readonly files = new Map<string, string>();
  readonly startedAt = new Date();
  readonly exited: Promise<ExitInfo>;
  /** SIGTERM, and SIGKILL (also aborted when PID 1 ends: background jobs die with it). */
  private readonly term = new AbortController();
  private readonly kill = new AbortController();
  private readonly traps = new Map<string, string>();
  private killTimer?: NodeJS.Timeout;
  private killAt = Infinity;
  private readonly ports: PortServers;
  private finish!: (exit: ExitInfo) => void;
  private exit?: ExitInfo;

  constructor(private readonly spec: ContainerProcessSpec) {
    this.exited = new Promise((resolve) => { this.finish = resolve; });
    this.ports = new PortServers(spec.ip, spec.ports, spec.podName, spec.logger);
    this.files.set('/etc/hostname', `${spec.podName}\n`);
    this.files.set('/etc/hosts', `127.0.0.1\tlocalhost\n${spec.ip}\t${spec.podName}\n`);
  }

  get id(): string {
    return this.spec.id;
  }

  get running(): boolean {
    return this.exit === undefined;
  }

  private get io(): ShellIO {
    return { out: (t) => this.log.write('stdout', t), err: (t) => this.log.write('stderr', t), stdin: '' };
  }

  start(): void {
    void this.ports.start();
    void this.main().then((exitCode) => this.ended(exitCode));
  }

  private async main(): Promise<number> {
    const signal = AbortSignal.any([this.term.signal, this.kill.signal]);
    const ctx = newContext({ vars: new Map(this.spec.env), files: this.files, signal, traps: this.traps, unknownCommand: 'daemon', hostname: this.spec.podName });
    try {
      // No command: the image's entrypoint, which serves until stopped.
      if (this.spec.argv.length === 0) return await runArgv(['k8ts-entrypoint'], ctx, this.io);
      return await runArgv(this.spec.argv, ctx, this.io);
    } catch (err) {
      if (!(err instanceof Terminated)) {
        this.log.write('stderr', `k8ts: ${(err as Error).message}\n`);
        return 128;
      }
      if (this.kill.signal.aborted) return SIGKILL_EXIT_CODE;
      return this.onTerm(ctx);
    }
  }

  /** SIGTERM interrupted the program: its TERM trap runs now (until it exits, or SIGKILL). */
  private async onTerm(ctx: ShellContext): Promise<number> {
    const action = this.traps.get('TERM');
    if (!action) return SIGTERM_EXIT_CODE;
    try {
      return (await runTrapAction(action, { ...ctx, signal: this.kill.signal }, this.io)) ?? SIGTERM_EXIT_CODE;
    } catch (err) {
      if (err instanceof Terminated) return SIGKILL_EXIT_CODE;
      this.log.write('stderr', `k8ts: ${(err as Error).message}\n`);
      return 128;
    }
  }

  private async ended(exitCode: number): Promise<void> {
    if (this.exit) return;
    this.exit = { exitCode, finishedAt: new Date() };
    clearTimeout(this.killTimer);
    // Background jobs die with PID 1.
    this.kill.abort();
    await this.ports.stop();
    this.log.close();
    this.finish(this.exit);
  }

  /**
   * SIGTERM now (unless the program ignores it), SIGKILL after `gracePeriodMs`; resolves once the process
   * has exited. A later call may shorten the grace period, never lengthen it.
   */
  stop(gracePeriodMs = 0): Promise<ExitInfo> {
    if (!this.running) return this.exited;
    if (this.traps.get('TERM') !== '') this.term.abort();
    const killAt = Date.now() + gracePeriodMs;
    if (killAt < this.killAt) {
      this.killAt = killAt;
      clearTimeout(this.killTimer);
      this.killTimer = setTimeout(() => this.kill.abort(), gracePeriodMs);
    }
    return this.exited;
  }

  /** Runs a command in the container (an exec probe): same files and environment, unknown programs succeed. */
  async exec(argv: string[], timeoutMs: number): Promise<ExecResult> {
    if (!this.running) return { code: 126, output: 'container not running', timedOut: false };
    const timeout = AbortSignal.timeout(timeoutMs);
    const ctx = newContext({ vars: new Map(this.spec.env), files: this.files, signal: AbortSignal.any([timeout, this.kill.signal]), unknownCommand: 'succeed', hostname: this.spec.podName });
    let output = '';
    const io: ShellIO = { out: (t) => { output += t; }, err: (t) => { output += t; }, stdin: '' };
    try {
      return { code: await runArgv(argv, ctx, io), output, timedOut: false };
    } catch (err) {
      if (err instanceof Terminated) return { code: 137, output, timedOut: timeout.aborted };
      return { code: 126, output: (err as Error).message, timedOut: false };
    }
  }
}
