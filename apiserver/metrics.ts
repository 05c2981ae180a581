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

  /** Label-bound children by label values: prom-client would otherwise hash the label object on every request. */
  private readonly observers = new Map<string, { count: { inc(): void }; time: { observe(seconds: number): void } }>();

  /** Counts one served request and its latency. */
  observeRequest(verb: string, group: string, resource: string, subresource: string, code: number, seconds: number): void {
    const id = `${verb} ${group} ${resource} ${subresource} ${code}`;
    let observer = this.observers.get(id);
    if (!observer) {
      observer = { count: this.requests.labels(verb, group, resource, subresource, String(code)), time: this.latency.labels(verb, group, resource, subresource) };
      this.observers.set(id, observer);
    }
    observer.count.inc();
    observer.time.observe(seconds);
  }

  /** k8ts' create worker thread (create-offload.ts): whether it takes work, and how many creates it answered. */
  watchCreateWorker(worker: { isReady: boolean; answered: number }): void {
    new Gauge({
      name: 'k8ts_create_worker_ready', help: 'Whether the create worker thread is taking creates (1) or not (0).', registers: [this.registry],
      collect() { this.set(worker.isReady ? 1 : 0); },
    });
    new Gauge({
      name: 'k8ts_create_worker_answered', help: 'Creates the worker thread has prepared or refused since the server started.', registers: [this.registry],
      collect() { this.set(worker.answered); },
    });
  }

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
