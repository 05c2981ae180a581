// kube-proxy's metrics (Prometheus text on /metrics): kube's sync metrics, plus what the userspace
// mode adds here: the listeners by kind and state, and the proxied connections.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ListenerKind, ListenerSet, ListenerState } from './listeners.ts';

const KINDS: ListenerKind[] = ['clusterIP', 'nodePort'];
const STATES: ListenerState[] = ['held', 'elsewhere', 'failed', 'pending', 'binding'];

export class ProxyMetrics {
  readonly registry = new Registry();
  readonly lastSync = new Gauge({ name: 'kubeproxy_sync_proxy_rules_last_timestamp_seconds', help: 'The last time proxy rules were successfully synced', registers: [this.registry] });
  readonly syncDuration = new Histogram({
    name: 'kubeproxy_sync_proxy_rules_duration_seconds', help: 'SyncProxyRules latency in seconds',
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5], registers: [this.registry],
  });
  readonly listeners = new Gauge({
    name: 'kubeproxy_userspace_listeners', help: 'Service listeners by kind (clusterIP, nodePort) and state (held: bound by this proxy; elsewhere: address in use, served by another proxy; failed: cannot bind).',
    labelNames: ['kind', 'state'], registers: [this.registry],
  });
  readonly activeConnections = new Gauge({ name: 'kubeproxy_userspace_active_connections', help: 'Proxied connections open now.', registers: [this.registry] });
  readonly connections = new Counter({
    name: 'kubeproxy_userspace_connections_total', help: 'Accepted connections by listener kind and result (forwarded, no-endpoints, dial-failed, client-gone).',
    labelNames: ['kind', 'result'], registers: [this.registry],
  });

  updateListeners(set: ListenerSet): void {
    for (const kind of KINDS) for (const state of STATES) this.listeners.set({ kind, state }, set.count(kind, state));
  }
}
