// Leader election over a coordination.k8s.io/v1 Lease, as client-go's tools/leaderelection does it:
// candidates try to write their identity into the Lease by optimistic update (PUT carrying the
// resourceVersion they read; create when absent); the holder renews it every retry period; a holder
// that has not renewed for leaseDurationSeconds (measured on the candidate's own clock from when it
// last saw the record change) may be replaced. Beyond client-go, standbys also WATCH the Lease, so a
// released lease (empty holderIdentity, as ReleaseOnCancel leaves it) is taken over at once.
//
// Safety: a leader may act only while now < (start of its last successful renewal) + renewDeadline.
// isLeader() checks that against the monotonic clock (which keeps running while the process is
// SIGSTOPped) and the wall clock (which also runs while the machine sleeps), so a process resumed after its lease ran out finds out synchronously, before acting,
// and leadership is dropped on the spot (the leader's signal aborts, onStoppedLeading runs). Since
// renewDeadline < leaseDuration and a candidate only takes over leaseDuration after it saw our last
// write, our window always closes before anyone else's opens.
import { performance } from 'node:perf_hooks';
import { Counter, Gauge, register as defaultRegistry, type Registry } from 'prom-client';
import type { Lease, LeaseSpec } from './api/coordination.ts';
import { isNotFound, type ApiClient } from './client/api-client.ts';
import type { EventRecorder } from './events.ts';
import { LeaseLock, microTime, olderThan, sameRecord } from './lease-lock.ts';
import type { Logger } from './log.ts';

export { microTime };

export interface LeaderCallbacks {
  /** This replica now leads; stop everything when `signal` aborts. */
  onStartedLeading(signal: AbortSignal): void;
  /** Leadership ended: lost (renew deadline passed, lease taken) or given up on cancel. Called once. */
  onStoppedLeading(): void;
  /** The observed holder changed (to someone, possibly this replica). */
  onNewLeader?(identity: string): void;
}

export interface LeaderElectionConfig {
  client: ApiClient;
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  callbacks: LeaderCallbacks;
  /** On cancel, hand the lease over at once (holderIdentity "", leaseDurationSeconds 1). Default true. */
  releaseOnCancel?: boolean;
  /** Awaited on cancel after the leader's signal aborted and before the release: let in-flight work drain. */
  beforeRelease?(): Promise<void>;
  recorder?: EventRecorder;
  logger?: Logger;
  registry?: Registry;
}

export const LEADER_ELECTION_DEFAULTS = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 };
/** client-go's JitterFactor: retries wait retryPeriod * [1, 2.2). */
const JITTER = 1.2;

const now = () => performance.now();

function metric<T>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

export class LeaderElector {
  readonly leaseDurationMs: number;
  readonly renewDeadlineMs: number;
  readonly retryPeriodMs: number;
  private readonly lock: LeaseLock;
  private readonly status: Gauge<'name'>;
  private readonly slowpath: Counter<'name'>;
  private observed?: Lease;
  private observedRecord: LeaseSpec = {};
  /** Monotonic time at which the record was last seen to change (client-go's observedTime). */
  private observedAt = 0;
  private leading = false;
  /** When the last successful acquire/renew was sent, on the monotonic clock and on the wall clock. */
  private renewedAt = 0;
  private renewedAtWall = 0;
  private leadController?: AbortController;
  private watchdog?: NodeJS.Timeout;
  private interrupt?: () => void;
  private reportedLeader = '';
  private stopped = false;

  constructor(private readonly config: LeaderElectionConfig) {
    this.leaseDurationMs = config.leaseDurationMs ?? LEADER_ELECTION_DEFAULTS.leaseDurationMs;
    this.renewDeadlineMs = config.renewDeadlineMs ?? LEADER_ELECTION_DEFAULTS.renewDeadlineMs;
    this.retryPeriodMs = config.retryPeriodMs ?? LEADER_ELECTION_DEFAULTS.retryPeriodMs;
    // client-go's NewLeaderElector checks, with its messages.
    if (this.leaseDurationMs <= this.renewDeadlineMs) throw new Error('leaseDuration must be greater than renewDeadline');
    if (this.renewDeadlineMs <= JITTER * this.retryPeriodMs) throw new Error('renewDeadline must be greater than retryPeriod*JitterFactor');
    if (this.retryPeriodMs < 1) throw new Error('retryPeriod must be greater than zero');
    if (this.leaseDurationMs < 1000) throw new Error('leaseDuration must be at least one second (leaseDurationSeconds is whole seconds)');
    if (!config.identity) throw new Error('Lock identity is empty');
    this.lock = new LeaseLock(config.client, config.namespace, config.name);
    const registry = config.registry ?? defaultRegistry;
    this.status = metric(registry, 'leader_election_master_status', () => new Gauge({ name: 'leader_election_master_status', help: 'Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master. \'name\' is the string used to identify the lease.', labelNames: ['name'], registers: [registry] }));
    this.slowpath = metric(registry, 'leader_election_slowpath_total', () => new Counter({ name: 'leader_election_slowpath_total', help: 'Total number of slow path exercised in renewing leader leases. \'name\' is the string used to identify the lease.', labelNames: ['name'], registers: [registry] }));
    this.status.set({ name: config.name }, 0);
  }

  get identity(): string {
    return this.config.identity;
  }

  /** The holder as last observed ('' when free or unknown). */
  get holder(): string {
    return this.observedRecord.holderIdentity ?? '';
  }

  get leaseTransitions(): number {
    return this.observedRecord.leaseTransitions ?? 0;
  }

  /** True while this replica may act. Past the renew deadline it drops leadership here and now. */
  isLeader(): boolean {
    if (this.leading && this.renewDeadlinePassed()) {
      this.loseLeadership(`failed to renew lease within ${this.renewDeadlineMs}ms`);
    }
    return this.leading;
  }

  /**
   * Either clock suffices to end leadership: the monotonic one runs on while the process is stopped
   * but not while the machine sleeps, the wall clock runs across both but may be stepped. A step
   * forward only costs a needless loss; a step back is covered by the monotonic clock.
   */
  private renewDeadlinePassed(): boolean {
    return now() >= this.renewedAt + this.renewDeadlineMs || Date.now() >= this.renewedAtWall + this.renewDeadlineMs;
  }

  /** kube's leader election healthz check: a leader that has not renewed for too long is unhealthy. */
  healthy(toleranceMs = 20_000): boolean {
    return !this.isLeader() || now() - this.observedAt <= this.leaseDurationMs + toleranceMs;
  }

  /** Campaigns until leading, leads until the lease is lost or `signal` aborts (then releases it). */
  async run(signal: AbortSignal): Promise<void> {
    const watching = new AbortController();
    const onAbort = () => { watching.abort(); this.interrupt?.(); };
    signal.addEventListener('abort', onAbort, { once: true });
    void this.lock.watch(watching.signal, {
      onChange: (lease) => this.onWatched(lease),
      onDelete: () => this.onWatchedDeleted(),
      onError: (err) => this.log?.debug({ lease: this.desc, err: err.message }, 'lease watch failed; retrying'),
    }, this.retryPeriodMs);
    try {
      if (!(await this.acquire(signal))) return;
      // Won just as we were cancelled: never start, hand it straight back.
      if (signal.aborted) return await this.release();
      this.startLeading();
      await this.renewLoop(signal);
      if (this.leading) await this.stepDown();
    } finally {
      signal.removeEventListener('abort', onAbort);
      watching.abort();
    }
  }

  private get log() {
    return this.config.logger;
  }

  private get desc(): string {
    return this.lock.describe();
  }

  private async acquire(signal: AbortSignal): Promise<boolean> {
    this.log?.info({ lease: this.desc }, 'attempting to acquire leader lease');
    while (!signal.aborted) {
      if (await this.tryAcquireOrRenew(AbortSignal.any([signal, AbortSignal.timeout(this.renewDeadlineMs)]))) {
        this.log?.info({ lease: this.desc }, 'successfully acquired lease');
        return true;
      }
      // Retry after the jittered period, or as soon as the observed lease expires or is released.
      let wait = this.retryPeriodMs * (1 + Math.random() * JITTER);
      if (this.holder) wait = Math.min(wait, Math.max(0, this.observedAt + this.observedDurationMs() - now()) + 1);
      await this.pause(wait);
    }
    return false;
  }

  private startLeading(): void {
    this.leading = true;
    this.leadController = new AbortController();
    this.armWatchdog();
    this.status.set({ name: this.config.name }, 1);
    this.recordEvent('became leader');
    this.config.callbacks.onStartedLeading(this.leadController.signal);
  }

  private async renewLoop(signal: AbortSignal): Promise<void> {
    while (this.leading && !signal.aborted) {
      // Renew every retry period, but sooner when the deadline is nearer than that (an acquire that
      // finally succeeded late in a long attempt, e.g. right after an API server outage): waiting a full
      // period then would let the deadline pass before the first renewal, as client-go does not.
      const left = this.renewedAt + this.renewDeadlineMs - now();
      await this.pause(Math.min(this.retryPeriodMs, Math.max(0, left - this.retryPeriodMs)));
      if (signal.aborted || !this.isLeader()) return;
      const remaining = this.renewedAt + this.renewDeadlineMs - now();
      // Not aborted on cancel: a renewal cut in flight would leave the resourceVersion unknown for release.
      if (await this.tryAcquireOrRenew(AbortSignal.timeout(Math.max(1, Math.ceil(remaining))))) {
        if (this.leading) this.armWatchdog();
      } else this.log?.info({ lease: this.desc }, 'failed to renew lease; retrying');
    }
  }

  /** Cancelled while leading: stop the work, let it drain, hand the lease over. */
  private async stepDown(): Promise<void> {
    this.leadController?.abort(new Error('leader election cancelled'));
    await this.config.beforeRelease?.();
    if (this.leading && this.config.releaseOnCancel !== false) await this.release();
    if (this.leading) {
      this.leading = false;
      clearTimeout(this.watchdog);
      this.status.set({ name: this.config.name }, 0);
      this.recordEvent('stopped leading');
      this.stoppedLeading();
    }
  }

  private async release(): Promise<void> {
    if (!this.observed || this.observedRecord.holderIdentity !== this.identity) return;
    const stamp = microTime();
    const spec: LeaseSpec = { holderIdentity: '', leaseDurationSeconds: 1, acquireTime: stamp, renewTime: stamp, leaseTransitions: this.observedRecord.leaseTransitions };
    try {
      // Carries the resourceVersion of our own last write: if anyone wrote since, it is not ours to release.
      this.observe(await this.lock.update(this.observed, spec, AbortSignal.timeout(this.renewDeadlineMs)), now());
      this.log?.info({ lease: this.desc }, 'released leader lease');
    } catch (err) {
      this.log?.warn({ lease: this.desc, err: (err as Error).message }, 'failed to release lease');
    }
  }

  private loseLeadership(reason: string): void {
    if (!this.leading) return;
    this.leading = false;
    clearTimeout(this.watchdog);
    this.status.set({ name: this.config.name }, 0);
    this.log?.error({ lease: this.desc, reason }, 'leaderelection lost');
    this.leadController?.abort(new Error(`leaderelection lost: ${reason}`));
    this.interrupt?.();
    this.stoppedLeading();
  }

  private stoppedLeading(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.config.callbacks.onStoppedLeading();
  }

  /** Fires at the renew deadline so that leadership ends on time even when nothing calls isLeader(). */
  private armWatchdog(): void {
    clearTimeout(this.watchdog);
    this.watchdog = setTimeout(() => this.isLeader(), Math.max(0, this.renewedAt + this.renewDeadlineMs - now()) + 1);
  }

  private observedDurationMs(): number {
    return (this.observedRecord.leaseDurationSeconds ?? this.leaseDurationMs / 1000) * 1000;
  }

  private leaseValid(at: number): boolean {
    return this.observedAt + this.observedDurationMs() > at;
  }

  /** Takes in a Lease read from the server; returns false for one older than what we have seen. */
  private observe(lease: Lease, at: number): boolean {
    if (olderThan(lease, this.observed)) return false;
    this.observed = lease;
    if (!sameRecord(lease.spec ?? {}, this.observedRecord)) {
      this.observedRecord = { ...lease.spec };
      this.observedAt = at;
    }
    const holder = this.holder;
    if (holder && holder !== this.reportedLeader) {
      this.reportedLeader = holder;
      if (holder !== this.identity) this.log?.info({ lease: this.desc, holder }, 'new leader elected');
      this.config.callbacks.onNewLeader?.(holder);
    }
    return true;
  }

  /** client-go's tryAcquireOrRenew: one attempt to take or keep the lease. */
  private async tryAcquireOrRenew(signal: AbortSignal): Promise<boolean> {
    const start = now();
    const startWall = Date.now();
    const stamp = microTime(new Date(startWall));
    const desired: LeaseSpec = {
      holderIdentity: this.identity,
      leaseDurationSeconds: Math.floor(this.leaseDurationMs / 1000),
      acquireTime: stamp,
      renewTime: stamp,
      leaseTransitions: 0,
    };
    const succeeded = (lease: Lease) => {
      this.observe(lease, start);
      this.renewedAt = start;
      this.renewedAtWall = startWall;
      return true;
    };
    // Fast path: the leader rewrites the lease it last wrote, without reading it first.
    if (this.leading && this.observed && this.holder === this.identity) {
      const spec = { ...desired, acquireTime: this.observedRecord.acquireTime, leaseTransitions: this.observedRecord.leaseTransitions };
      try {
        return succeeded(await this.lock.update(this.observed, spec, signal));
      } catch (err) {
        if (signal.aborted) return false;
        this.slowpath.inc({ name: this.config.name });
        this.log?.debug({ lease: this.desc, err: (err as Error).message }, 'fast-path renewal failed; reading the lease');
      }
    }
    let current: Lease;
    try {
      current = await this.lock.get(signal);
    } catch (err) {
      if (!isNotFound(err)) {
        this.log?.warn({ lease: this.desc, err: (err as Error).message }, 'error retrieving resource lock');
        return false;
      }
      try {
        return succeeded(await this.lock.create(desired, signal));
      } catch (createErr) {
        this.log?.info({ lease: this.desc, err: (createErr as Error).message }, 'error initially creating leader election record');
        return false;
      }
    }
    this.observe(current, now());
    const record = this.observedRecord;
    if (this.leading && record.holderIdentity !== this.identity) {
      this.loseLeadership(`lease is now held by "${record.holderIdentity ?? ''}"`);
      return false;
    }
    if (record.holderIdentity && record.holderIdentity !== this.identity && this.leaseValid(now())) {
      this.log?.debug({ lease: this.desc, holder: record.holderIdentity }, 'lock is held and has not yet expired');
      return false;
    }
    if (record.holderIdentity === this.identity) {
      desired.acquireTime = record.acquireTime;
      desired.leaseTransitions = record.leaseTransitions;
    } else {
      desired.leaseTransitions = (record.leaseTransitions ?? 0) + 1;
    }
    try {
      return succeeded(await this.lock.update(current, desired, signal));
    } catch (err) {
      this.log?.info({ lease: this.desc, err: (err as Error).message }, 'failed to update lock');
      return false;
    }
  }

  private onWatched(lease: Lease): void {
    if (!this.observe(lease, now())) return;
    if (this.leading && this.holder !== this.identity) this.loseLeadership(`lease is now held by "${this.holder}"`);
    else if (!this.leading && (!this.holder || !this.leaseValid(now()))) this.interrupt?.();
  }

  private onWatchedDeleted(): void {
    this.observed = undefined;
    this.observedRecord = {};
    if (this.leading) this.loseLeadership('lease was deleted');
    else this.interrupt?.();
  }

  /** Waits `ms`, or less when interrupted (lease freed, leadership lost, cancelled). */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        if (this.interrupt === done) this.interrupt = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.interrupt = done;
    });
  }

  private recordEvent(what: string): void {
    if (!this.observed) return;
    const subject = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: this.observed.metadata };
    this.config.recorder?.event(subject, 'Normal', 'LeaderElection', `${this.identity} ${what}`);
  }
}
