// The Lease as a leader election lock (client-go's resourcelock.LeaseLock): read, create and
// optimistically update one coordination.k8s.io/v1 Lease, and follow it with a watch.
import { resources } from './api/registry.ts';
import type { Lease, LeaseSpec } from './api/coordination.ts';
import type { ApiClient } from './client/api-client.ts';
import { ResourceClient } from './client/resource-client.ts';

/** metav1.MicroTime's wire format, `2006-01-02T15:04:05.000000Z` (JS clocks give milliseconds). */
export const microTime = (date = new Date()): string => date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

const recordFields = ['holderIdentity', 'leaseDurationSeconds', 'acquireTime', 'renewTime', 'leaseTransitions'] as const;

/** Whether two Lease specs hold the same leader election record (client-go compares the raw record). */
export const sameRecord = (a: LeaseSpec, b: LeaseSpec) => recordFields.every((f) => (a[f] ?? '') === (b[f] ?? ''));

/** Is `a` older than `b`? Revisions are opaque in kube, but ours (like etcd's) are increasing integers. */
export function olderThan(a: Lease | undefined, b: Lease | undefined): boolean {
  const ra = Number(a?.metadata.resourceVersion), rb = Number(b?.metadata.resourceVersion);
  return Number.isInteger(ra) && Number.isInteger(rb) && ra < rb;
}

export interface LeaseWatchHandler {
  onChange(lease: Lease): void;
  onDelete(): void;
  onError?(err: Error): void;
}

export class LeaseLock {
  private readonly leases: ResourceClient<Lease>;

  constructor(private readonly client: ApiClient, readonly namespace: string, readonly name: string) {
    this.leases = new ResourceClient<Lease>(client, resources.leases);
  }

  describe(): string {
    return `${this.namespace}/${this.name}`;
  }

  get(signal?: AbortSignal): Promise<Lease> {
    return this.client.request<Lease>('GET', this.leases.path(this.namespace, this.name), { signal });
  }

  create(spec: LeaseSpec, signal?: AbortSignal): Promise<Lease> {
    const body = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: this.name, namespace: this.namespace }, spec };
    return this.client.request<Lease>('POST', this.leases.path(this.namespace), { body, signal });
  }

  /** PUT `lease` with `spec` merged in: it carries lease's resourceVersion, so it fails (409) if anyone wrote since. */
  update(lease: Lease, spec: LeaseSpec, signal?: AbortSignal): Promise<Lease> {
    const body = { ...lease, apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', spec: { ...lease.spec, ...spec } };
    return this.client.request<Lease>('PUT', this.leases.path(this.namespace, this.name), { body, signal });
  }

  /** Follows the Lease until `signal` aborts, re-watching after a break (pausing `retryMs` after a failure). */
  async watch(signal: AbortSignal, handler: LeaseWatchHandler, retryMs: number): Promise<void> {
    while (!signal.aborted) {
      try {
        // No resourceVersion: the current state first, then changes, so re-watching never needs a relist.
        const events = await this.leases.watch(this.namespace, {
          fieldSelector: `metadata.name=${this.name}`, timeoutSeconds: 300 + Math.floor(Math.random() * 300), signal,
        });
        for await (const event of events) {
          if (event.type === 'ADDED' || event.type === 'MODIFIED') handler.onChange(event.object);
          else if (event.type === 'DELETED') handler.onDelete();
          else if (event.type === 'ERROR') throw new Error(event.object.message);
        }
        continue;
      } catch (err) {
        if (signal.aborted) return;
        handler.onError?.(err as Error);
      }
      await new Promise<void>((resolve) => setTimeout(resolve, retryMs).unref());
    }
  }
}
