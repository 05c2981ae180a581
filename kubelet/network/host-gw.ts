// Pod networking across machines, host-gw style (flannel's host-gw backend): every node is the router of
// its own podCIDR, and reaches another node's pods through that node's address on the shared L2 network.
// Enabled by the kubelet's --network-plugin=host-gw (the docker compose cluster); the default ("")
// leaves the network alone, which is what the loopback cluster wants: every 127.x address is local there.
//
// Routes, written with `ip` in the kubelet's network namespace (needs CAP_NET_ADMIN):
//   this node's podCIDR     `local <podCIDR> dev lo` (table local): every pod IP of the node is an address
//                           of the node at once, so a pod's ports can be served the moment it starts, with
//                           no per-pod address to add or to forget to remove (what AnyIP routes are for);
//   another node's podCIDR  `<podCIDR> via <its InternalIP>`.
// Routes carry ROUTE_PROTOCOL, so a sync finds (and removes) its own stale routes and never anyone else's.
import { execFile } from 'node:child_process';
import type { Node } from '../../shared/api/node.ts';
import { resources } from '../../shared/api/registry.ts';
import type { FlagSpec } from '../../shared/flags.ts';
import type { InformerFactory } from '../../shared/informer/factory.ts';
import type { Logger } from '../../shared/log.ts';

/** The rtnetlink protocol number marking k8ts' routes (unassigned in /etc/iproute2/rt_protos). */
export const ROUTE_PROTOCOL = 77;
const RESYNC_MS = 30_000;
const RETRY_MS = 5_000;

export const networkPluginFlag = {
  type: 'string',
  default: '',
  help: 'k8ts: the pod network. "" or "none": pods get IPs from the node\'s podCIDR and nothing is routed (the loopback cluster); "host-gw": route the podCIDRs between nodes through their InternalIPs (one node per network namespace, CAP_NET_ADMIN).',
} satisfies FlagSpec;

export interface Route {
  type: 'local' | 'unicast';
  dst: string;
  /** The next hop of a unicast route. */
  gateway?: string;
}

const ipv4CIDR = /^\d+\.\d+\.\d+\.\d+\/\d+$/;
const podCIDROf = (node: Node) => [...(node.spec?.podCIDRs ?? []), node.spec?.podCIDR ?? ''].find((c) => ipv4CIDR.test(c));
const internalIPOf = (node: Node) => node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
const keyOf = (r: Route) => `${r.type} ${r.dst} ${r.gateway ?? ''}`;

/** The routes this node wants, given every Node: its own podCIDR local, the others' via their nodes. */
export function desiredRoutes(nodes: Node[], self: string): Route[] {
  const routes: Route[] = [];
  for (const node of nodes) {
    const cidr = podCIDROf(node);
    if (!cidr) continue;
    if (node.metadata.name === self) {
      routes.push({ type: 'local', dst: cidr });
      continue;
    }
    const ip = internalIPOf(node);
    if (ip) routes.push({ type: 'unicast', dst: cidr, gateway: ip });
  }
  return routes.sort((a, b) => keyOf(a).localeCompare(keyOf(b)));
}

/** What to change to go from the installed routes (ours only) to the desired ones. */
export function routeChanges(installed: Route[], desired: Route[]): { replace: Route[]; remove: Route[] } {
  const have = new Set(installed.map(keyOf));
  const want = new Set(desired.map(keyOf));
  const replacing = new Set(desired.filter((r) => !have.has(keyOf(r))).map((r) => `${r.type} ${r.dst}`));
  return {
    replace: desired.filter((r) => !have.has(keyOf(r))),
    // A route whose next hop changed is replaced in place, not removed.
    remove: installed.filter((r) => !want.has(keyOf(r)) && !replacing.has(`${r.type} ${r.dst}`)),
  };
}

/** The `ip` arguments that replace (idempotently) or delete a route. */
export function ipRouteArgs(op: 'replace' | 'del', r: Route): string[] {
  return r.type === 'local'
    ? ['route', op, 'table', 'local', 'local', r.dst, 'dev', 'lo', 'proto', String(ROUTE_PROTOCOL)]
    : ['route', op, r.dst, 'via', r.gateway!, 'proto', String(ROUTE_PROTOCOL)];
}

/** Parses `ip -j route show table all proto N`. */
export function parseInstalledRoutes(json: string): Route[] {
  const rows = JSON.parse(json || '[]') as { type?: string; dst: string; gateway?: string; table?: string }[];
  return rows.flatMap((row): Route[] => {
    if (row.type === 'local') return row.table === undefined || row.table === 'local' ? [{ type: 'local', dst: row.dst }] : [];
    if (row.type !== undefined && row.type !== 'unicast') return [];
    return row.gateway ? [{ type: 'unicast', dst: row.dst, gateway: row.gateway }] : [];
  });
}

export type RunIp = (args: string[]) => Promise<string>;

export const runIp: RunIp = (args) => new Promise((resolve, reject) => {
  execFile('ip', args, { timeout: 10_000 }, (err, stdout, stderr) => {
    if (err) reject(new Error(`ip ${args.join(' ')}: ${stderr.trim() || err.message}`));
    else resolve(stdout);
  });
});

export interface HostGwOptions {
  nodeName: string;
  /** Every Node, as the informer caches them. */
  nodes: () => Node[];
  logger: Logger;
  run?: RunIp;
  resyncMs?: number;
}

/** Keeps the routes of desiredRoutes() installed: on every Node change, and every resyncMs against drift. */
export class HostGwNetwork {
  private readonly run: RunIp;
  private running?: Promise<void>;
  private dirty = false;
  private timer?: NodeJS.Timeout;
  private started = false;
  private stopped = false;
  private lastApplied = '';

  constructor(private readonly options: HostGwOptions) {
    this.run = options.run ?? runIp;
  }

  /** Call once the Nodes are cached: before that, a partial list would remove other nodes' routes. */
  start(): void {
    this.started = true;
    this.schedule(0);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /** A Node changed: sync unless the routes it implies are what was applied last. */
  nodesChanged(): void {
    if (!this.started) return;
    const wanted = desiredRoutes(this.options.nodes(), this.options.nodeName).map(keyOf).join('\n');
    if (wanted !== this.lastApplied) void this.sync();
  }

  /** Brings the installed routes to the desired ones; concurrent calls coalesce into one more run. */
  sync(): Promise<void> {
    if (this.running) {
      this.dirty = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.dirty = false;
        await this.syncOnce();
      } while (this.dirty && !this.stopped);
    })().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async syncOnce(): Promise<void> {
    if (this.stopped) return;
    const desired = desiredRoutes(this.options.nodes(), this.options.nodeName);
    const logger = this.options.logger;
    try {
      const installed = parseInstalledRoutes(await this.run(['-j', 'route', 'show', 'table', 'all', 'proto', String(ROUTE_PROTOCOL)]));
      const { replace, remove } = routeChanges(installed, desired);
      for (const r of remove) {
        await this.run(ipRouteArgs('del', r));
        logger.info({ route: keyOf(r) }, 'host-gw: route removed');
      }
      for (const r of replace) {
        await this.run(ipRouteArgs('replace', r));
        logger.info({ route: keyOf(r) }, 'host-gw: route installed');
      }
      this.lastApplied = desired.map(keyOf).join('\n');
      this.schedule(this.options.resyncMs ?? RESYNC_MS);
    } catch (err) {
      // Typically a next hop not on this network yet, or no CAP_NET_ADMIN: retry soon, loudly.
      logger.warn({ err: (err as Error).message }, 'host-gw: routes not synced; retrying');
      this.lastApplied = '';
      this.schedule(RETRY_MS);
    }
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.sync(), ms);
    this.timer.unref();
  }
}

/**
 * Starts the network plugin named by --network-plugin for the nodes of this process; returns its stop().
 * host-gw needs a network namespace of its own per node, so exactly one node.
 */
export function startNetworkPlugin(name: string, deps: { informers: InformerFactory; nodeNames: string[]; logger: Logger }): () => void {
  if (name === '' || name === 'none') return () => undefined;
  if (name !== 'host-gw') throw new Error(`--network-plugin: unknown plugin "${name}" (want "", "none" or "host-gw")`);
  if (deps.nodeNames.length !== 1) throw new Error('--network-plugin=host-gw routes one node\'s network namespace: it cannot be combined with --nodes');
  const informer = deps.informers.informerFor(resources.nodes);
  const network = new HostGwNetwork({ nodeName: deps.nodeNames[0], nodes: () => informer.list(), logger: deps.logger });
  const changed = () => network.nodesChanged();
  informer.addEventHandler({ onAdd: changed, onUpdate: changed, onDelete: changed });
  void informer.waitForSync().then(() => network.start());
  return () => network.stop();
}
