// Registration and status reporting of one Node (kube's kubelet_node_status.go): register by creating
// the Node (or, if it exists, bringing its labels up to date), retrying until the API server answers;
// then every --node-status-update-frequency compute the status and patch it (nodes/status, strategic
// merge) when it differs from what the API shows, or at least every --node-status-report-frequency.
import type { Node } from '../../shared/api/node.ts';
import { isAlreadyExists } from '../../shared/client/api-client.ts';
import type { ResourceClient } from '../../shared/client/resource-client.ts';
import type { EventRecorder } from '../../shared/events.ts';
import type { Logger } from '../../shared/log.ts';
import type { ImageStore } from '../runtime/images.ts';
import { CONDITION_EVENTS, initialNode, nodeLabels, nodeStatus, nodeStatusChanged, type NodeIdentity } from './node-object.ts';

export interface NodeStatusOptions {
  identity: NodeIdentity;
  nodes: ResourceClient<Node>;
  images: ImageStore;
  /** The Node as the kubelet's informer last saw it. */
  cached: () => Node | undefined;
  recorder: EventRecorder;
  logger: Logger;
  updateFrequencyMs: number;
  reportFrequencyMs: number;
}

const sleep = (ms: number, signal: AbortSignal) => new Promise<void>((resolve) => {
  const t = setTimeout(resolve, ms);
  signal.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
});

export class NodeStatusReporter {
  private registered?: Node;
  private lastReport = 0;
  private readonly reported = new Set<string>();

  constructor(private readonly options: NodeStatusOptions) {}

  get node(): Node | undefined {
    return this.options.cached() ?? this.registered;
  }

  /** Registers (retrying with back-off), then reports status until `signal` aborts. */
  async run(signal: AbortSignal, onRegistered: (node: Node) => void): Promise<void> {
    for (let attempt = 0; !signal.aborted && !this.registered; attempt++) {
      try {
        this.registered = await this.register();
        onRegistered(this.registered);
      } catch (err) {
        this.options.logger.warn({ node: this.options.identity.name, err: (err as Error).message }, 'unable to register node with the API server; retrying');
        await sleep(Math.min(100 * 2 ** attempt, 7000), signal);
      }
    }
    while (!signal.aborted) {
      await this.sync().catch((err: Error) => this.options.logger.warn({ node: this.options.identity.name, err: err.message }, 'error updating node status; will retry'));
      await sleep(this.options.updateFrequencyMs, signal);
    }
  }

  private async register(): Promise<Node> {
    const { nodes, identity } = this.options;
    try {
      return await nodes.create('', initialNode(identity));
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
    }
    // It exists (a restart, or re-registration): adopt it, making sure our labels are on it.
    const existing = await nodes.get('', identity.name);
    const labels = nodeLabels(identity);
    if (Object.entries(labels).some(([k, v]) => existing.metadata.labels?.[k] !== v)) return nodes.patch('', identity.name, { metadata: { labels } }, 'merge');
    return existing;
  }

  /** Reports the status now if it changed or the report is due. */
  async sync(): Promise<void> {
    if (!this.registered) return;
    const { identity, nodes, images, reportFrequencyMs } = this.options;
    const current = this.node;
    const status = nodeStatus(identity, current?.status?.conditions, images.list());
    if (!nodeStatusChanged(current?.status, status) && Date.now() - this.lastReport < reportFrequencyMs) return;
    await nodes.patch('', identity.name, { status }, 'strategic', 'status');
    this.lastReport = Date.now();
    this.recordTransitions(status.conditions ?? []);
  }

  private recordTransitions(conditions: NonNullable<Node['status']['conditions']>): void {
    const { recorder, identity } = this.options;
    for (const c of conditions) {
      const reason = CONDITION_EVENTS[c.type];
      if (!reason || this.reported.has(reason)) continue;
      this.reported.add(reason);
      recorder.event({ kind: 'Node', metadata: { name: identity.name, uid: identity.name } }, 'Normal', reason, `Node ${identity.name} status is now: ${reason}`);
    }
  }
}
