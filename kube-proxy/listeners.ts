// The TCP listeners this proxy should hold and the ones it does. In the local cluster every kube-proxy
// shares the host's loopback network, so a ClusterIP:port can be bound by one process only: each
// proxy tries to bind every ClusterIP:port, EADDRINUSE means another proxy (or anything else) serves
// it, and `retry()` (run every few seconds and after every change) tries again, so that when the
// holder dies another proxy takes over. NodePorts are bound on this node's own address and so never
// collide between proxies.
import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from '../shared/log.ts';

export type ListenerKind = 'clusterIP' | 'nodePort';
/** held: bound by this process; elsewhere: the address is in use (another proxy); failed: cannot bind (see error). */
export type ListenerState = 'pending' | 'binding' | 'held' | 'elsewhere' | 'failed';

export interface ListenerSpec {
  address: string;
  port: number;
  kind: ListenerKind;
  /** The Service port served (kube's ServicePortName), for logs. */
  servicePort: string;
  /** The balancer key connections are sent through. */
  balancerKey: string;
}

interface Entry {
  spec: ListenerSpec;
  state: ListenerState;
  server?: Server;
  error?: string;
  /** No longer wanted: close once a bind in progress finishes. */
  dropped?: boolean;
}

export const listenerId = (address: string, port: number) => `${address}:${port}`;

export class ListenerSet {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly onConnection: (spec: ListenerSpec, socket: Socket) => void,
    private readonly logger: Logger,
  ) {}

  /** Makes `specs` the wanted listeners: new ones get bound (by retry()), unwanted ones closed. */
  setDesired(specs: ListenerSpec[]): void {
    const wanted = new Map(specs.map((s) => [listenerId(s.address, s.port), s]));
    for (const [id, entry] of this.entries) {
      if (wanted.has(id)) continue;
      this.entries.delete(id);
      entry.dropped = true;
      if (entry.server) this.close(entry);
    }
    for (const [id, spec] of wanted) {
      const entry = this.entries.get(id);
      if (entry) entry.spec = spec; // same address, maybe another Service port now: connections use the new one
      else this.entries.set(id, { spec, state: 'pending' });
    }
  }

  /** Tries to bind every wanted listener this process does not hold; resolves when all tries are done. */
  async retry(): Promise<void> {
    const tries: Promise<void>[] = [];
    for (const entry of this.entries.values()) {
      if (entry.state === 'pending' || entry.state === 'elsewhere' || entry.state === 'failed') tries.push(this.bind(entry));
    }
    await Promise.all(tries);
  }

  list(): { spec: ListenerSpec; state: ListenerState; error?: string }[] {
    return [...this.entries.values()].map(({ spec, state, error }) => ({ spec, state, error }));
  }

  count(kind: ListenerKind, state: ListenerState): number {
    let n = 0;
    for (const entry of this.entries.values()) if (entry.spec.kind === kind && entry.state === state) n++;
    return n;
  }

  /** Stops every listener (open connections go on until they end). */
  closeAll(): void {
    for (const entry of this.entries.values()) {
      entry.dropped = true;
      if (entry.server) this.close(entry);
    }
    this.entries.clear();
  }

  private bind(entry: Entry): Promise<void> {
    const previous = entry.state;
    entry.state = 'binding';
    const { address, port } = entry.spec;
    const server = createServer({ allowHalfOpen: true }, (socket) => this.onConnection(entry.spec, socket));
    return new Promise<void>((resolve) => {
      server.once('error', (err: NodeJS.ErrnoException) => {
        server.close();
        if (entry.dropped) return resolve();
        entry.state = err.code === 'EADDRINUSE' ? 'elsewhere' : 'failed';
        if (entry.state !== previous || err.message !== entry.error) {
          const fields = { listener: listenerId(address, port), kind: entry.spec.kind, servicePort: entry.spec.servicePort };
          if (entry.state === 'elsewhere') this.logger.info(fields, 'listener held elsewhere (address in use), will retry');
          else this.logger.warn({ ...fields, err: err.message }, 'cannot bind listener, will retry');
        }
        entry.error = err.message;
        resolve();
      });
      server.listen({ host: address, port, exclusive: true }, () => {
        if (entry.dropped) {
          server.close();
          return resolve();
        }
        entry.server = server;
        entry.state = 'held';
        entry.error = undefined;
        this.logger.info({ listener: listenerId(address, port), kind: entry.spec.kind, servicePort: entry.spec.servicePort, tookOver: previous === 'elsewhere' }, 'listener acquired');
        server.on('error', (err) => this.logger.warn({ listener: listenerId(address, port), err: err.message }, 'listener error'));
        resolve();
      });
    });
  }

  private close(entry: Entry): void {
    const { address, port } = entry.spec;
    entry.server!.close();
    entry.server = undefined;
    this.logger.info({ listener: listenerId(address, port), kind: entry.spec.kind, servicePort: entry.spec.servicePort }, 'listener released');
  }
}
