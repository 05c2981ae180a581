// The garbage collector (kube's pkg/controller/garbagecollector). It watches every kind the server
// serves and keeps a uid index of owners and their dependents. An object whose owners are all gone is
// deleted (with the propagation its own finalizers ask for, background by default); an owner deleted
// in the foreground (foregroundDeletion finalizer) loses its dependents first and then the finalizer;
// an owner deleted with the orphan finalizer has its ownerReference removed from every dependent,
// then the finalizer. An owner missing from the caches is looked up on the server before any
// dependent is deleted: informers of different kinds lag differently, so a dependent often shows up
// before its owner does.
import type { OwnerReference } from '../../shared/api/meta.ts';
import { resourceTypes } from '../../shared/api/registry.ts';
import type { ResourceType } from '../../shared/api/resource-type.ts';
import { isConflict, isNotFound } from '../../shared/client/api-client.ts';
import { ResourceClient, type DeleteOptions } from '../../shared/client/resource-client.ts';
import { objectOf, type SharedInformer } from '../../shared/informer/informer.ts';
import type { Logger } from '../../shared/log.ts';
import { WorkQueue } from '../../shared/workqueue.ts';
import type { Controller, ControllerContext } from '../controller-context.ts';
import { foregroundFinalizer, isDeletingDependents, ObjectGraph, orphanFinalizer, type GCObject, type GraphNode } from './garbage-collector-graph.ts';

/** A resource's id in queue keys: `replicasets.apps`, `pods`. */
const typeId = (t: ResourceType) => (t.group ? `${t.plural}.${t.group}` : t.plural);
/** Owners known to be absent, remembered so that a hundred orphans cost one lookup (kube keeps 500). */
const absentOwnerCacheSize = 500;

interface Item {
  type: ResourceType;
  namespace: string;
  name: string;
  uid: string;
}

interface Verdict {
  solid: OwnerReference[];
  dangling: OwnerReference[];
  /** Owners being deleted in the foreground: they wait for this dependent to go. */
  waiting: OwnerReference[];
  /** Some owner exists on the server but not yet in the caches. */
  unobserved: boolean;
}

export class GarbageCollector implements Controller {
  readonly name = 'garbage-collector';
  readonly queue = new WorkQueue<string>();
  readonly graph = new ObjectGraph();
  private readonly types = new Map<string, { type: ResourceType; informer: SharedInformer<GCObject>; client: ResourceClient<GCObject> }>();
  private readonly absentOwners = new Map<string, true>();
  private readonly logger: Logger;

  constructor(ctx: ControllerContext) {
    this.logger = ctx.logger.child({ controller: this.name });
    for (const type of resourceTypes) {
      const informer = ctx.informers.informerFor(type) as unknown as SharedInformer<GCObject>;
      this.types.set(typeId(type), { type, informer, client: new ResourceClient<GCObject>(ctx.client, type) });
      informer.addEventHandler({
        onAdd: (obj) => this.observe(type, undefined, obj),
        onUpdate: (old, obj) => this.observe(type, old, obj),
        onDelete: (obj) => this.forget(objectOf(obj)),
      });
    }
  }

  private keyOf(node: Pick<GraphNode, 'type' | 'namespace' | 'name' | 'uid'>): string {
    return `${typeId(node.type)}/${node.namespace}/${node.name}/${node.uid}`;
  }

  private enqueue(node: Pick<GraphNode, 'type' | 'namespace' | 'name' | 'uid'>): void {
    this.queue.add(this.keyOf(node));
  }

  // --- building the graph from events -------------------------------------------------------------

  private observe(type: ResourceType, old: GCObject | undefined, obj: GCObject): void {
    if (old && old.metadata.resourceVersion === obj.metadata.resourceVersion) return; // a resync
    const previous = this.graph.upsert(type, obj);
    const node = this.graph.get(obj.metadata.uid ?? '');
    if (!node) return;
    const deleting = obj.metadata.deletionTimestamp !== undefined;
    const hasGCFinalizer = (obj.metadata.finalizers ?? []).some((f) => f === orphanFinalizer || f === foregroundFinalizer);
    if (!previous) {
      if (node.owners.length > 0 || (deleting && hasGCFinalizer)) this.enqueue(node);
      return;
    }
    const ownersChanged = JSON.stringify(previous.owners) !== JSON.stringify(node.owners);
    if (ownersChanged) {
      this.enqueue(node);
      // An owner waiting on this dependent may be free now.
      for (const ref of previous.owners) this.enqueueIfDeletingDependents(ref.uid);
    }
    const finalizersChanged = JSON.stringify(old?.metadata.finalizers ?? []) !== JSON.stringify(obj.metadata.finalizers ?? []);
    if (deleting && (old?.metadata.deletionTimestamp === undefined || finalizersChanged) && hasGCFinalizer) this.enqueue(node);
    // Starting foreground deletion: every dependent must go first.
    if (node.deletingDependents && !previous.deletingDependents) for (const dep of this.graph.dependentsOf(node.uid)) this.enqueue(dep);
  }

  private forget(obj: GCObject): void {
    const node = this.graph.remove(obj);
    if (!node) return;
    // Its dependents may now be orphans; its owners may have been waiting for it.
    for (const dep of this.graph.dependentsOf(node.uid)) this.enqueue(dep);
    for (const ref of node.owners) this.enqueueIfDeletingDependents(ref.uid);
  }

  private enqueueIfDeletingDependents(uid: string): void {
    const owner = this.graph.get(uid);
    if (owner?.deletingDependents) this.enqueue(owner);
  }

  // --- reconciling one object ---------------------------------------------------------------------

  async reconcile(key: string): Promise<void> {
    const [id, namespace, name, uid] = key.split('/');
    const entry = this.types.get(id);
    if (!entry) return;
    const item: Item = { type: entry.type, namespace, name, uid };
    const obj = entry.informer.get(namespace, name);
    if (!obj || obj.metadata.uid !== uid) return; // gone; whatever depended on it was queued then
    if (obj.metadata.deletionTimestamp !== undefined) {
      const finalizers = obj.metadata.finalizers ?? [];
      if (finalizers.includes(orphanFinalizer)) await this.orphanDependents(item);
      else if (finalizers.includes(foregroundFinalizer)) await this.deleteDependentsFirst(item);
      return;
    }
    if ((obj.metadata.ownerReferences ?? []).length > 0) await this.attemptToDelete(item, obj);
  }

  /** attemptToDeleteItem: delete an object none of whose owners exists any more. */
  private async attemptToDelete(item: Item, cached: GCObject): Promise<void> {
    const first = await this.classify(item, cached.metadata.ownerReferences ?? []);
    if (first.dangling.length === 0 && first.waiting.length === 0) {
      // Like kube's virtual nodes: an owner only the server knows of is checked again until the caches
      // show it (nothing else would tell us if it were deleted before they did).
      if (first.unobserved) throw new Error(`an owner of ${this.keyOf(item)} has not been observed via informer yet`);
      return;
    }

    // About to act: decide on the object as it is now, not as the cache last saw it.
    const client = this.types.get(typeId(item.type))!.client;
    let latest: GCObject;
    try {
      latest = await client.get(item.namespace, item.name);
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    if (latest.metadata.uid !== item.uid || latest.metadata.deletionTimestamp !== undefined) return;
    const refs = latest.metadata.ownerReferences ?? [];
    if (refs.length === 0) return;
    const { solid, dangling, waiting } = await this.classify(item, refs);

    if (solid.length > 0) {
      if (dangling.length === 0 && waiting.length === 0) return;
      // A live owner keeps the object; only the references to owners that are gone (or going) go.
      const uids = [...dangling, ...waiting].map((r) => r.uid);
      this.logger.debug({ item: this.keyOf(item), uids }, 'removing dangling ownerReferences');
      await this.removeOwnerReferences(item, uids);
      return;
    }
    let propagationPolicy: DeleteOptions['propagationPolicy'];
    if (waiting.length > 0 && this.graph.dependentsOf(item.uid).length > 0) {
      // An owner waits for this one, which has dependents of its own: take those down first too.
      propagationPolicy = 'Foreground';
    } else {
      const finalizers = latest.metadata.finalizers ?? [];
      propagationPolicy = finalizers.includes(orphanFinalizer) ? 'Orphan' : finalizers.includes(foregroundFinalizer) ? 'Foreground' : 'Background';
    }
    this.logger.debug({ item: this.keyOf(item), propagationPolicy }, 'deleting object whose owners are gone');
    await this.deleteObject(item, propagationPolicy);
  }

  /** Sorts the references into owners that exist, owners that are gone, and owners deleting in the foreground. */
  private async classify(item: Item, refs: OwnerReference[]): Promise<Verdict> {
    const verdict: Verdict = { solid: [], dangling: [], waiting: [], unobserved: false };
    for (const ref of refs) {
      const { owner, observed } = await this.findOwner(item, ref);
      if (!observed && owner) verdict.unobserved = true;
      if (owner === 'unknown') verdict.solid.push(ref);
      else if (!owner) verdict.dangling.push(ref);
      else if (isDeletingDependents(owner)) verdict.waiting.push(ref);
      else verdict.solid.push(ref);
    }
    return verdict;
  }

  /** The owner a reference names: from the caches (observed), else from the server; undefined if it does not exist. */
  private async findOwner(item: Item, ref: OwnerReference): Promise<{ owner: GCObject | undefined | 'unknown'; observed: boolean }> {
    const ownerType = typeOfReference(ref);
    // A kind this server does not serve: nothing to check it against, so never delete on its account.
    if (!ownerType) return { owner: 'unknown', observed: true };
    // A namespaced owner lives in its dependent's namespace; a cluster-scoped object cannot have one.
    if (ownerType.namespaced && !item.namespace) return { owner: undefined, observed: true };
    const namespace = ownerType.namespaced ? item.namespace : '';
    const entry = this.types.get(typeId(ownerType))!;
    const node = this.graph.get(ref.uid);
    if (node && node.type === ownerType && node.namespace === namespace) {
      const cached = entry.informer.get(namespace, node.name);
      if (cached?.metadata.uid === ref.uid) return { owner: cached, observed: true };
    }
    const absentKey = `${namespace}/${ref.uid}`;
    if (this.absentOwners.has(absentKey)) return { owner: undefined, observed: true };
    try {
      const live = await entry.client.get(namespace, ref.name);
      if (live.metadata.uid === ref.uid) return { owner: live, observed: false };
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    this.absentOwners.set(absentKey, true);
    if (this.absentOwners.size > absentOwnerCacheSize) this.absentOwners.delete(this.absentOwners.keys().next().value!);
    return { owner: undefined, observed: true };
  }

  /** processDeletingDependentsItem: the owner goes once no dependent blocks it any more. */
  private async deleteDependentsFirst(owner: Item): Promise<void> {
    const dependents = this.graph.dependentsOf(owner.uid);
    const blocking = dependents.filter((d) => d.owners.some((r) => r.uid === owner.uid && r.blockOwnerDeletion));
    if (blocking.length === 0) {
      await this.removeFinalizer(owner, foregroundFinalizer);
      return;
    }
    for (const dep of dependents) if (!dep.deletingDependents) this.enqueue(dep);
  }

  /** orphanDependents: every dependent forgets this owner, then the owner may go. */
  private async orphanDependents(owner: Item): Promise<void> {
    for (const dep of this.graph.dependentsOf(owner.uid)) await this.removeOwnerReferences(dep, [owner.uid]);
    await this.removeFinalizer(owner, orphanFinalizer);
  }

  private async removeOwnerReferences(item: Item, uids: string[]): Promise<void> {
    const client = this.types.get(typeId(item.type))!.client;
    // A strategic merge patch deleting by uid cannot clobber references added meanwhile.
    const patch = { metadata: { ownerReferences: uids.map((uid) => ({ $patch: 'delete', uid })), uid: item.uid } };
    try {
      await client.patch(item.namespace, item.name, patch, 'strategic');
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  private async removeFinalizer(item: Item, finalizer: string): Promise<void> {
    const client = this.types.get(typeId(item.type))!.client;
    for (let attempt = 0; ; attempt++) {
      let latest: GCObject;
      try {
        latest = await client.get(item.namespace, item.name);
      } catch (err) {
        if (isNotFound(err)) return;
        throw err;
      }
      const finalizers = latest.metadata.finalizers ?? [];
      if (latest.metadata.uid !== item.uid || !finalizers.includes(finalizer)) return;
      try {
        // Pinned to the version read: another finalizer removed meanwhile must not come back.
        await client.patch(item.namespace, item.name, { metadata: { resourceVersion: latest.metadata.resourceVersion, finalizers: finalizers.filter((f) => f !== finalizer) } }, 'merge');
        return;
      } catch (err) {
        if (isNotFound(err)) return;
        if (!isConflict(err) || attempt >= 5) throw err;
      }
    }
  }

  private async deleteObject(item: Item, propagationPolicy: DeleteOptions['propagationPolicy']): Promise<void> {
    const client = this.types.get(typeId(item.type))!.client;
    try {
      await client.delete(item.namespace, item.name, { propagationPolicy, preconditions: { uid: item.uid } });
    } catch (err) {
      // Gone already, or a new object of the same name (the uid precondition failed): not ours to delete.
      if (!isNotFound(err) && !isConflict(err)) throw err;
    }
  }
}

/** The kind an ownerReference names, matched by group and kind (any version of the group will do). */
function typeOfReference(ref: OwnerReference): ResourceType | undefined {
  const slash = ref.apiVersion.indexOf('/');
  const group = slash < 0 ? '' : ref.apiVersion.slice(0, slash);
  return resourceTypes.find((t) => t.group === group && t.kind === ref.kind);
}

export const newGarbageCollector = (ctx: ControllerContext): Controller => new GarbageCollector(ctx);
