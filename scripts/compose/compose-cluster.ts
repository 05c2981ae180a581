// The e2e's grip on a docker compose cluster (docker-compose.yml): compose commands for one project, the
// state and health of its containers, killing and restarting services as a person would, and an API
// client on the published API port.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiClient } from '../../shared/client/api-client.ts';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const composeScript = join(repoRoot, 'scripts/compose/compose.sh');

export interface ComposeOptions {
  /** The compose project name (container, network and volume names start with it). */
  project: string;
  /** Where the API server is published on 127.0.0.1. */
  apiPort: number;
  /** The first two octets of the cluster's network (K8TS_NET): nodes are <net>.1.N. */
  net: string;
  /** An --env-file for compose (e.g. scripts/compose/fast.env). */
  envFile?: string;
  image?: string;
  /**
   * The HA topology (scripts/compose/ha.env's variables: the `ha` profile, `apiserver` on etcd, every
   * component given the three API servers), published on apiPort, apiPort + 1 and apiPort + 2.
   */
  ha?: Record<string, string>;
}

/** The API server services of each topology, the first published on apiPort, the next on the ports after it. */
const SINGLE_API_SERVERS = ['apiserver'];
const HA_API_SERVERS = ['apiserver', 'apiserver-2', 'apiserver-3'];

export interface ContainerState {
  service: string;
  id: string;
  /** Docker's state: running, exited, ... */
  status: string;
  /** healthy, unhealthy, starting, or '' without a health check. */
  health: string;
}

export interface RunResult {
  stdout: string;
  stderr: string;
  code: number;
}

/** Runs a command to its end; rejects on a non-zero exit unless `allowFailure`. */
export function run(cmd: string, args: string[], options: { env?: NodeJS.ProcessEnv; input?: string; allowFailure?: boolean; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: repoRoot, env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = options.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), options.timeoutMs) : undefined;
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const result = { stdout, stderr, code: code ?? (signal ? 128 : 1) };
      if (result.code !== 0 && !options.allowFailure) reject(new Error(`${cmd} ${args.join(' ')} exited with ${result.code}${signal ? ` (${signal})` : ''}:\n${(stderr || stdout).trim().split('\n').slice(-15).join('\n')}`));
      else resolve(result);
    });
    child.stdin.on('error', () => {}); // the child may exit before reading its input (EPIPE)
    child.stdin.end(options.input ?? '');
  });
}

export class ComposeCluster {
  /** The first API server's published URL (the only one without HA). */
  readonly url: string;
  /** The API server services, in the order of `urls`. */
  readonly apiServers: string[];
  /** Each API server's URL on 127.0.0.1. */
  readonly urls: string[];
  /** A client of every API server: it fails over between them as the components' clients do. */
  readonly client: ApiClient;

  constructor(readonly options: ComposeOptions) {
    this.apiServers = options.ha ? HA_API_SERVERS : SINGLE_API_SERVERS;
    this.urls = this.apiServers.map((_, i) => `http://127.0.0.1:${options.apiPort + i}`);
    this.url = this.urls[0];
    this.client = new ApiClient({ servers: this.urls, userAgent: 'k8ts-e2e-compose', maxAttempts: 3 });
  }

  /** The environment compose interpolates docker-compose.yml with. */
  get env(): NodeJS.ProcessEnv {
    const ports = Object.fromEntries(this.apiServers.slice(1).map((_, i) => [`K8TS_API_PORT_${i + 2}`, String(this.options.apiPort + i + 1)]));
    return {
      ...process.env,
      K8TS_API_PORT: String(this.options.apiPort),
      ...ports,
      K8TS_NET: this.options.net,
      ...(this.options.image ? { K8TS_IMAGE: this.options.image } : {}),
      ...this.options.ha,
    };
  }

  /** The published URL of an API server service. */
  urlOf(apiServer: string): string {
    const i = this.apiServers.indexOf(apiServer);
    if (i < 0) throw new Error(`${apiServer} is no API server of this topology (${this.apiServers.join(', ')})`);
    return this.urls[i];
  }

  /** etcd-N's client URL on the cluster network (docker-compose.yml's fixed addresses). */
  etcdURL(n: number): string {
    return `http://${this.options.net}.0.${20 + n}:2379`;
  }

  /** The address of node-N's container (its --node-ip). */
  nodeIP(n: number): string {
    return `${this.options.net}.1.${n}`;
  }

  compose(args: string[], options: { input?: string; allowFailure?: boolean; timeoutMs?: number } = {}): Promise<RunResult> {
    const global = ['-p', this.options.project, ...(this.options.envFile ? ['--env-file', this.options.envFile] : [])];
    return run(composeScript, [...global, ...args], { ...options, env: this.env });
  }

  /** Every container of the project (stopped ones too), by service. */
  async containers(): Promise<Map<string, ContainerState>> {
    const ids = (await run('docker', ['ps', '-aq', '--filter', `label=com.docker.compose.project=${this.options.project}`])).stdout.split('\n').filter(Boolean);
    const states = new Map<string, ContainerState>();
    if (ids.length === 0) return states;
    const format = '{{index .Config.Labels "com.docker.compose.service"}} {{.Id}} {{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{end}}';
    const out = await run('docker', ['inspect', '-f', format, ...ids], { allowFailure: true });
    for (const line of out.stdout.split('\n').filter(Boolean)) {
      const [service, id, status, health = ''] = line.trim().split(' ');
      states.set(service, { service, id, status, health });
    }
    return states;
  }

  async container(service: string): Promise<ContainerState> {
    const state = (await this.containers()).get(service);
    if (!state) throw new Error(`no container for service ${service} in project ${this.options.project}`);
    return state;
  }

  /** The service whose container's hostname (docker's default: the id's first 12 characters) is `hostname`. */
  async serviceOfHostname(hostname: string): Promise<string | undefined> {
    for (const c of (await this.containers()).values()) if (c.id.startsWith(hostname) || c.service === hostname) return c.service;
    return undefined;
  }

  /** Waits until every listed service (default: all) runs and, with a health check, is healthy. */
  async waitHealthy(timeoutMs: number, services?: string[]): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const states = await this.containers();
      const wanted = services ?? [...states.keys()];
      const notYet = wanted.filter((s) => {
        const c = states.get(s);
        return !c || c.status !== 'running' || (c.health !== '' && c.health !== 'healthy');
      });
      if (wanted.length > 0 && notYet.length === 0) return;
      const dead = notYet.filter((s) => states.get(s)?.status === 'exited');
      if (dead.length || Date.now() > deadline) {
        const detail = notYet.map((s) => `${s}: ${states.get(s)?.status ?? 'missing'}${states.get(s)?.health ? `/${states.get(s)!.health}` : ''}`).join(', ');
        const logs = dead.length ? (await this.compose(['logs', '--no-color', '--tail', '20', ...dead], { allowFailure: true })).stdout : '';
        throw new Error(`${dead.length ? 'exited' : `not healthy after ${timeoutMs / 1000} s`}: ${detail}${logs ? `\n${logs}` : ''}`);
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  /** `compose kill -s <signal> <service>`; returns when the signal was sent. */
  async kill(service: string, signal = 'KILL'): Promise<number> {
    const at = Date.now();
    await this.compose(['kill', '-s', signal, service]);
    return at;
  }

  /**
   * Starts a stopped service again. A node's kube-proxy lives in the node's network namespace, which
   * died with the node's container: it is restarted too, to join the new one.
   */
  async restart(service: string): Promise<void> {
    await this.compose(['start', service]);
    const node = /^node-(\d+)$/.exec(service);
    if (node) await this.compose(['restart', '-t', '2', `kube-proxy-${node[1]}`]);
  }

  /** Runs a command in a service's container (`compose exec -T`). */
  exec(service: string, argv: string[], options: { input?: string; allowFailure?: boolean; timeoutMs?: number } = {}): Promise<RunResult> {
    return this.compose(['exec', '-T', service, ...argv], options);
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}
