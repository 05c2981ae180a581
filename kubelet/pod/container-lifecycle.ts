// THE container state machine: everything that happens to one container of a pod, in one place.
//
//   waiting(PodInitializing|ContainerCreating) --pull ok--> running --exit--> terminated
//        |                                         ^  |                        |
//        +-pull fails-> waiting(ErrImagePull) -----+  +--liveness/startup      | restart policy says
//                        -> waiting(ImagePullBackOff)    probe fails: kill ----+ restart:
//                                                                               at once, or after
//                                   running <---- back-off expires ---- waiting(CrashLoopBackOff)
//
// It is driven by the command (its exit code), the probes and the restart policy (Always, OnFailure,
// Never; init containers restart only on failure, sidecars always), with kube's back-off (10s doubling
// to 5 min). stop() (pod termination) ends it for good. The pod worker decides only *when* a container
// starts (sandbox first, init containers in order); the container then lives on its own and reports
// every change through host.changed().
import { randomBytes } from 'node:crypto';
import type { Container } from '../../shared/api/container.ts';
import type { ContainerStatus, Pod } from '../../shared/api/pod.ts';
import type { EventType } from '../../shared/events.ts';
import type { NodeContext } from '../node-context.ts';
import { ProbeWorker, type ProbeKind } from '../probe/probe-worker.ts';
import { ContainerProcess, expandKubeVars, type ExitInfo } from '../runtime/container-process.ts';
import type { PulledImage } from '../runtime/images.ts';
import { BackOff } from './back-off.ts';
import { containerEnv } from './container-env.ts';

export type ContainerRole = 'init' | 'sidecar' | 'regular';

/** What the pod worker gives its containers. */
export interface ContainerHost {
  readonly node: NodeContext;
  pod(): Pod;
  /** The pod's IP (the node's with hostNetwork). */
  podIP(): string;
  changed(): void;
  event(type: EventType, reason: string, message: string, fieldPath: string): void;
}

interface Terminated {
  exitCode: number;
  reason: string;
  message?: string;
  startedAt: string;
  finishedAt: string;
  containerID: string;
}

type State =
  | { kind: 'waiting'; reason: string; message?: string }
  | { kind: 'running'; process: ContainerProcess; startedAt: string }
  | { kind: 'terminated'; last: Terminated };

const timestamp = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
const newContainerID = () => randomBytes(32).toString('hex');
const RUNTIME = 'k8ts';

/** Go's time.Duration printing for whole seconds: 10s, 1m20s, 5m0s. */
function goDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${s % 60}s`;
}

export class ContainerLifecycle {
  private state: State;
  private lastState?: Terminated;
  restartCount = 0;
  ready = false;
  started = false;
  private launched = false;
  private stopped = false;
  private image?: PulledImage;
  private lastPullFailure = 0;
  private timer?: NodeJS.Timeout;
  private probes: ProbeWorker[] = [];
  private readonly restartBackOff: BackOff;
  private readonly pullBackOff: BackOff;
  /** The latest runs by container ID (the current and the previous one, for logs). */
  private readonly runs = new Map<string, ContainerProcess>();

  constructor(readonly spec: Container, readonly role: ContainerRole, private readonly host: ContainerHost, initialReason: string) {
    this.state = { kind: 'waiting', reason: initialReason };
    const { backOffInitialMs, backOffMaxMs } = host.node.settings;
    this.restartBackOff = new BackOff(backOffInitialMs, backOffMaxMs);
    this.pullBackOff = new BackOff(backOffInitialMs, backOffMaxMs);
  }

  get name(): string {
    return this.spec.name;
  }

  get running(): boolean {
    return this.state.kind === 'running';
  }

  get hasLaunched(): boolean {
    return this.launched;
  }

  /** Exited and will not run again (by its restart policy, or because the pod is stopping). */
  get finished(): boolean {
    return this.state.kind === 'terminated' && (this.stopped || !this.shouldRestart(this.state.last.exitCode));
  }

  /** Its last run ended with exit code 0 (and it is not running again). */
  get succeeded(): boolean {
    return this.state.kind === 'terminated' && this.state.last.exitCode === 0;
  }

  /** Exited non-zero and will not be restarted. */
  get failedForGood(): boolean {
    return this.finished && !this.succeeded;
  }

  private get fieldPath(): string {
    return `spec.${this.role === 'regular' ? 'containers' : 'initContainers'}{${this.spec.name}}`;
  }

  private event(type: EventType, reason: string, message: string): void {
    this.host.event(type, reason, message, this.fieldPath);
  }

  /** Carries over what the API last showed of an earlier run (kubelet restart: the node "rebooted"). */
  adopt(previous: ContainerStatus): void {
    this.restartCount = previous.restartCount ?? 0;
    const ran = previous.state?.running ?? previous.state?.terminated;
    if (previous.state?.terminated?.exitCode === 0 && this.role === 'init') {
      this.launched = true;
      const t = previous.state.terminated;
      this.state = { kind: 'terminated', last: { exitCode: 0, reason: 'Completed', startedAt: t.startedAt ?? '', finishedAt: t.finishedAt ?? '', containerID: (previous.containerID ?? '').replace(/^\w+:\/\//, '') } };
      return;
    }
    if (ran && previous.containerID) {
      // Its process did not survive: it ends as kube reports containers lost with a node, then restarts by policy.
      const now = timestamp(new Date());
      this.lastState = { exitCode: 255, reason: 'Unknown', startedAt: (previous.state?.running?.startedAt ?? previous.state?.terminated?.startedAt) ?? now, finishedAt: now, containerID: previous.containerID.replace(/^\w+:\/\//, '') };
      this.state = { kind: 'terminated', last: this.lastState };
      this.restartCount++;
    }
  }

  /** Begins this container's life (once; restarts happen by themselves). */
  start(): void {
    if (this.launched || this.stopped) return;
    this.launched = true;
    if (this.state.kind === 'terminated' && !this.shouldRestart(this.state.last.exitCode)) return;
    void this.launch();
  }

  private async launch(): Promise<void> {
    if (this.stopped) return;
    if (this.state.kind === 'waiting' && this.state.reason === 'PodInitializing') {
      this.state = { kind: 'waiting', reason: 'ContainerCreating' };
      this.host.changed();
    }
    const image = await this.ensureImage();
    if (!image || this.stopped) return;
    this.image = image;
    const pod = this.host.pod();
    const ip = this.host.podIP();
    const env = containerEnv(this.spec, pod, ip, this.host.node.nodeIP);
    const argv = [...(this.spec.command ?? []), ...(this.spec.args ?? [])].map((a) => expandKubeVars(a, env));
    const process = new ContainerProcess({ id: newContainerID(), argv, env, podName: pod.metadata.name ?? '', ip, ports: this.spec.ports ?? [], logger: this.host.node.logger });
    this.event('Normal', 'Created', `Created container: ${this.spec.name}`);
    process.start();
    this.runs.set(process.id, process);
    for (const id of [...this.runs.keys()].slice(0, -2)) this.runs.delete(id);
    this.state = { kind: 'running', process, startedAt: timestamp(process.startedAt) };
    this.started = !this.spec.startupProbe;
    this.ready = this.started && !this.spec.readinessProbe;
    this.event('Normal', 'Started', `Started container ${this.spec.name}`);
    this.startProbes(process);
    void process.exited.then((exit) => this.exited(process, exit));
    this.host.changed();
  }

  /** The image to run, pulled if the policy says so; undefined when it is not available (yet). */
  private async ensureImage(): Promise<PulledImage | undefined> {
    const { images } = this.host.node;
    const image = this.spec.image ?? '';
    const policy = this.spec.imagePullPolicy ?? 'IfNotPresent';
    const present = images.get(image);
    if (present && policy !== 'Always') {
      this.event('Normal', 'Pulled', `Container image "${image}" already present on machine`);
      return present;
    }
    if (policy === 'Never') {
      const message = `Container image "${image}" is not present with pull policy of Never`;
      this.setWaiting('ErrImageNeverPull', message);
      this.event('Warning', 'ErrImageNeverPull', message);
      return undefined;
    }
    const wait = this.lastPullFailure ? this.pullBackOff.remaining(this.lastPullFailure) : 0;
    if (wait > 0) {
      this.setWaiting('ImagePullBackOff', `Back-off pulling image "${image}"`);
      this.event('Normal', 'BackOff', `Back-off pulling image "${image}"`);
      this.event('Warning', 'Failed', 'Error: ImagePullBackOff');
      this.retryLaunch(wait);
      return undefined;
    }
    this.event('Normal', 'Pulling', `Pulling image "${image}"`);
    const began = Date.now();
    try {
      const pulled = await images.pull(image);
      const took = `${Date.now() - began}ms`;
      this.event('Normal', 'Pulled', `Successfully pulled image "${image}" in ${took} (${took} including waiting). Image size: ${pulled.sizeBytes} bytes.`);
      return pulled;
    } catch (err) {
      this.lastPullFailure = Date.now();
      this.pullBackOff.next(this.lastPullFailure);
      const message = (err as Error).message;
      this.setWaiting('ErrImagePull', message);
      this.event('Warning', 'Failed', `Failed to pull image "${image}": ${message}`);
      this.event('Warning', 'Failed', 'Error: ErrImagePull');
      // The next sync finds the pull in back-off (ImagePullBackOff) until the back-off expires.
      this.retryLaunch(Math.min(1000, this.pullBackOff.current));
      return undefined;
    }
  }

  private setWaiting(reason: string, message?: string): void {
    this.state = { kind: 'waiting', reason, message };
    this.host.changed();
  }

  private retryLaunch(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.launch(), ms);
  }

  private startProbes(process: ContainerProcess): void {
    const target = { ip: this.host.podIP(), ports: this.spec.ports ?? [], process };
    const hooks = {
      mayProbe: () => this.started,
      result: (kind: ProbeKind, success: boolean) => this.probed(kind, success, process),
      failed: (kind: ProbeKind, output: string) => this.event('Warning', 'Unhealthy', `${kind[0].toUpperCase()}${kind.slice(1)} probe failed: ${output}`),
    };
    const startup = this.spec.startupProbe;
    if (startup) this.probes.push(new ProbeWorker('startup', startup, target, { ...hooks, mayProbe: () => true }));
    if (this.spec.livenessProbe) this.probes.push(new ProbeWorker('liveness', this.spec.livenessProbe, target, hooks));
    if (this.spec.readinessProbe) this.probes.push(new ProbeWorker('readiness', this.spec.readinessProbe, target, hooks));
    for (const p of this.probes) p.start(process.startedAt.getTime());
  }

  private probed(kind: ProbeKind, success: boolean, process: ContainerProcess): void {
    if (this.state.kind !== 'running' || this.state.process !== process) return;
    if (kind === 'readiness') {
      if (this.ready === success) return;
      this.ready = success;
      this.host.changed();
    } else if (kind === 'startup' && success) {
      this.started = true;
      this.ready = !this.spec.readinessProbe;
      this.host.changed();
    } else if (!success) {
      void this.kill(`Container ${this.spec.name} failed ${kind} probe, will be restarted`, this.probeKillGraceMs(kind));
    }
  }

  private stopProbes(): void {
    for (const p of this.probes) p.stop();
    this.probes = [];
  }

  /**
   * kube's grace for a probe kill: the probe's terminationGracePeriodSeconds, else the pod's, and never
   * under 2 s (minimumGracePeriodInSeconds: SIGKILL only when the program had a chance to stop).
   */
  private probeKillGraceMs(kind: ProbeKind): number {
    const probe = kind === 'startup' ? this.spec.startupProbe : this.spec.livenessProbe;
    const seconds = probe?.terminationGracePeriodSeconds ?? this.host.pod().spec.terminationGracePeriodSeconds ?? 30;
    return Math.max(seconds, 2) * 1000;
  }

  /** Kills the running process (SIGTERM, SIGKILL after the grace period); what follows is up to the restart policy. */
  private async kill(message: string, gracePeriodMs: number): Promise<void> {
    if (this.state.kind !== 'running') return;
    this.event('Normal', 'Killing', message);
    await this.state.process.stop(gracePeriodMs);
  }

  private exited(process: ContainerProcess, exit: ExitInfo): void {
    if (this.state.kind !== 'running' || this.state.process !== process) return;
    this.stopProbes();
    const last: Terminated = {
      exitCode: exit.exitCode,
      reason: exit.exitCode === 0 ? 'Completed' : 'Error',
      message: this.terminationMessage(process, exit.exitCode),
      startedAt: this.state.startedAt,
      finishedAt: timestamp(exit.finishedAt),
      containerID: process.id,
    };
    this.state = { kind: 'terminated', last };
    this.ready = this.role === 'init' && exit.exitCode === 0;
    this.started = false;
    if (this.stopped || !this.shouldRestart(exit.exitCode)) return this.host.changed();
    this.restartAfterBackOff(last);
  }

  /** terminationMessagePath's content, or with FallbackToLogsOnError the log's tail after a failure. */
  private terminationMessage(process: ContainerProcess, exitCode: number): string | undefined {
    const file = process.files.get(this.spec.terminationMessagePath ?? '/dev/termination-log');
    if (file) return file.slice(0, 4096);
    if (this.spec.terminationMessagePolicy === 'FallbackToLogsOnError' && exitCode !== 0) {
      const tail = process.log.read({ tailLines: 80 }).map((l) => l.text).join('\n');
      return tail ? tail.slice(-2048) : undefined;
    }
    return undefined;
  }

  private shouldRestart(exitCode: number): boolean {
    if (this.role === 'sidecar') return true;
    const policy = this.host.pod().spec.restartPolicy ?? 'Always';
    if (this.role === 'init') return policy !== 'Never' && exitCode !== 0;
    return policy === 'Always' || (policy === 'OnFailure' && exitCode !== 0);
  }

  private restartAfterBackOff(last: Terminated): void {
    const wait = this.restartBackOff.remaining(Date.parse(last.finishedAt));
    if (wait <= 0) return this.restart(last);
    const pod = this.host.pod();
    const who = `${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})`;
    this.lastState = last;
    this.state = { kind: 'waiting', reason: 'CrashLoopBackOff', message: `back-off ${goDuration(this.restartBackOff.current)} restarting failed container=${this.spec.name} pod=${who}` };
    this.event('Warning', 'BackOff', `Back-off restarting failed container ${this.spec.name} in pod ${who}`);
    this.host.changed();
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.restart(last), wait);
  }

  private restart(last: Terminated): void {
    if (this.stopped) return;
    this.restartBackOff.next();
    this.lastState = last;
    this.restartCount++;
    void this.launch();
  }

  /** Pod termination: stop for good (SIGTERM now, SIGKILL after the grace period), never restart. */
  async stop(gracePeriodMs: number): Promise<void> {
    const first = !this.stopped;
    this.stopped = true;
    clearTimeout(this.timer);
    this.stopProbes();
    if (this.state.kind !== 'running') return;
    if (first) this.event('Normal', 'Killing', `Stopping container ${this.spec.name}`);
    await this.state.process.stop(gracePeriodMs);
  }

  /** The run whose log `kubectl logs` shows (kube's rules), or why there is none. */
  logSource(previous: boolean): ContainerProcess | string {
    const pod = this.host.pod().metadata.name;
    const byID = (id?: string) => (id ? this.runs.get(id) : undefined);
    if (previous) return byID(this.lastState?.containerID) ?? `previous terminated container "${this.spec.name}" in pod "${pod}" not found`;
    switch (this.state.kind) {
      case 'running': return this.state.process;
      case 'terminated': return byID(this.state.last.containerID) ?? `container "${this.spec.name}" in pod "${pod}" is terminated`;
      case 'waiting':
        if (this.lastState) return byID(this.lastState.containerID) ?? `container "${this.spec.name}" in pod "${pod}" is terminated`;
        if (this.state.reason === 'ErrImagePull') return `container "${this.spec.name}" in pod "${pod}" is waiting to start: image can't be pulled`;
        if (this.state.reason === 'ImagePullBackOff') return `container "${this.spec.name}" in pod "${pod}" is waiting to start: trying and failing to pull image`;
        return `container "${this.spec.name}" in pod "${pod}" is waiting to start: ${this.state.reason}`;
    }
  }

  status(): ContainerStatus {
    const image = this.image?.ref ?? this.spec.image ?? '';
    const s: ContainerStatus = { name: this.spec.name, state: {}, lastState: {}, ready: this.ready, restartCount: this.restartCount, image, imageID: this.image?.imageID ?? '', started: this.running ? this.started : false };
    const terminated = (t: Terminated) => ({ exitCode: t.exitCode, reason: t.reason, ...(t.message ? { message: t.message } : {}), startedAt: t.startedAt, finishedAt: t.finishedAt, containerID: `${RUNTIME}://${t.containerID}` });
    switch (this.state.kind) {
      case 'waiting':
        s.state.waiting = { reason: this.state.reason, ...(this.state.message ? { message: this.state.message } : {}) };
        if (this.lastState) s.containerID = `${RUNTIME}://${this.lastState.containerID}`;
        break;
      case 'running':
        s.state.running = { startedAt: this.state.startedAt };
        s.containerID = `${RUNTIME}://${this.state.process.id}`;
        break;
      case 'terminated':
        s.state.terminated = terminated(this.state.last);
        if (this.state.last.containerID) s.containerID = `${RUNTIME}://${this.state.last.containerID}`;
        break;
    }
    if (this.lastState && !(this.state.kind === 'terminated' && this.state.last === this.lastState)) s.lastState.terminated = terminated(this.lastState);
    return s;
  }
}
