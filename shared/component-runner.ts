// runComponent: the main of every control-plane process (see component.ts for the contract). It
// parses kube's common flags, serves /healthz and /metrics, campaigns for the component's Lease and
// runs the component's work only while it leads. Exits as kube's components do: 0 when asked to stop
// (after the work has stopped and the lease was handed over), 1 when leadership is lost
// ("leaderelection lost": a replica that lost must not go on, it restarts as a candidate).
//
// Fencing: the client handed to the component refuses writes unless this replica still leads, and
// checks that against the renew deadline at the moment of each write (see LeaderElector.isLeader):
// after a SIGSTOP outlasting the lease, the first write attempted on resume ends the process instead.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { register } from 'prom-client';
import { ApiClient, type ApiClientOptions, type RequestOptions } from './client/api-client.ts';
import { apiServersFrom } from './client/kubeconfig.ts';
import type { ComponentContext, ComponentSpec } from './component.ts';
import { StatusError } from './errors.ts';
import { EventRecorder } from './events.ts';
import { parseFlags, type FlagSpec, type Flags } from './flags.ts';
import { InformerFactory } from './informer/factory.ts';
import { LeaderElector } from './leader-election.ts';
import { createLogger, type Logger } from './log.ts';

/** The flags every component has, with kube's names and defaults. */
export function commonFlags(name: string, defaultPort: number) {
  return {
    master: { type: 'string', default: '', help: 'The address of the Kubernetes API server (overrides any value in kubeconfig). k8ts: a comma-separated list fails over between servers.' },
    kubeconfig: { type: 'string', default: '', help: 'Path to kubeconfig file with authorization and master location information.' },
    'leader-elect': { type: 'boolean', default: true, help: 'Start a leader election client and gain leadership before executing the main loop. Enable this when running replicated components for high availability.' },
    'leader-elect-lease-duration': { type: 'duration', default: '15s', help: 'The duration that non-leader candidates will wait after observing a leadership renewal until attempting to acquire leadership of a led but unrenewed leader slot.' },
    'leader-elect-renew-deadline': { type: 'duration', default: '10s', help: 'The interval between attempts by the acting master to renew a leadership slot before it stops leading. Must be less than the lease duration.' },
    'leader-elect-retry-period': { type: 'duration', default: '2s', help: 'The duration the clients should wait between attempting acquisition and renewal of a leadership.' },
    'leader-elect-resource-lock': { type: 'string', default: 'leases', help: 'The type of resource object that is used for locking during leader election. Supported options are \'leases\'.' },
    'leader-elect-resource-name': { type: 'string', default: name, help: 'The name of resource object that is used for locking during leader election.' },
    'leader-elect-resource-namespace': { type: 'string', default: 'kube-system', help: 'The namespace of resource object that is used for locking during leader election.' },
    'bind-address': { type: 'string', default: '127.0.0.1', help: 'The IP address on which to listen for /healthz and /metrics (k8ts serves plain HTTP).' },
    'secure-port': { type: 'number', default: defaultPort, help: 'The port on which to serve /healthz and /metrics. 0 picks a free one (printed on stdout).' },
  } satisfies Record<string, FlagSpec>;
}

/** A write refused because this replica does not (or no longer) lead. */
export class NotLeaderError extends Error {}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());
const retryable = (err: unknown) => !(err instanceof StatusError) || err.code === 429 || (err.code >= 500 && err.code !== 501);

/**
 * The component's client: reads always pass; every attempt of a write (retries included) first asks
 * `mayWrite`, so a write never leaves this process once leadership has lapsed.
 */
export class FencedApiClient extends ApiClient {
  private inflight = 0;
  private idle: (() => void)[] = [];

  constructor(options: ApiClientOptions, private readonly mayWrite: () => boolean) {
    super(options);
  }

  override async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    if (method === 'GET') return super.request<T>(method, path, options);
    this.inflight++;
    try {
      const attempts = options.noRetry ? 1 : this.options.maxAttempts ?? 8;
      for (let attempt = 1; ; attempt++) {
        if (!this.mayWrite()) throw new NotLeaderError(`not the leader: refusing ${method} ${path}`);
        try {
          return await super.request<T>(method, path, { ...options, noRetry: true });
        } catch (err) {
          if (attempt >= attempts || options.signal?.aborted || !retryable(err)) throw err;
          const retryAfter = err instanceof StatusError && err.code === 429 ? Number(err.details?.retryAfterSeconds ?? 0) * 1000 : 0;
          const base = Math.min(100 * 2 ** (attempt - 1), 5000);
          await sleep(retryAfter || base / 2 + Math.random() * (base / 2));
        }
      }
    } finally {
      if (--this.inflight === 0) this.idle.splice(0).forEach((resolve) => resolve());
    }
  }

  /** Resolves when no write is in flight (or after `timeoutMs`). */
  drain(timeoutMs: number): Promise<void> {
    if (this.inflight === 0) return Promise.resolve();
    return Promise.race([new Promise<void>((resolve) => this.idle.push(resolve)), sleep(timeoutMs)]);
  }
}

interface HealthSource {
  identity: string;
  elector?: LeaderElector;
}

/** kube's /healthz, /livez, /readyz (with ?verbose and per-check paths) and /metrics. */
function handle(req: IncomingMessage, res: ServerResponse, health: HealthSource): void {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname === '/metrics') {
    register.metrics().then((text) => {
      res.writeHead(200, { 'content-type': register.contentType });
      res.end(text);
    }, (err: Error) => { res.writeHead(500); res.end(err.message); });
    return;
  }
  const m = /^\/(healthz|livez|readyz)(?:\/(ping|leaderElection))?$/.exec(url.pathname);
  if (!m) {
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('404 page not found\n');
    return;
  }
  const { elector } = health;
  const checks: [string, boolean][] = [['ping', true]];
  if (elector) checks.push(['leaderElection', elector.healthy()]);
  const selected = m[2] ? checks.filter(([name]) => name === m[2]) : checks;
  const ok = selected.every(([, passed]) => passed);
  let body = ok ? 'ok' : `${m[1]} check failed`;
  if (url.searchParams.has('verbose') || !ok) {
    body = selected.map(([name, passed]) => (passed ? `[+]${name} ok` : `[-]${name} failed: reason withheld`)).join('\n')
      + `\n${m[1]} check ${ok ? 'passed' : 'failed'}\n`;
    // k8ts: who leads, for people and scripts looking at a replica.
    body += elector
      ? `leader: ${elector.holder || '<none>'} (this replica: ${health.identity}, ${elector.isLeader() ? 'leading' : 'standby'})\n`
      : `leader: leader election disabled (this replica: ${health.identity})\n`;
  }
  res.writeHead(ok ? 200 : 500, { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' });
  res.end(body);
}

function fail(logger: Logger | undefined, message: string): never {
  if (logger) logger.fatal(message);
  else console.error(`Error: ${message}`);
  process.exit(1);
}

/** Runs a control-plane component until SIGTERM/SIGINT (exit 0) or lost leadership (exit 1). */
export async function runComponent<F extends Record<string, FlagSpec>>(spec: ComponentSpec<F>, argv = process.argv.slice(2)): Promise<void> {
  const common = commonFlags(spec.name, spec.defaultPort);
  for (const name of Object.keys(spec.flags)) if (name in common) fail(undefined, `flag --${name} is defined twice`);
  let parsed: Flags<F> & Flags<typeof common>;
  try {
    parsed = parseFlags<Record<string, FlagSpec>>({ ...common, ...spec.flags }, argv, spec.name) as Flags<F> & Flags<typeof common>;
  } catch (err) {
    fail(undefined, (err as Error).message);
  }
  const flags = parsed;
  try {
    spec.validate?.(flags);
  } catch (err) {
    fail(undefined, (err as Error).message);
  }
  const logger = createLogger(spec.name);
  if (flags['leader-elect-resource-lock'] !== 'leases') fail(logger, `--leader-elect-resource-lock: unsupported lock type "${flags['leader-elect-resource-lock']}" (only "leases")`);
  let servers: string[];
  try {
    servers = apiServersFrom({ master: flags.master, kubeconfig: flags.kubeconfig });
  } catch (err) {
    fail(logger, (err as Error).message);
  }
  if (servers.length === 0) {
    logger.warn('Neither --kubeconfig nor --master was specified; using http://127.0.0.1:8080');
    servers = ['http://127.0.0.1:8080'];
  }
  const host = hostname();
  const identity = `${host}_${randomUUID()}`;
  const leaderElect = flags['leader-elect'];

  let stopping = false;
  let elector: LeaderElector | undefined;
  const client = new FencedApiClient({ servers, userAgent: `${spec.name}/k8ts` }, () => !stopping && (!leaderElect || elector!.isLeader()));
  const informers = new InformerFactory(client, { logger });
  const recorder = new EventRecorder(client, spec.name, host, logger);
  const ctx: ComponentContext = { client, informers, recorder, logger, identity };

  const stop = new AbortController();
  let work: Promise<void> = Promise.resolve();
  const startWork = (signal: AbortSignal) => {
    signal.addEventListener('abort', () => informers.stop(), { once: true });
    work = Promise.resolve().then(() => spec.run(ctx, flags, signal)).catch((err: Error) => {
      if (signal.aborted) return logger.debug({ err: err.message }, 'work ended with an error after stopping');
      fail(logger, `${spec.name} failed: ${err.stack ?? err.message}`);
    });
  };
  // Let the work wind down and its last writes land before anyone else may start.
  const drain = async (boundMs: number) => {
    await Promise.race([work, sleep(boundMs)]);
    await client.drain(boundMs);
  };

  let election: Promise<void> = Promise.resolve();
  let electionRecorder: EventRecorder | undefined;
  if (leaderElect) {
    // Its own connections, unfenced: renewals must never queue behind the component's requests.
    const electionClient = new ApiClient({ servers, userAgent: `${spec.name}/leader-election` });
    electionRecorder = new EventRecorder(electionClient, spec.name, host, logger);
    try {
      elector = new LeaderElector({
        client: electionClient,
        namespace: flags['leader-elect-resource-namespace'],
        name: flags['leader-elect-resource-name'],
        identity,
        leaseDurationMs: flags['leader-elect-lease-duration'],
        renewDeadlineMs: flags['leader-elect-renew-deadline'],
        retryPeriodMs: flags['leader-elect-retry-period'],
        recorder: electionRecorder,
        logger,
        beforeRelease: () => drain(flags['leader-elect-renew-deadline']),
        callbacks: {
          onStartedLeading: (signal) => {
            logger.info({ identity }, 'started leading');
            startWork(signal);
          },
          onStoppedLeading: () => {
            if (stop.signal.aborted) return logger.info('stopped leading: requested to terminate');
            fail(logger, 'leaderelection lost');
          },
        },
      });
    } catch (err) {
      fail(logger, `invalid leader election configuration: ${(err as Error).message}`);
    }
  }

  const shutdown = async (signal: string) => {
    if (stopping) fail(logger, `second ${signal}: exiting at once`);
    stopping = true;
    logger.info({ signal }, 'shutting down');
    stop.abort();
    if (elector) await election; // stops the work, drains it, releases the lease
    else await drain(5_000);
    informers.stop();
    if (electionRecorder) await Promise.race([electionRecorder.flush(), sleep(1_000)]);
    server.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  const server = createServer((req, res) => handle(req, res, { identity, elector }));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(flags['secure-port'], flags['bind-address'], resolve);
  }).catch((err: Error) => fail(logger, `failed to listen: ${err.message}`));
  const { port } = server.address() as AddressInfo;
  const bound = flags['bind-address'].includes(':') ? `[${flags['bind-address']}]` : flags['bind-address'];
  logger.info({ port, identity, servers, leaderElect }, 'serving');
  // One machine-readable line for launchers and tests (port 0 picks a free port).
  console.log(`k8ts-${spec.name} serving on http://${bound}:${port} identity=${identity}`);

  if (elector) election = elector.run(stop.signal).catch((err: Error) => fail(logger, `leader election failed: ${err.message}`));
  else startWork(stop.signal);
}
