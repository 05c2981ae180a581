// How informer events reach the cache and the queue (kube's eventhandlers.go). Bound pods are the
// cache's; pending pods for this scheduler are the queue's; a pending pod that gets bound moves from
// one to the other. Changes that may let unschedulable pods fit — a node added or changed in a way
// that matters, a bound pod gone — ask the queue to retry the pods they may help.
import { isDeepStrictEqual } from 'node:util';
import type { Node, Pod } from '../shared/api/core.ts';
import { keyOf } from '../shared/informer/indexer.ts';
import { objectOf, type DeletedFinalStateUnknown, type EventHandler } from '../shared/informer/informer.ts';
import { podInfoOf } from './pod-info.ts';
import type { Scheduler } from './scheduler.ts';

const assigned = (pod: Pod) => !!pod.spec?.nodeName;
const terminating = (pod: Pod) => !!pod.metadata?.deletionTimestamp;

/** kube's isPodUpdated: anything but the status (and bookkeeping metadata) changed. */
function podSpecChanged(oldPod: Pod, newPod: Pod): boolean {
  const strip = ({ resourceVersion: _rv, generation: _g, managedFields: _mf, ...rest }: Pod['metadata'] & { managedFields?: unknown }) => rest;
  return !isDeepStrictEqual(oldPod.spec, newPod.spec) || !isDeepStrictEqual(strip(oldPod.metadata), strip(newPod.metadata));
}

/** kube's nodeSchedulingPropertiesChange: what a filter or score reads, not heartbeats. */
function nodeSchedulingPropertiesChanged(oldNode: Node, newNode: Node): boolean {
  const conditions = (n: Node) => (n.status?.conditions ?? []).map((c) => [c.type, c.status, c.reason, c.message]);
  return (oldNode.spec?.unschedulable ?? false) !== (newNode.spec?.unschedulable ?? false)
    || !isDeepStrictEqual(oldNode.status?.allocatable, newNode.status?.allocatable)
    || !isDeepStrictEqual(oldNode.metadata?.labels, newNode.metadata?.labels)
    || !isDeepStrictEqual(oldNode.spec?.taints, newNode.spec?.taints)
    || !isDeepStrictEqual(conditions(oldNode), conditions(newNode));
}

export function podEventHandler(s: Scheduler): EventHandler<Pod> {
  const responsible = (pod: Pod) => pod.spec?.schedulerName === s.options.schedulerName;
  return {
    onAdd(pod) {
      if (assigned(pod)) {
        s.queue.delete(keyOf(pod));
        s.cache.addPod(pod);
      } else if (responsible(pod) && !terminating(pod)) {
        s.queue.add(podInfoOf(pod));
      }
    },
    onUpdate(oldPod, pod) {
      const key = keyOf(pod);
      if (assigned(pod)) {
        if (!assigned(oldPod)) s.queue.delete(key);
        s.cache.updatePod(pod);
        return;
      }
      if (!responsible(pod)) return;
      // An assumed pod is being bound: the bound version will follow.
      if (s.cache.isAssumed(key)) return;
      if (terminating(pod)) return s.queue.delete(key);
      s.queue.update(podInfoOf(pod), podSpecChanged(oldPod, pod));
    },
    onDelete(obj: Pod | DeletedFinalStateUnknown<Pod>) {
      const pod = objectOf(obj);
      const key = keyOf(pod);
      s.queue.delete(key);
      const nodeName = s.cache.nodeOf(key);
      if (nodeName === undefined) return;
      s.cache.removePod(pod);
      s.nodeMayHelp(nodeName);
    },
  };
}

export function nodeEventHandler(s: Scheduler): EventHandler<Node> {
  return {
    onAdd(node) {
      s.cache.setNode(node);
      s.nodeMayHelp(node.metadata.name!);
    },
    onUpdate(oldNode, node) {
      s.cache.setNode(node);
      if (nodeSchedulingPropertiesChanged(oldNode, node)) s.nodeMayHelp(node.metadata.name!);
    },
    onDelete(obj) {
      s.cache.removeNode(objectOf(obj).metadata.name!);
    },
  };
}
