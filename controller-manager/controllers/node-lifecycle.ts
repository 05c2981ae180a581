// The node lifecycle controller (kube's pkg/controller/nodelifecycle): every --node-monitor-period it
// looks at each node's heartbeats (its Lease in kube-node-lease, renewed by the kubelet, and the Ready
// condition's heartbeat). A node silent for longer than --node-monitor-grace-period has its Ready and
// pressure conditions set to Unknown; a node that has just stopped being Ready gets a NodeNotReady
// event and its pods marked not Ready (so Endpoints drop them). On every pass the node's taints are
// made to match its conditions: NoSchedule taints by condition (TaintNodesByCondition) and the
// not-ready / unreachable NoExecute taints that the taint eviction controller acts on.
import type { Node, NodeCondition } from '../../shared/api/node.ts';
import type { Pod } from '../../shared/api/pod.ts';
import { resources } from '../../shared/api/registry.ts';
import { isNotFound } from '../../shared/client/api-client.ts';
import { ResourceClient } from '../../shared/client/resource-client.ts';
import { objectOf } from '../../shared/informer/informer.ts';
import { WorkQueue } from '../../shared/workqueue.ts';
import type { Controller, ControllerContext } from '../controller-context.ts';
import { metaTime } from './meta-time.ts';
import { observeNodeHealth, readyConditionOf, reconcileTaints, unknownConditions, type NodeHealth } from './node-health.ts';

export const NODE_LEASE_NAMESPACE = 'kube-node-lease';

const nodeRef = (node: Pick<Node, 'metadata'>) => ({ apiVersion: 'v1', kind: 'Node', metadata: { name: node.metadata.name, uid: node.metadata.uid } });

export function newNodeLifecycleController(ctx: ControllerContext): Controller {
  const nodes = ctx.informers.informerFor(resources.nodes);
  const leases = ctx.informers.informerFor(resources.leases, { namespace: NODE_LEASE_NAMESPACE });
  const pods = ctx.informers.informerFor(resources.pods);
  const nodeClient = new ResourceClient<Node>(ctx.client, resources.nodes);
  const podClient = new ResourceClient<Pod>(ctx.client, resources.pods);
  const { nodeMonitorGracePeriodMs: gracePeriodMs, nodeMonitorPeriodMs: periodMs } = ctx.settings;
  const logger = ctx.logger.child({ controller: 'nodelifecycle' });
  const queue = new WorkQueue<string>();
  const health = new Map<string, NodeHealth>();
  const registered = new Set<string>();
  /** Nodes whose pods still have to be marked not Ready (a previous attempt failed). */
  const markPodsPending = new Set<string>();

  nodes.addEventHandler({
    onAdd: (node) => queue.add(node.metadata.name!),
    onUpdate: (_old, node) => queue.add(node.metadata.name!),
    onDelete: (obj) => queue.add(objectOf(obj).metadata.name!),
  });
  // A renewed Lease of a node we consider gone is worth looking at before the next pass.
  leases.addEventHandler({
    onUpdate: (_old, lease) => {
      const node = nodes.get('', lease.metadata.name!);
      if (node && readyConditionOf(node)?.status !== 'True') queue.add(lease.metadata.name!);
    },
  });

  /** MarkPodsNotReady: the node's pods stop being Ready, so endpoints stop sending them traffic. */
  async function markPodsNotReady(nodeName: string): Promise<void> {
    const errors: unknown[] = [];
    for (const pod of pods.list()) {
      if (pod.spec.nodeName !== nodeName) continue;
      const ready = pod.status.conditions?.find((c) => c.type === 'Ready');
      if (!ready || ready.status === 'False') continue;
      const copy = structuredClone(pod);
      const condition = copy.status.conditions!.find((c) => c.type === 'Ready')!;
      condition.status = 'False';
      condition.lastTransitionTime = metaTime(Date.now());
      try {
        await podClient.updateStatus(copy);
        ctx.recorder.event(pod, 'Warning', 'NodeNotReady', 'Node is not ready');
      } catch (err) {
        if (!isNotFound(err)) errors.push(err);
      }
    }
    if (errors.length) throw errors[0];
  }

  async function reconcile(name: string): Promise<void> {
    const node = nodes.get('', name);
    if (!node) {
      if (registered.delete(name)) {
        ctx.recorder.event({ apiVersion: 'v1', kind: 'Node', metadata: { name } }, 'Normal', 'RemovingNode', `Node ${name} event: Removing Node ${name} from Controller`);
      }
      health.delete(name);
      markPodsPending.delete(name);
      return;
    }
    if (!registered.has(name)) {
      registered.add(name);
      ctx.recorder.event(nodeRef(node), 'Normal', 'RegisteredNode', `Node ${name} event: Registered Node ${name} in Controller`);
    }
    const now = Date.now();
    const observedReady: NodeCondition | undefined = readyConditionOf(node);
    let nodeHealth = observeNodeHealth(health.get(name), node, leases.get(NODE_LEASE_NAMESPACE, name), now);
    health.set(name, nodeHealth);
    let current = node;
    if (now > nodeHealth.probeTimestamp + gracePeriodMs) {
      const conditions = unknownConditions(node, now);
      if (conditions) {
        logger.info({ node: name, silentForMs: now - nodeHealth.probeTimestamp }, 'node stopped posting status; marking its conditions Unknown');
        current = await nodeClient.updateStatus({ ...node, status: { ...node.status, conditions } });
        nodeHealth = { ...nodeHealth, ready: readyConditionOf(current), readyTransitionTimestamp: now };
        health.set(name, nodeHealth);
      }
    }
    const currentReady = readyConditionOf(current);
    if (currentReady) {
      if (currentReady.status !== 'True' && observedReady?.status === 'True') {
        // Reported once, when this controller sees the transition.
        ctx.recorder.event(nodeRef(current), 'Normal', 'NodeNotReady', `Node ${name} status is now: NodeNotReady`);
        markPodsPending.add(name);
      }
      if (currentReady.status === 'True') markPodsPending.delete(name);
      else if (markPodsPending.has(name)) {
        await markPodsNotReady(name);
        markPodsPending.delete(name);
      }
    }
    const taints = reconcileTaints(current, now);
    if (taints) {
      // Pinned to the version we computed from: a concurrent change of the taints is a conflict, retried.
      await nodeClient.patch('', name, { metadata: { resourceVersion: current.metadata.resourceVersion }, spec: { taints: taints.length ? taints : null } }, 'merge');
      logger.info({ node: name, taints: taints.map((t) => `${t.key}:${t.effect}`) }, 'updated node taints');
    }
  }

  return {
    name: 'nodelifecycle',
    queue,
    reconcile,
    start(signal: AbortSignal) {
      const timer = setInterval(() => {
        for (const node of nodes.list()) queue.add(node.metadata.name!);
      }, periodMs);
      signal.addEventListener('abort', () => clearInterval(timer), { once: true });
    },
  };
}
