// The garbage collector's picture of ownership across every kind (kube's GraphBuilder, reduced to
// what the collector asks): each object by uid, and for each owner uid the objects that name it.
// An owner need not be known to have dependents: a dependent may show up before its owner does.
import type { OwnerReference } from '../../shared/api/meta.ts';
import type { ResourceType } from '../../shared/api/resource-type.ts';

/** What the collector needs of any object. */
export interface GCObject {
  metadata: {
    name?: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    deletionTimestamp?: string;
    finalizers?: string[];
    ownerReferences?: OwnerReference[];
  };
}

export interface GraphNode {
  type: ResourceType;
  namespace: string;
  name: string;
  uid: string;
  owners: OwnerReference[];
  /** Being deleted with the foregroundDeletion finalizer: waiting for its dependents to go. */
  deletingDependents: boolean;
}

export const orphanFinalizer = 'orphan';
export const foregroundFinalizer = 'foregroundDeletion';

export const isDeletingDependents = (obj: GCObject): boolean =>
  obj.metadata.deletionTimestamp !== undefined && (obj.metadata.finalizers ?? []).includes(foregroundFinalizer);

export class ObjectGraph {
  private readonly nodes = new Map<string, GraphNode>();
  /** owner uid -> dependent uids */
  private readonly dependents = new Map<string, Set<string>>();

  get(uid: string): GraphNode | undefined {
    return this.nodes.get(uid);
  }

  dependentsOf(uid: string): GraphNode[] {
    return [...(this.dependents.get(uid) ?? [])].map((d) => this.nodes.get(d)).filter((n): n is GraphNode => n !== undefined);
  }

  /** Records the object's current state; returns the node it replaces, if any. */
  upsert(type: ResourceType, obj: GCObject): GraphNode | undefined {
    const uid = obj.metadata.uid;
    if (!uid) return undefined;
    const previous = this.nodes.get(uid);
    if (previous) this.unlink(previous);
    const node: GraphNode = {
      type, uid,
      namespace: obj.metadata.namespace ?? '',
      name: obj.metadata.name ?? '',
      owners: obj.metadata.ownerReferences ?? [],
      deletingDependents: isDeletingDependents(obj),
    };
    this.nodes.set(uid, node);
    for (const ref of node.owners) {
      let set = this.dependents.get(ref.uid);
      if (!set) this.dependents.set(ref.uid, (set = new Set()));
      set.add(uid);
    }
    return previous;
  }

  /** Forgets the object; its dependents stay, now pointing at an owner that is gone. */
  remove(obj: GCObject): GraphNode | undefined {
    const uid = obj.metadata.uid;
    const node = uid ? this.nodes.get(uid) : undefined;
    if (!node) return undefined;
    this.unlink(node);
    this.nodes.delete(node.uid);
    return node;
  }

  private unlink(node: GraphNode): void {
    for (const ref of node.owners) {
      const set = this.dependents.get(ref.uid);
      set?.delete(node.uid);
      if (set?.size === 0) this.dependents.delete(ref.uid);
    }
  }
}
