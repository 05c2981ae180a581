// Taint-based eviction (kube's pkg/controller/tainteviction): a pod bound to a node with a NoExecute
// taint it does not tolerate is deleted at once; one that tolerates it for tolerationSeconds is
// deleted when that time runs out, and its deletion is cancelled if the taint goes first. The
// deadline counts from the taint's timeAdded (or from when the pod appeared, if later), so a
// restarted controller recomputes the same deadlines instead of starting the clocks again.
// Each pod has at most one timer; it only puts the pod back in the queue, where its state is re-read.
import type { Node, Taint } from '../../shared/api/node.ts';
import type { Pod } from '../../shared/api/pod.ts';
import { resources } from '../../shared/api/registry.ts';
import { isNotFound } from '../../shared/client/api-client.ts';
import { ResourceClient } from '../../shared/client/resource-client.ts';
import { keyOf, splitKey } from '../../shared/informer/indexer.ts';
import { objectOf } from '../../shared/informer/informer.ts';
import { WorkQueue } from '../../shared/workqueue.ts';
import type { Controller, ControllerContext } from '../controller-context.ts';
import { metaTime, parseTime } from './meta-time.ts';
import { matchingTolerations } from './taint-toleration.ts';

const noExecuteTaints = (node: Node | undefined): Taint[] => (node?.spec.taints ?? []).filter((t) => t.effect === 'NoExecute');
const sameTaints = (a: Taint[], b: Taint[]) => JSON.stringify(a) === JSON.stringify(b);

/**
 * When the pod must go, in ms: now for an untolerated taint, the earliest end of its tolerations
 * otherwise, undefined when it tolerates every taint forever (or there is none).
 */
export function evictionDeadline(pod: Pod, taints: Taint[], now: number, firstSeen: (t: Taint) => number): number | undefined {
  if (taints.length === 0) return undefined;
  const used = matchingTolerations(taints, pod.spec.tolerations);
  if (!used) return now;
  const podStart = parseTime(pod.metadata.creationTimestamp) ?? now;
  let deadline: number | undefined;
  taints.forEach((taint, i) => {
    const seconds = used[i].tolerationSeconds;
    if (seconds === undefined) return;
    const start = Math.max(parseTime(taint.timeAdded) ?? firstSeen(taint), podStart);
    const end = start + Math.max(seconds, 0) * 1000;
    deadline = deadline === undefined ? end : Math.min(deadline, end);
  });
  return deadline;
}

export function newTaintEvictionController(ctx: ControllerContext): Controller {
  const nodes = ctx.informers.informerFor(resources.nodes);
  const pods = ctx.informers.informerFor(resources.pods);
  const podClient = new ResourceClient<Pod>(ctx.client, resources.pods);
  const logger = ctx.logger.child({ controller: 'taint-eviction-controller' });
  const queue = new WorkQueue<string>();
  /** Pod keys by the node they are bound to. */
  const podsByNode = new Map<string, Set<string>>();
  const podNode = new Map<string, string>();
  const timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  /** When taints without timeAdded were first seen, by node, key and effect. */
  const taintSeen = new Map<string, number>();

  const index = (key: string, nodeName: string | undefined) => {
    const old = podNode.get(key);
    if (old === nodeName) return;
    if (old) podsByNode.get(old)?.delete(key);
    if (nodeName) {
      podNode.set(key, nodeName);
      if (!podsByNode.has(nodeName)) podsByNode.set(nodeName, new Set());
      podsByNode.get(nodeName)!.add(key);
    } else podNode.delete(key);
  };
  const enqueueNodePods = (nodeName: string) => podsByNode.get(nodeName)?.forEach((k) => queue.add(k));

  const cancelTimer = (key: string) => {
    const t = timers.get(key);
    if (t) clearTimeout(t.timer);
    timers.delete(key);
    return t !== undefined;
  };

  pods.addEventHandler({
    onAdd: (pod) => {
      index(keyOf(pod), pod.spec.nodeName);
      if (pod.spec.nodeName) queue.add(keyOf(pod));
    },
    onUpdate: (old, pod) => {
      index(keyOf(pod), pod.spec.nodeName);
      if (!pod.spec.nodeName) return;
      if (old.spec.nodeName !== pod.spec.nodeName || JSON.stringify(old.spec.tolerations) !== JSON.stringify(pod.spec.tolerations) || old.metadata.uid !== pod.metadata.uid) queue.add(keyOf(pod));
    },
    onDelete: (obj) => {
      const key = keyOf(objectOf(obj));
      index(key, undefined);
      cancelTimer(key);
    },
  });
  nodes.addEventHandler({
    onAdd: (node) => {
      if (noExecuteTaints(node).length) enqueueNodePods(node.metadata.name!);
    },
    onUpdate: (old, node) => {
      if (!sameTaints(noExecuteTaints(old), noExecuteTaints(node))) enqueueNodePods(node.metadata.name!);
    },
    onDelete: (obj) => {
      const name = objectOf(obj).metadata.name!;
      for (const k of [...taintSeen.keys()]) if (k.startsWith(`${name}\u0000`)) taintSeen.delete(k);
      enqueueNodePods(name);
    },
  });

  async function evict(pod: Pod): Promise<void> {
    const name = `${pod.metadata.namespace}/${pod.metadata.name}`;
    ctx.recorder.event(pod, 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${name}`);
    logger.info({ pod: name, node: pod.spec.nodeName }, 'evicting pod from a NoExecute-tainted node');
    try {
      // The DisruptionTarget condition tells the pod's owner why it went (kube 1.31+ adds it first).
      const condition = { type: 'DisruptionTarget', status: 'True', reason: 'DeletionByTaintManager', message: 'Taint manager: deleting due to NoExecute taint', lastTransitionTime: metaTime(Date.now()) };
      await podClient.patch(pod.metadata.namespace!, pod.metadata.name!, { status: { conditions: [condition] } }, 'strategic', 'status');
      await podClient.delete(pod.metadata.namespace!, pod.metadata.name!, { preconditions: { uid: pod.metadata.uid } });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  async function reconcile(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const pod = pods.get(namespace, name);
    const node = pod?.spec.nodeName ? nodes.get('', pod.spec.nodeName) : undefined;
    const taints = noExecuteTaints(node);
    const now = Date.now();
    const firstSeen = (t: Taint) => {
      const id = `${node!.metadata.name}\u0000${t.key}\u0000${t.effect}`;
      if (!taintSeen.has(id)) taintSeen.set(id, now);
      return taintSeen.get(id)!;
    };
    const deadline = pod && !pod.metadata.deletionTimestamp ? evictionDeadline(pod, taints, now, firstSeen) : undefined;
    if (deadline === undefined) {
      if (cancelTimer(key) && pod && !pod.metadata.deletionTimestamp) {
        ctx.recorder.event(pod, 'Normal', 'TaintManagerEviction', `Cancelling deletion of Pod ${key}`);
      }
      return;
    }
    if (deadline <= now) {
      cancelTimer(key);
      await evict(pod!);
      return;
    }
    if (timers.get(key)?.at === deadline) return;
    cancelTimer(key);
    const timer = setTimeout(() => {
      timers.delete(key);
      queue.add(key);
    }, deadline - now);
    timer.unref();
    timers.set(key, { at: deadline, timer });
  }

  return {
    name: 'taint-eviction-controller',
    queue,
    reconcile,
    start(signal: AbortSignal) {
      signal.addEventListener('abort', () => {
        for (const key of [...timers.keys()]) cancelTimer(key);
      }, { once: true });
    },
  };
}
