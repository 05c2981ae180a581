// Controller references and the adopt/release protocol (kube's ControllerRefManager): a controller
// owns the objects whose ownerReferences name it with controller=true; it adopts orphans its selector
// matches and releases owned objects its selector no longer matches. Adoption re-reads the owner from
// the server first, so an owner being deleted never adopts (its orphans would be deleted with it).
import type { OwnerReference } from '../../shared/api/meta.ts';

export interface OwnerMeta {
  metadata?: { name?: string; namespace?: string; uid?: string; deletionTimestamp?: string; ownerReferences?: OwnerReference[] };
}

export interface OwnerObject extends OwnerMeta {
  apiVersion?: string;
  kind?: string;
}

/** The ownerReference with controller=true, if any (metav1.GetControllerOf). */
export const controllerRefOf = (obj: OwnerMeta): OwnerReference | undefined => obj.metadata?.ownerReferences?.find((r) => r.controller === true);

/** A controller reference to `owner` (metav1.NewControllerRef). */
export function newControllerRef(owner: OwnerMeta, apiVersion: string, kind: string): OwnerReference {
  return { apiVersion, kind, name: owner.metadata?.name ?? '', uid: owner.metadata?.uid ?? '', controller: true, blockOwnerDeletion: true };
}

/** The strategic merge patch that adds the controller reference; the uid makes it fail on a recreated object. */
export const adoptPatch = (ref: OwnerReference, uid: string | undefined) => ({ metadata: { ownerReferences: [ref], uid } });

/** The strategic merge patch that removes the owner's reference (deleteOwnerRefStrategicMergePatch). */
export const releasePatch = (ownerUID: string, uid: string | undefined) => ({ metadata: { ownerReferences: [{ $patch: 'delete', uid: ownerUID }], uid } });

export interface ClaimOptions<T extends OwnerMeta> {
  owner: OwnerMeta;
  /** What kind of objects these are, for messages ("Pod", "ReplicaSet"). */
  kind: string;
  match(obj: T): boolean;
  /** Adds the controller reference; resolves with the adopted object. */
  adopt(obj: T): Promise<T>;
  release(obj: T): Promise<void>;
  /** Throws when the owner may not adopt (gone, replaced, or being deleted); called at most once. */
  recheckOwner(): Promise<void>;
  isNotFound(err: unknown): boolean;
  /** Errors a release may ignore besides NotFound (kube ignores Invalid: the reference is already gone). */
  ignoreOnRelease?(err: unknown): boolean;
}

/**
 * The objects `owner` controls after adopting matching orphans and releasing non-matching owned ones
 * (ClaimObject for each). Failures do not stop the others; the first is thrown at the end so the sync
 * is retried.
 */
export async function claimObjects<T extends OwnerMeta>(objects: T[], options: ClaimOptions<T>): Promise<T[]> {
  const ownerUID = options.owner.metadata?.uid;
  const ownerDeleting = !!options.owner.metadata?.deletionTimestamp;
  let recheck: Promise<void> | undefined;
  const claimed: T[] = [];
  const errors: unknown[] = [];
  for (const obj of objects) {
    const ref = controllerRefOf(obj);
    try {
      if (ref) {
        if (ref.uid !== ownerUID) continue; // someone else's
        if (options.match(obj)) {
          claimed.push(obj);
          continue;
        }
        if (ownerDeleting) continue;
        try {
          await options.release(obj);
        } catch (err) {
          if (!options.isNotFound(err) && !options.ignoreOnRelease?.(err)) throw err;
        }
        continue;
      }
      // An orphan.
      if (ownerDeleting || !options.match(obj) || obj.metadata?.deletionTimestamp) continue;
      if (options.owner.metadata?.namespace && options.owner.metadata.namespace !== obj.metadata?.namespace) continue;
      recheck ??= options.recheckOwner();
      try {
        await recheck;
      } catch (err) {
        const name = `${obj.metadata?.namespace}/${obj.metadata?.name}`;
        throw new Error(`can't adopt ${options.kind} ${name} (${obj.metadata?.uid}): ${(err as Error).message}`);
      }
      try {
        claimed.push(await options.adopt(obj));
      } catch (err) {
        if (!options.isNotFound(err)) throw err;
      }
    } catch (err) {
      errors.push(err);
    }
  }
  if (errors.length) throw errors[0];
  return claimed;
}

/** RecheckDeletionTimestamp: the fresh owner must be the same object and not being deleted. */
export function checkFreshOwner(fresh: OwnerMeta, owner: OwnerMeta): void {
  const name = `${owner.metadata?.namespace}/${owner.metadata?.name}`;
  if (fresh.metadata?.uid !== owner.metadata?.uid) throw new Error(`original ${name} is gone: got uid ${fresh.metadata?.uid}, wanted ${owner.metadata?.uid}`);
  if (fresh.metadata?.deletionTimestamp) throw new Error(`${name} has just been deleted at ${fresh.metadata.deletionTimestamp}`);
}
