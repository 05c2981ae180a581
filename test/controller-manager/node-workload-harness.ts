// A real API server and controllers running in the test process (real HTTP, real informers), for the
// node IPAM, node lifecycle, taint eviction, DaemonSet and Job controller tests. The test plays the
// parts nobody runs here: the scheduler (binding pods to the node their affinity names), the kubelet
// (node heartbeats, pod phases and readiness, finishing graceful deletions).
import type { ControllerFactory, ControllerManagerSettings } from '../../controller-manager/controller-context.ts';
import type { Lease } from '../../shared/api/coordination.ts';
import type { Node, NodeCondition } from '../../shared/api/node.ts';
import type { Pod } from '../../shared/api/pod.ts';
import { resources } from '../../shared/api/registry.ts';
import type { ObjectOf } from '../../shared/client/resource-client.ts';
import { startApiServer } from '../helpers/apiserver.ts';
import { ControllerTestCluster, type RunningControllers } from './controller-harness.ts';

export { FAST_SETTINGS, type RunningControllers } from './controller-harness.ts';

const microTime = (ms = Date.now()) => new Date(ms).toISOString().replace('Z', '000Z');
const metaTime = (ms = Date.now()) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export class NodeWorkloadCluster extends ControllerTestCluster {
  static async start(apiserverArgs: string[] = []): Promise<NodeWorkloadCluster> {
    return new NodeWorkloadCluster(await startApiServer({ args: apiserverArgs }), 'node-workload-test', 20_000);
  }

  /** Builds controllers from one fresh context, starts informers, then workers once caches are in. */
  run(factories: ControllerFactory[], settings: Partial<ControllerManagerSettings> = {}): Promise<RunningControllers> {
    return this.runControllers(factories, { settings });
  }

  /** Events about an object with this reason (the events informer must be observed). */
  async eventsFor(name: string, reason: string): Promise<ObjectOf<typeof resources.events>[]> {
    const events = await this.observe(resources.events);
    return events.list().filter((e) => e.involvedObject.name === name && e.reason === reason);
  }

  // --- playing the kubelet ----------------------------------------------------------------------

  /** A registered node, Ready, with its Lease in kube-node-lease (what a starting kubelet creates). */
  async createNode(name: string, options: { labels?: Record<string, string>; podCIDR?: string; taints?: Node['spec']['taints']; ready?: boolean; lease?: boolean } = {}): Promise<Node> {
    const now = metaTime();
    const conditions: NodeCondition[] = options.ready === false ? [] : [
      { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory', lastHeartbeatTime: now, lastTransitionTime: now },
      { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: now, lastTransitionTime: now },
    ];
    const node = await this.api(resources.nodes).create('', {
      metadata: { name, labels: { 'kubernetes.io/hostname': name, ...options.labels } },
      spec: { podCIDR: options.podCIDR, podCIDRs: options.podCIDR ? [options.podCIDR] : undefined, taints: options.taints },
    } as unknown as Node);
    const withStatus = conditions.length ? await this.api(resources.nodes).patch('', name, { status: { conditions } }, 'merge', 'status') : node;
    if (options.lease !== false) {
      await this.api(resources.leases).create('kube-node-lease', {
        metadata: { name, namespace: 'kube-node-lease' },
        spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime: microTime() },
      } as Lease);
    }
    return withStatus;
  }

  renewLease(name: string): Promise<Lease> {
    return this.api(resources.leases).patch('kube-node-lease', name, { spec: { renewTime: microTime() } }, 'merge');
  }

  /** Renews the node's Lease every intervalMs, as the kubelet does (every 10s in kube); returns the stop. */
  startHeartbeats(name: string, intervalMs: number): () => void {
    const timer = setInterval(() => { this.renewLease(name).catch(() => undefined); }, intervalMs);
    const stop = () => clearInterval(timer);
    this.onStop(stop);
    return stop;
  }

  /** What the kubelet posts: Ready with the given status and a fresh heartbeat. */
  async postNodeReady(name: string, status: 'True' | 'False', reason = status === 'True' ? 'KubeletReady' : 'KubeletNotReady'): Promise<Node> {
    const node = await this.api(resources.nodes).get('', name);
    const now = metaTime();
    const conditions = (node.status.conditions ?? []).map((c) => {
      if (c.type === 'Ready') return { ...c, status, reason, message: status === 'True' ? 'kubelet is posting ready status' : 'container runtime is down', lastHeartbeatTime: now, lastTransitionTime: c.status === status ? c.lastTransitionTime : now };
      if (c.type === 'MemoryPressure') return { ...c, status: 'False' as const, reason: 'KubeletHasSufficientMemory', message: undefined, lastHeartbeatTime: now, lastTransitionTime: c.status === 'False' ? c.lastTransitionTime : now };
      return c;
    });
    return this.api(resources.nodes).updateStatus({ ...node, status: { ...node.status, conditions } });
  }

  /** pods/binding, what the scheduler posts. */
  async bindPod(namespace: string, name: string, nodeName: string): Promise<void> {
    await this.api(resources.pods).createSubresource(namespace, name, 'binding', {
      apiVersion: 'v1', kind: 'Binding', metadata: { name, namespace }, target: { apiVersion: 'v1', kind: 'Node', name: nodeName },
    });
  }

  /** What the kubelet reports for a pod: its phase, readiness and (optionally) container states. */
  async setPodStatus(namespace: string, name: string, phase: 'Pending' | 'Running' | 'Succeeded' | 'Failed', options: { ready?: boolean; restartCount?: number; exitCode?: number } = {}): Promise<Pod> {
    const now = metaTime();
    const finished = phase === 'Succeeded' || phase === 'Failed';
    const state = finished
      ? { terminated: { exitCode: options.exitCode ?? (phase === 'Succeeded' ? 0 : 1), reason: phase === 'Succeeded' ? 'Completed' : 'Error', finishedAt: now } }
      : { running: { startedAt: now } };
    const ready = options.ready ?? phase === 'Running';
    const status = {
      phase,
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: now }],
      containerStatuses: [{ name: 'app', image: 'busybox', ready, restartCount: options.restartCount ?? 0, state }],
    };
    return this.api(resources.pods).patch(namespace, name, { status }, 'merge', 'status');
  }

  /**
   * Stand-ins for the scheduler and the kubelets: pending pods are bound to the node their affinity
   * pins (or `defaultNode`), bound pods become Running and Ready, and a bound pod being deleted gets
   * its terminal phase and is removed for good. Only pods `accept` returns true for are touched.
   */
  async startNodeAgents(options: { defaultNode?: string; run?: boolean; accept?: (pod: Pod) => boolean } = {}): Promise<() => void> {
    const pods = await this.observe(resources.pods);
    let stopped = false;
    const busy = new Set<string>();
    const act = (pod: Pod) => {
      if (stopped || (options.accept && !options.accept(pod))) return;
      const key = `${pod.metadata.namespace}/${pod.metadata.name}@${pod.metadata.resourceVersion}`;
      if (busy.has(key)) return;
      busy.add(key);
      void this.agentStep(pod, options).catch(() => undefined).finally(() => busy.delete(key));
    };
    pods.addEventHandler({ onAdd: act, onUpdate: (_old, pod) => act(pod) });
    const stop = () => { stopped = true; };
    this.onStop(stop);
    return stop;
  }

  private async agentStep(pod: Pod, options: { defaultNode?: string; run?: boolean }): Promise<void> {
    const { namespace, name } = pod.metadata as { namespace: string; name: string };
    if (!pod.spec.nodeName) {
      if (pod.metadata.deletionTimestamp) return;
      const pinned = pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms?.[0]?.matchFields?.[0]?.values?.[0];
      const target = pinned ?? options.defaultNode;
      if (target) await this.bindPod(namespace, name, target);
      return;
    }
    if (pod.metadata.deletionTimestamp) {
      if (pod.status.phase !== 'Succeeded' && pod.status.phase !== 'Failed') await this.setPodStatus(namespace, name, 'Failed', { exitCode: 137 });
      await this.api(resources.pods).delete(namespace, name, { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid } });
      return;
    }
    if (options.run !== false && (!pod.status.phase || pod.status.phase === 'Pending')) await this.setPodStatus(namespace, name, 'Running');
  }
}
