// The scheduler's cache (kube's internal/cache): every node, and every pod that occupies one — bound
// pods from the informer and ASSUMED pods, placed by this scheduler and still being bound. Assuming a
// pod charges its node at once, so the next cycle sees it without waiting for the bind to come back on
// the watch; when the bound pod arrives it confirms the assumption, and a failed bind forgets it.
// Pods may reference a node the cache does not know (yet, or any more): they are kept on a node entry
// without a Node object, which is not offered for scheduling.
import type { Node, Pod } from '../shared/api/core.ts';
import { keyOf } from '../shared/informer/indexer.ts';
import { NodeInfo } from './node-info.ts';
import { podInfoOf, type PodInfo } from './pod-info.ts';

interface PodState {
  nodeName: string;
  assumed: boolean;
}

export class SchedulerCache {
  private readonly nodes = new Map<string, NodeInfo>();
  /** Nodes with a Node object, in a stable order for the round-robin search of each cycle. */
  private readonly list: NodeInfo[] = [];
  private readonly positions = new Map<string, number>();
  private readonly podStates = new Map<string, PodState>();

  /** The schedulable node list (every node that exists); do not modify. */
  get nodeList(): readonly NodeInfo[] {
    return this.list;
  }

  nodeInfo(name: string): NodeInfo | undefined {
    return this.nodes.get(name);
  }

  get podCount(): number {
    return this.podStates.size;
  }

  /** Adds or updates a node; returns its entry. */
  setNode(node: Node): NodeInfo {
    const info = this.entry(node.metadata.name!);
    info.setNode(node);
    if (!this.positions.has(info.name)) {
      this.positions.set(info.name, this.list.length);
      this.list.push(info);
    }
    return info;
  }

  removeNode(name: string): void {
    const info = this.nodes.get(name);
    if (!info) return;
    const i = this.positions.get(name);
    if (i !== undefined) {
      // Swap-remove: O(1), and the search order of the others barely changes.
      const last = this.list.pop()!;
      if (last !== info) {
        this.list[i] = last;
        this.positions.set(last.name, i);
      }
      this.positions.delete(name);
    }
    info.node = undefined;
    // Pods still bound to it keep the entry until they go.
    if (info.podCount === 0) this.nodes.delete(name);
  }

  /** A bound pod seen on the watch (new, or confirming an assumed one). */
  addPod(pod: Pod): void {
    const key = keyOf(pod);
    const state = this.podStates.get(key);
    if (state) this.detach(key, state.nodeName);
    this.attach(podInfoOf(pod), pod.spec.nodeName!, false);
  }

  /** A bound pod that changed: charge its node with the new version's amounts. */
  updatePod(pod: Pod): void {
    this.addPod(pod);
  }

  removePod(pod: Pod): void {
    const key = keyOf(pod);
    const state = this.podStates.get(key);
    if (state) this.detach(key, state.nodeName);
  }

  /** Charges `nodeName` with the pod as if it were bound there. */
  assumePod(pod: PodInfo, nodeName: string): void {
    const state = this.podStates.get(pod.key);
    if (state) this.detach(pod.key, state.nodeName);
    this.attach(pod, nodeName, true);
  }

  /** Drops an assumption (failed bind); a pod the watch has confirmed meanwhile stays. Returns its node. */
  forgetPod(key: string): string | undefined {
    const state = this.podStates.get(key);
    if (!state?.assumed) return undefined;
    this.detach(key, state.nodeName);
    return state.nodeName;
  }

  isAssumed(key: string): boolean {
    return this.podStates.get(key)?.assumed === true;
  }

  /** The node the cache has the pod on, bound or assumed. */
  nodeOf(key: string): string | undefined {
    return this.podStates.get(key)?.nodeName;
  }

  private entry(name: string): NodeInfo {
    let info = this.nodes.get(name);
    if (!info) this.nodes.set(name, (info = new NodeInfo(name)));
    return info;
  }

  private attach(pod: PodInfo, nodeName: string, assumed: boolean): void {
    this.entry(nodeName).addPod(pod);
    this.podStates.set(pod.key, { nodeName, assumed });
  }

  private detach(key: string, nodeName: string): void {
    this.podStates.delete(key);
    const info = this.nodes.get(nodeName);
    if (!info) return;
    info.removePod(key);
    if (!info.node && info.podCount === 0) this.nodes.delete(nodeName);
  }
}
