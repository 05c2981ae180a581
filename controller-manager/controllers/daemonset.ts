// The DaemonSet controller (kube's pkg/controller/daemon): one pod of the DaemonSet on every node
// that should run it (node name, nodeSelector, required node affinity, taints tolerated). A new pod is
// pinned to its node by node affinity and left to the scheduler to bind, as kube does. Pods on nodes
// that no longer qualify, failed pods (with back-off) and extra pods are deleted; the update strategy
// (RollingUpdate or OnDelete) replaces pods made from an older template. Creates and deletes are
// remembered (expectations) so a sync that runs before the cache has caught up never repeats them.
import type { DaemonSet } from '../../shared/api/apps.ts';
import type { Node } from '../../shared/api/node.ts';
import type { Pod } from '../../shared/api/pod.ts';
import { resources } from '../../shared/api/registry.ts';
import { isConflict, isNotFound } from '../../shared/client/api-client.ts';
import { ResourceClient } from '../../shared/client/resource-client.ts';
import { StatusError } from '../../shared/errors.ts';
import { keyOf, splitKey } from '../../shared/informer/indexer.ts';
import { objectOf } from '../../shared/informer/informer.ts';
import { labelSelectorFromObject } from '../../shared/selectors/label-selector-object.ts';
import { WorkQueue } from '../../shared/workqueue.ts';
import type { Controller, ControllerContext } from '../controller-context.ts';
import { adoptPatch, checkFreshOwner, claimObjects, controllerRefOf, newControllerRef, releasePatch } from '../controller-utils/controller-ref.ts';
import { ControllerExpectations } from '../controller-utils/expectations.ts';
import { PodControl } from '../controller-utils/pod-control.ts';
import { isPodAvailable, isPodReady, podKey } from '../controller-utils/pod-state.ts';
import { SLOW_START_INITIAL_BATCH_SIZE, slowStartBatch } from '../controller-utils/slow-start.ts';
import {
  affinityForNode, byCreationTimestampAndPhase, CONTROLLER_REVISION_HASH_LABEL, daemonPodTemplate, nodeShouldRunDaemonPod, targetNodeName, templateHash,
} from './daemonset-pods.ts';
import { planRollingUpdate, rolloutBudget } from './daemonset-rollout.ts';
import { countDaemonSetStatus, statusUpToDate, withStatus } from './daemonset-status.ts';
import { FailedPodsBackoff } from './failed-pods-backoff.ts';
import { RequeueTimers } from './requeue-timers.ts';

const API_VERSION = 'apps/v1';
const KIND = 'DaemonSet';
/** kube's BurstReplicas for DaemonSets: at most this many creates or deletes per sync. */
const BURST_REPLICAS = 250;

/**
 * shouldIgnoreNodeUpdate: heartbeats and other status churn do not move daemon pods; labels, taints,
 * the spec and condition statuses may.
 */
function placementUnchanged(old: Node, node: Node): boolean {
  const conditions = (n: Node) => (n.status.conditions ?? []).map((c) => `${c.type}=${c.status}`).join();
  const { resourceVersion: _a, ...oldMeta } = old.metadata;
  const { resourceVersion: _b, ...newMeta } = node.metadata;
  return conditions(old) === conditions(node) && JSON.stringify([oldMeta, old.spec]) === JSON.stringify([newMeta, node.spec]);
}

export function newDaemonSetController(ctx: ControllerContext): Controller {
  const daemonSets = ctx.informers.informerFor(resources.daemonsets);
  const nodes = ctx.informers.informerFor(resources.nodes);
  const pods = ctx.informers.informerFor(resources.pods);
  const podClient = new ResourceClient<Pod>(ctx.client, resources.pods);
  const dsClient = new ResourceClient<DaemonSet>(ctx.client, resources.daemonsets);
  const podControl = new PodControl(podClient, ctx.recorder);
  const logger = ctx.logger.child({ controller: 'daemonset' });
  const queue = new WorkQueue<string>();
  const wakeups = new RequeueTimers(queue);
  // Kube keeps one record of creates and deletes together; two records give the same "all seen" test.
  const creations = new ControllerExpectations();
  const deletions = new ControllerExpectations();
  const satisfied = (key: string) => creations.satisfied(key) && deletions.satisfied(key);
  const failedPodsBackoff = new FailedPodsBackoff(1_000, 15 * 60_000);

  const ownerOf = (pod: Pod): DaemonSet | undefined => {
    const ref = controllerRefOf(pod);
    if (!ref || ref.kind !== KIND) return undefined;
    const ds = daemonSets.get(pod.metadata.namespace!, ref.name);
    return ds?.metadata.uid === ref.uid ? ds : undefined;
  };
  const selecting = (pod: Pod) => daemonSets.list(pod.metadata.namespace!).filter((ds) => {
    try { return labelSelectorFromObject(ds.spec.selector).matches(pod.metadata.labels); } catch { return false; }
  });
  const enqueue = (ds: DaemonSet) => queue.add(keyOf(ds));

  const podDeleted = (pod: Pod) => {
    const ds = ownerOf(pod);
    if (!ds) return;
    deletions.deletionObserved(keyOf(ds), podKey(pod));
    enqueue(ds);
  };

  daemonSets.addEventHandler({
    onAdd: enqueue,
    onUpdate: (_old, ds) => enqueue(ds),
    onDelete: (obj) => queue.add(keyOf(objectOf(obj))),
  });
  pods.addEventHandler({
    onAdd: (pod) => {
      if (pod.metadata.deletionTimestamp) return podDeleted(pod);
      const ds = ownerOf(pod);
      if (ds) {
        creations.creationObserved(keyOf(ds));
        enqueue(ds);
      } else if (!controllerRefOf(pod)) selecting(pod).forEach(enqueue);
    },
    onUpdate: (old, pod) => {
      if (old.metadata.resourceVersion === pod.metadata.resourceVersion) return;
      const oldOwner = ownerOf(old);
      if (oldOwner && oldOwner.metadata.uid !== ownerOf(pod)?.metadata.uid) enqueue(oldOwner);
      if (pod.metadata.deletionTimestamp) return podDeleted(pod);
      const ds = ownerOf(pod);
      if (ds) enqueue(ds);
      else if (!controllerRefOf(pod)) selecting(pod).forEach(enqueue);
    },
    onDelete: (obj) => podDeleted(objectOf(obj)),
  });
  nodes.addEventHandler({
    onAdd: (node) => {
      for (const ds of daemonSets.list()) if (nodeShouldRunDaemonPod(node, ds).shouldRun) enqueue(ds);
    },
    onUpdate: (old, node) => {
      if (placementUnchanged(old, node)) return;
      for (const ds of daemonSets.list()) {
        const before = nodeShouldRunDaemonPod(old, ds);
        const after = nodeShouldRunDaemonPod(node, ds);
        if (before.shouldRun !== after.shouldRun || before.shouldContinueRunning !== after.shouldContinueRunning) enqueue(ds);
      }
    },
    onDelete: () => daemonSets.list().forEach(enqueue),
  });

  /** The DaemonSet's pods after adopting matching orphans and releasing owned pods it no longer selects. */
  async function claimPods(ds: DaemonSet): Promise<Pod[]> {
    const selector = labelSelectorFromObject(ds.spec.selector);
    const ref = newControllerRef(ds, API_VERSION, KIND);
    const { namespace, name } = ds.metadata;
    return claimObjects(pods.list(namespace!), {
      owner: ds,
      kind: 'Pod',
      match: (pod) => selector.matches(pod.metadata.labels),
      adopt: (pod) => podClient.patch(namespace!, pod.metadata.name!, adoptPatch(ref, pod.metadata.uid), 'strategic'),
      release: async (pod) => {
        await podClient.patch(namespace!, pod.metadata.name!, releasePatch(ds.metadata.uid!, pod.metadata.uid), 'strategic');
      },
      recheckOwner: async () => checkFreshOwner(await dsClient.get(namespace!, name!), ds),
      isNotFound,
      ignoreOnRelease: (err) => err instanceof StatusError && err.reason === 'Invalid',
    });
  }

  /** getNodesToDaemonPods: pods by the node they are on or pinned to, leaving out finished deleted ones. */
  function nodesToDaemonPods(claimed: Pod[]): Map<string, Pod[]> {
    const byNode = new Map<string, Pod[]>();
    for (const pod of claimed) {
      const terminal = pod.status.phase === 'Succeeded' || pod.status.phase === 'Failed';
      if (terminal && pod.metadata.deletionTimestamp) continue;
      const nodeName = targetNodeName(pod);
      if (!nodeName) continue;
      if (!byNode.has(nodeName)) byNode.set(nodeName, []);
      byNode.get(nodeName)!.push(pod);
    }
    return byNode;
  }

  /** podsShouldBeOnNode: what to create and delete on one node. */
  function podsShouldBeOnNode(node: Node, byNode: Map<string, Pod[]>, ds: DaemonSet, hash: string, plan: { create: string[]; delete: string[] }): void {
    const nodeName = node.metadata.name!;
    const { shouldRun, shouldContinueRunning } = nodeShouldRunDaemonPod(node, ds);
    const daemonPods = byNode.get(nodeName);
    if (shouldRun && !daemonPods) {
      plan.create.push(nodeName);
      return;
    }
    if (!shouldContinueRunning) {
      for (const pod of daemonPods ?? []) if (!pod.metadata.deletionTimestamp) plan.delete.push(pod.metadata.name!);
      return;
    }
    const running: Pod[] = [];
    for (const pod of daemonPods ?? []) {
      if (pod.metadata.deletionTimestamp) continue;
      if (pod.status.phase === 'Failed') {
        // The kubelet may keep rejecting the pod: back off instead of hot-looping.
        const backoffKey = `${ds.metadata.uid}/${ds.status.observedGeneration ?? 0}/${nodeName}`;
        const delay = failedPodsBackoff.remaining(backoffKey, Date.now());
        if (delay > 0) {
          wakeups.after(keyOf(ds), delay);
          continue;
        }
        failedPodsBackoff.next(backoffKey, Date.now());
        ctx.recorder.event(ds, 'Warning', 'FailedDaemonPod', `Found failed daemon pod ${pod.metadata.namespace}/${pod.metadata.name} on node ${nodeName}, will try to kill it`);
        plan.delete.push(pod.metadata.name!);
      } else if (pod.status.phase === 'Succeeded') {
        ctx.recorder.event(ds, 'Normal', 'SucceededDaemonPod', `Found succeeded daemon pod ${pod.metadata.namespace}/${pod.metadata.name} on node ${nodeName}, will try to delete it`);
        plan.delete.push(pod.metadata.name!);
      } else running.push(pod);
    }
    running.sort(byCreationTimestampAndPhase);
    if (rolloutBudget(ds, 1).maxSurge === 0) {
      // Without surge one pod per node: the oldest stays.
      for (const pod of running.slice(1)) plan.delete.push(pod.metadata.name!);
      return;
    }
    if (running.length === 0) {
      if (shouldRun) plan.create.push(nodeName);
      return;
    }
    if (running.length === 1) return;
    // With surge two pods may share a node while the new one is not yet ready and the old one is.
    let oldestNew: Pod | undefined;
    let oldestOld: Pod | undefined;
    for (const pod of running) {
      const isNew = pod.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL] === hash;
      if (isNew && !oldestNew) oldestNew = pod;
      else if (!isNew && !oldestOld) oldestOld = pod;
      else plan.delete.push(pod.metadata.name!);
    }
    if (oldestNew && oldestOld && (!isPodReady(oldestOld) || isPodAvailable(oldestNew, ds.spec.minReadySeconds ?? 0))) {
      plan.delete.push(oldestOld.metadata.name!);
    }
  }

  /** syncNodes: creates pods pinned to the nodes, deletes the named pods; expectations first. */
  async function syncNodes(ds: DaemonSet, podsToDelete: string[], nodesNeedingPods: string[], hash: string): Promise<void> {
    const key = keyOf(ds);
    const namespace = ds.metadata.namespace!;
    const toCreate = nodesNeedingPods.slice(0, BURST_REPLICAS);
    const toDelete = podsToDelete.slice(0, BURST_REPLICAS);
    creations.expectCreations(key, toCreate.length);
    deletions.expectDeletions(key, toDelete.map((name) => `${namespace}/${name}`));
    const errors: unknown[] = [];
    const template = daemonPodTemplate(ds, hash);
    const ref = newControllerRef(ds, API_VERSION, KIND);
    let next = 0;
    const { successes, error } = await slowStartBatch(toCreate.length, SLOW_START_INITIAL_BATCH_SIZE, async () => {
      const nodeName = toCreate[next++];
      const podTemplate = structuredClone(template);
      podTemplate.spec.affinity = affinityForNode(podTemplate.spec.affinity, nodeName);
      try {
        await podControl.createPod(namespace, podTemplate, ds, ref);
      } catch (err) {
        creations.creationObserved(key);
        throw err;
      }
    });
    if (error) errors.push(error);
    // Creates never attempted after a failed batch are not awaited either.
    for (let i = next; i < toCreate.length; i++) creations.creationObserved(key);
    if (successes) logger.debug({ daemonset: key, created: successes }, 'created daemon pods');
    await Promise.all(toDelete.map(async (name) => {
      try {
        await podControl.deletePod(namespace, name, ds);
      } catch (err) {
        deletions.deletionObserved(key, `${namespace}/${name}`);
        if (!isNotFound(err)) errors.push(err);
      }
    }));
    if (errors.length) throw errors[0];
  }

  /**
   * Daemon pods bound to a node that no longer exists have no kubelet left to finish them: they are
   * deleted at once, as kube's pod GC does for orphaned pods.
   */
  async function deleteOrphanedPods(ds: DaemonSet, byNode: Map<string, Pod[]>, nodeNames: Set<string>): Promise<string[]> {
    const unscheduled: string[] = [];
    for (const [nodeName, podsOnNode] of byNode) {
      if (nodeNames.has(nodeName)) continue;
      for (const pod of podsOnNode) {
        if (!pod.spec.nodeName) unscheduled.push(pod.metadata.name!);
        else {
          try {
            await podClient.delete(pod.metadata.namespace!, pod.metadata.name!, { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid } });
            ctx.recorder.event(ds, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`);
          } catch (err) {
            if (!isNotFound(err) && !isConflict(err)) throw err;
          }
        }
      }
    }
    return unscheduled;
  }

  async function updateStatus(ds: DaemonSet, nodeList: Node[], byNode: Map<string, Pod[]>, hash: string, updateObservedGeneration: boolean): Promise<void> {
    const counts = countDaemonSetStatus(ds, nodeList, byNode, hash, Date.now());
    if (!statusUpToDate(ds, counts)) {
      const apply = (target: DaemonSet) => withStatus(target, counts, updateObservedGeneration ? ds.metadata.generation : target.status.observedGeneration);
      try {
        await dsClient.updateStatus(apply(ds));
      } catch (err) {
        if (!isConflict(err)) throw err;
        // kube retries once on a fresh copy before giving the key back to the queue.
        await dsClient.updateStatus(apply(await dsClient.get(ds.metadata.namespace!, ds.metadata.name!)));
      }
    }
    const minReady = ds.spec.minReadySeconds ?? 0;
    if (minReady > 0 && counts.numberReady !== counts.numberAvailable) wakeups.after(keyOf(ds), minReady * 1000);
  }

  async function reconcile(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const ds = daemonSets.get(namespace, name);
    if (!ds) {
      wakeups.forget(key);
      creations.delete(key);
      deletions.delete(key);
      return;
    }
    const selector = ds.spec.selector;
    if (Object.keys(selector.matchLabels ?? {}).length + (selector.matchExpressions?.length ?? 0) === 0) {
      ctx.recorder.event(ds, 'Warning', 'SelectingAll', 'This daemon set is selecting all pods. A non-empty selector is required.');
      return;
    }
    // Being deleted: its pods are the garbage collector's now.
    if (ds.metadata.deletionTimestamp) return;
    const nodeList = nodes.list();
    const hash = templateHash(ds);
    const claimed = await claimPods(ds);
    const byNode = nodesToDaemonPods(claimed);
    if (!satisfied(key)) {
      // Not every create or delete has shown up yet: only report, without claiming this generation.
      return updateStatus(ds, nodeList, byNode, hash, false);
    }
    let syncError: unknown;
    try {
      const plan = { create: [] as string[], delete: [] as string[] };
      for (const node of nodeList) podsShouldBeOnNode(node, byNode, ds, hash, plan);
      plan.delete.push(...await deleteOrphanedPods(ds, byNode, new Set(nodeList.map((n) => n.metadata.name!))));
      await syncNodes(ds, plan.delete, plan.create, hash);
      if (satisfied(key) && ds.spec.updateStrategy.type === 'RollingUpdate') {
        const shouldRun = new Map(nodeList.map((n) => [n.metadata.name!, nodeShouldRunDaemonPod(n, ds).shouldRun]));
        const withEmpty = new Map(byNode);
        for (const [nodeName, run] of shouldRun) if (run && !withEmpty.has(nodeName)) withEmpty.set(nodeName, []);
        const rollout = planRollingUpdate({
          ds, hash, nodeToPods: withEmpty, now: Date.now(),
          desiredNumberScheduled: [...shouldRun.values()].filter(Boolean).length,
          shouldRun: (nodeName) => shouldRun.get(nodeName) ?? false,
        });
        if (rollout.podsToDelete.length || rollout.nodesNeedingPods.length) {
          logger.info({ daemonset: key, deleting: rollout.podsToDelete, creatingOn: rollout.nodesNeedingPods }, 'rolling update');
          await syncNodes(ds, rollout.podsToDelete, rollout.nodesNeedingPods, hash);
        }
      }
    } catch (err) {
      syncError = err;
    }
    try {
      await updateStatus(ds, nodeList, byNode, hash, true);
    } catch (err) {
      syncError ??= err;
    }
    if (syncError) throw syncError;
  }

  return {
    name: 'daemonset',
    queue,
    reconcile,
    start(signal: AbortSignal) {
      signal.addEventListener('abort', () => wakeups.stop(), { once: true });
    },
  };
}
