// The node's heartbeat (kube's nodelease controller): the Lease kube-node-lease/<node>, held by the
// node, leaseDurationSeconds 40, renewTime bumped every --node-lease-renew-interval. The lease is
// updated from the copy the last write returned; after a failure it is read afresh, and retried with
// a back-off of 200ms doubling to 7s until the API server answers again.
import type { Lease } from '../../shared/api/coordination.ts';
import { isNotFound } from '../../shared/client/api-client.ts';
import type { ResourceClient } from '../../shared/client/resource-client.ts';
import type { Logger } from '../../shared/log.ts';

export const NODE_LEASE_NAMESPACE = 'kube-node-lease';

/** metav1.MicroTime: RFC 3339 with microseconds. */
export const microTime = (d = new Date()) => d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

export interface NodeLeaseOptions {
  leases: ResourceClient<Lease>;
  nodeName: string;
  durationSeconds: number;
  renewIntervalMs: number;
  nodeUID: () => string | undefined;
  logger: Logger;
}

const sleep = (ms: number, signal: AbortSignal) => new Promise<void>((resolve) => {
  const t = setTimeout(resolve, ms);
  signal.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
});

export class NodeLease {
  private lease?: Lease;

  constructor(private readonly options: NodeLeaseOptions) {}

  async run(signal: AbortSignal): Promise<void> {
    let failures = 0;
    while (!signal.aborted) {
      try {
        await this.renew();
        failures = 0;
        await sleep(this.options.renewIntervalMs, signal);
      } catch (err) {
        this.lease = undefined;
        this.options.logger.warn({ node: this.options.nodeName, err: (err as Error).message }, 'failed to renew the node lease; will retry');
        await sleep(Math.min(200 * 2 ** failures++, 7000), signal);
      }
    }
  }

  private desiredSpec(current?: Lease['spec']): Lease['spec'] {
    return { ...current, holderIdentity: this.options.nodeName, leaseDurationSeconds: this.options.durationSeconds, renewTime: microTime() };
  }

  private ownerReferences(): Lease['metadata']['ownerReferences'] {
    const uid = this.options.nodeUID();
    return uid ? [{ apiVersion: 'v1', kind: 'Node', name: this.options.nodeName, uid }] : undefined;
  }

  private async renew(): Promise<void> {
    const { leases, nodeName } = this.options;
    if (!this.lease) {
      try {
        this.lease = await leases.get(NODE_LEASE_NAMESPACE, nodeName);
      } catch (err) {
        if (!isNotFound(err)) throw err;
        this.lease = await leases.create(NODE_LEASE_NAMESPACE, {
          metadata: { name: nodeName, namespace: NODE_LEASE_NAMESPACE, ownerReferences: this.ownerReferences() },
          spec: this.desiredSpec(),
        } as Lease);
        return;
      }
    }
    const metadata = { ...this.lease.metadata };
    // The Node registered after the lease was made: the lease gets its owner (so it goes with the Node).
    if (!metadata.ownerReferences?.length && this.ownerReferences()) metadata.ownerReferences = this.ownerReferences();
    this.lease = await leases.update({ ...this.lease, metadata, spec: this.desiredSpec(this.lease.spec) });
  }
}
