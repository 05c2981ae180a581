// kube-proxy's userspace mode: every Service port becomes TCP listeners in this process (its ClusterIP
// and, for NodePort and LoadBalancer Services, this node's NodePort) whose connections are forwarded
// to the endpoints round-robin. Any Service or EndpointSlice change rebuilds the wanted state from the
// informer caches; the balancers change at once, listeners are opened and closed, and connections
// already open are left alone.
import type { Socket } from 'node:net';
import type { Service } from '../shared/api/core.ts';
import type { EndpointSlice } from '../shared/api/discovery.ts';
import type { SharedInformer } from '../shared/informer/informer.ts';
import type { Logger } from '../shared/log.ts';
import { ListenerSet, type ListenerSpec } from './listeners.ts';
import type { ProxyMetrics } from './metrics.ts';
import { RoundRobinBalancer } from './round-robin.ts';
import { buildServicePorts, type ServicePortInfo } from './service-ports.ts';
import { forward } from './tcp-forwarder.ts';

export interface ProxierOptions {
  services: SharedInformer<Service>;
  endpointSlices: SharedInformer<EndpointSlice>;
  /** This node's name (--hostname-override): endpoints on it are local. */
  nodeName: string;
  /** This node's address (--bind-address): where its NodePorts listen. */
  nodeIP: string;
  /** How often listeners held elsewhere (or failing) are tried again. */
  retryPeriodMs: number;
  logger: Logger;
  metrics: ProxyMetrics;
}

/** The balancer key of NodePort traffic, whose endpoints follow externalTrafficPolicy. */
const externalKey = (servicePort: string) => `${servicePort}/external`;

export class UserspaceProxier {
  readonly listeners: ListenerSet;
  private readonly balancer = new RoundRobinBalancer();
  private syncScheduled = false;
  private timer?: NodeJS.Timeout;
  private retrying?: Promise<void>;
  private retryAgain = false;
  private readonly unsupported = new Set<string>();
  /** When the wanted state was last applied (kube's healthz lastUpdated). */
  lastSync?: Date;

  constructor(private readonly options: ProxierOptions) {
    this.listeners = new ListenerSet((spec, socket) => this.accept(spec, socket), options.logger);
  }

  start(): void {
    const changed = { onAdd: () => this.scheduleSync(), onUpdate: () => this.scheduleSync(), onDelete: () => this.scheduleSync() };
    this.options.services.addEventHandler(changed);
    this.options.endpointSlices.addEventHandler(changed);
    this.timer = setInterval(() => {
      this.balancer.cleanupStaleStickySessions();
      this.retryListeners();
    }, this.options.retryPeriodMs);
  }

  stop(): void {
    clearInterval(this.timer);
    this.listeners.closeAll();
  }

  /** Many events in one turn (an informer's initial list) make one sync. */
  private scheduleSync(): void {
    if (this.syncScheduled) return;
    this.syncScheduled = true;
    setImmediate(() => {
      this.syncScheduled = false;
      this.sync();
    });
  }

  sync(): void {
    if (!this.options.services.hasSynced || !this.options.endpointSlices.hasSynced) return;
    const started = performance.now();
    const ports = buildServicePorts(this.options.services.list(), this.options.endpointSlices.list(), this.options.nodeName);
    const wantedKeys = new Set<string>();
    const listeners: ListenerSpec[] = [];
    for (const info of ports) {
      if (info.protocol !== 'TCP') {
        if (!this.unsupported.has(info.name)) this.options.logger.warn({ servicePort: info.name, protocol: info.protocol }, 'only TCP is proxied in userspace mode; skipping this port');
        this.unsupported.add(info.name);
        continue;
      }
      this.updateBalancer(info.name, info.clusterEndpoints, info);
      wantedKeys.add(info.name);
      listeners.push({ address: info.clusterIP, port: info.port, kind: 'clusterIP', servicePort: info.name, balancerKey: info.name });
      if (info.nodePort) {
        this.updateBalancer(externalKey(info.name), info.externalEndpoints, info);
        wantedKeys.add(externalKey(info.name));
        listeners.push({ address: this.options.nodeIP, port: info.nodePort, kind: 'nodePort', servicePort: info.name, balancerKey: externalKey(info.name) });
      }
    }
    for (const key of this.balancer.keys()) {
      if (wantedKeys.has(key)) continue;
      this.balancer.remove(key);
      this.options.logger.info({ balancer: key }, 'service port removed');
    }
    this.listeners.setDesired(listeners);
    this.lastSync = new Date();
    this.options.metrics.syncDuration.observe((performance.now() - started) / 1000);
    this.options.metrics.lastSync.set(this.lastSync.getTime() / 1000);
    this.retryListeners();
  }

  private updateBalancer(key: string, endpoints: string[], info: ServicePortInfo): void {
    if (this.balancer.update(key, endpoints, info.sessionAffinity))
      this.options.logger.info({ balancer: key, endpoints, sessionAffinity: info.sessionAffinity.clientIP ? 'ClientIP' : 'None' }, 'service endpoints updated');
  }

  /** One bind round at a time; a round asked for meanwhile runs right after. */
  private retryListeners(): void {
    if (this.retrying) {
      this.retryAgain = true;
      return;
    }
    this.retrying = this.listeners.retry().finally(() => {
      this.retrying = undefined;
      this.options.metrics.updateListeners(this.listeners);
      if (this.retryAgain) {
        this.retryAgain = false;
        this.retryListeners();
      }
    });
  }

  private accept(spec: ListenerSpec, socket: Socket): void {
    const clientIP = (socket.remoteAddress ?? '').replace(/^::ffff:/, '');
    const { logger, metrics } = this.options;
    const key = spec.balancerKey;
    void forward(socket, (reset) => this.balancer.next(key, clientIP, reset), {
      logger,
      onOpen: () => metrics.activeConnections.inc(),
      onClose: () => metrics.activeConnections.dec(),
    }).then((result) => {
      metrics.connections.inc({ kind: spec.kind, result });
      if (result === 'no-endpoints' || result === 'dial-failed') logger.info({ servicePort: spec.servicePort, client: clientIP, result }, 'connection dropped');
    });
  }
}
