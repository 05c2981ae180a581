// /metrics in Prometheus format, with kube-apiserver's metric names where it has one.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Backend } from './storage/interface.ts';
import type { ApiRegistry } from './registry/index.ts';

export class ApiServerMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'apiserver_request_total', help: 'Counter of apiserver requests broken out by verb, resource and HTTP response code.',
    labelNames: ['verb', 'group', 'resource', 'subresource', 'code'], registers: [this.registry],
  });
  readonly latency = new Histogram({
    name: 'apiserver_request_duration_seconds', help: 'Response latency distribution in seconds for each verb and resource.',
    labelNames: ['verb', 'group', 'resource', 'subresource'], registers: [this.registry],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
  });

  constructor(backend: Backend, api: ApiRegistry) {
    collectDefaultMetrics({ register: this.registry });
    new Gauge({
      name: 'apiserver_longrunning_requests', help: 'Number of open watch requests.', labelNames: ['verb'], registers: [this.registry],
      collect() { this.set({ verb: 'WATCH' }, api.openWatches); },
    });
    new Gauge({
      name: 'apiserver_storage_current_revision', help: 'The newest committed revision of the store.', registers: [this.registry],
      collect() { this.set(backend.currentRevision()); },
    });
    new Gauge({
      name: 'apiserver_storage_compacted_revision', help: 'The revision before which history has been compacted.', registers: [this.registry],
      collect() { this.set(backend.compactedRevision()); },
    });
  }
}
