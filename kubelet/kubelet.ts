// One simulated node's kubelet: its HTTP server, Node registration and status, Lease, pods (from the
// API and from static manifests) and their IPs. Several of them share one process (--nodes N); the
// API client, the informers and the pod status writer are shared, everything else is per node.
import type { Lease } from '../shared/api/coordination.ts';
import type { Node } from '../shared/api/node.ts';
import type { Pod } from '../shared/api/pod.ts';
import type { ApiClient } from '../shared/client/api-client.ts';
import type { ResourceClient } from '../shared/client/resource-client.ts';
import { EventRecorder } from '../shared/events.ts';
import type { Logger } from '../shared/log.ts';
import type { KubeletSettings, NodeContext } from './node-context.ts';
import { NodeLease } from './node/node-lease.ts';
import type { NodeIdentity } from './node/node-object.ts';
import { NodeStatusReporter } from './node/node-status.ts';
import { PodIPAllocator } from './node/pod-ip-allocator.ts';
import { PodManager } from './pod/pod-manager.ts';
import type { PodStatusManager } from './pod/status-manager.ts';
import { ImageStore, type ImageStoreOptions } from './runtime/images.ts';
import { KubeletServer } from './server/kubelet-server.ts';
import { isMirrorPod, StaticPods } from './static/static-pods.ts';

export interface NodeConfig {
  identity: NodeIdentity;
  /** --pod-cidr: the pod network when the Node has no spec.podCIDR (standalone, or before the API answers). */
  podCIDR?: string;
  manifestPath?: string;
}

export interface KubeletShared {
  client: ApiClient;
  pods: ResourceClient<Pod>;
  nodes: ResourceClient<Node>;
  leases: ResourceClient<Lease>;
  status: PodStatusManager;
  /** The informers' caches. */
  podLookup: (namespace: string, name: string) => Pod | undefined;
  podsOnNode: (nodeName: string) => Pod[];
  nodeLookup: (name: string) => Node | undefined;
  logger: Logger;
  settings: KubeletSettings;
  images: ImageStoreOptions;
  maxPods: number;
  leaseDurationSeconds: number;
  leaseRenewIntervalMs: number;
  statusUpdateFrequencyMs: number;
  statusReportFrequencyMs: number;
  fileCheckFrequencyMs: number;
}

export class Kubelet {
  readonly name: string;
  readonly pods: PodManager;
  private readonly node: NodeContext;
  private readonly ips = new PodIPAllocator();
  private readonly server: KubeletServer;
  private readonly statusReporter: NodeStatusReporter;
  private readonly lease: NodeLease;
  private readonly staticPods?: StaticPods;
  private readonly stopper = new AbortController();
  private nodeUID?: string;

  constructor(private readonly config: NodeConfig, private readonly shared: KubeletShared) {
    const { identity } = config;
    this.name = identity.name;
    const logger = shared.logger.child({ node: identity.name });
    const recorder = new EventRecorder(shared.client, 'kubelet', identity.name, logger);
    const images = new ImageStore(shared.images);
    this.node = { nodeName: identity.name, nodeIP: identity.ip, settings: shared.settings, logger, images, recorder };
    this.pods = new PodManager({ node: this.node, ips: this.ips, status: shared.status }, shared.maxPods, shared.pods);
    this.server = new KubeletServer({
      ip: identity.ip,
      port: identity.port,
      lookup: (namespace, name) => this.pods.get(namespace, name),
      pods: () => this.pods.list().map((w) => w.snapshot()),
    });
    this.statusReporter = new NodeStatusReporter({
      identity, nodes: shared.nodes, images, recorder, logger,
      cached: () => shared.nodeLookup(identity.name),
      updateFrequencyMs: shared.statusUpdateFrequencyMs,
      reportFrequencyMs: shared.statusReportFrequencyMs,
    });
    this.lease = new NodeLease({
      leases: shared.leases, nodeName: identity.name, durationSeconds: shared.leaseDurationSeconds,
      renewIntervalMs: shared.leaseRenewIntervalMs, nodeUID: () => this.nodeUID, logger,
    });
    if (config.manifestPath) {
      this.staticPods = new StaticPods({
        dir: config.manifestPath, nodeName: identity.name, checkFrequencyMs: shared.fileCheckFrequencyMs,
        pods: this.pods, status: shared.status, podsApi: shared.pods, lookup: shared.podLookup,
        mirrorsOnNode: () => shared.podsOnNode(identity.name).filter(isMirrorPod),
        nodeUID: () => this.nodeUID, logger,
      });
    }
  }

  get url(): string {
    return `http://${this.config.identity.ip}:${this.config.identity.port}`;
  }

  /** Serves, then registers, heartbeats and runs pods in the background; resolves once serving. */
  async start(): Promise<void> {
    const { identity } = this.config;
    identity.port = await this.server.listen();
    this.node.recorder.event({ kind: 'Node', metadata: { name: identity.name, uid: identity.name } }, 'Normal', 'Starting', 'Starting kubelet.');
    if (this.config.podCIDR) this.ips.setCIDR(this.config.podCIDR);
    // Static pods need no API server: they start now.
    this.staticPods?.start();
    const signal = this.stopper.signal;
    void this.statusReporter.run(signal, (node) => this.nodeObserved(node));
    void this.lease.run(signal);
  }

  /** The Node as the API shows it (from the informer, or the registration's answer). */
  nodeObserved(node: Node): void {
    const firstUID = !this.nodeUID && node.metadata.uid;
    this.nodeUID = node.metadata.uid ?? this.nodeUID;
    const cidr = node.spec.podCIDRs?.[0] ?? node.spec.podCIDR;
    if (cidr && this.ips.setCIDR(cidr)) {
      this.node.logger.info({ podCIDR: cidr }, 'pod CIDR set');
      this.pods.kickAll();
    }
    if (firstUID) void this.staticPods?.syncMirrors();
  }

  podChanged(pod: Pod): void {
    if (isMirrorPod(pod)) this.staticPods?.mirrorChanged(pod);
    else this.pods.apiPodUpdated(pod);
  }

  podDeleted(pod: Pod): void {
    if (isMirrorPod(pod)) this.staticPods?.mirrorChanged(pod);
    else this.pods.apiPodDeleted(pod);
  }

  /** Stops heartbeats and serving. Pods are left as they are, as a real kubelet leaves its containers running. */
  async stop(): Promise<void> {
    this.stopper.abort();
    this.staticPods?.stop();
    await this.server.close();
  }
}
