// What is special about one kind, as kube's RESTCreateStrategy / RESTUpdateStrategy / RESTDeleteStrategy
// say it: each hook is optional and the generic store (generic-store.ts) calls it at its step.
import type { StatusCause } from '../../shared/errors.ts';
import type { KubeObject } from './object.ts';
import type { DeleteOptions } from './delete-options.ts';

export interface RequestContext {
  /** For pods/binding and the like: the user-facing time of the request. */
  now: number;
}

/** Told, once a write that began with beginCreate/beginUpdate is over, whether the object was stored. */
export type FinishWrite = (stored: boolean) => Promise<void>;

export interface Strategy {
  /** Clear or set fields the client may not choose on create (status, server-set defaults); gets the defaulted object. */
  prepareForCreate?(obj: KubeObject, ctx: RequestContext): KubeObject | void;
  /** On a main-resource update: keep what only subresources may change. */
  prepareForUpdate?(obj: KubeObject, old: KubeObject): void;
  /** After schema validation: rules that need the old object (immutable fields). */
  validateUpdate?(obj: KubeObject, old: KubeObject): StatusCause[];
  /** Extra rules on create that the schema cannot express. */
  validateCreate?(obj: KubeObject): StatusCause[];
  /**
   * Just before a validated object is created in storage (kube's BeginCreate): may fill in fields and take
   * what lives outside the object (a Service's ClusterIP). A dry run must take nothing; its finish gets false.
   */
  beginCreate?(obj: KubeObject, options: { dryRun?: boolean }): Promise<FinishWrite>;
  /** The same before an update is stored (kube's BeginUpdate); called again for each retry after a conflict. */
  beginUpdate?(obj: KubeObject, old: KubeObject, options: { dryRun?: boolean }): Promise<FinishWrite>;
  /** Once an object is gone from storage (kube's AfterDelete), with the object as it was last stored. */
  afterDelete?(obj: KubeObject): Promise<void>;
  /** Field selector values beyond metadata.name and metadata.namespace. */
  selectableFields?(obj: KubeObject): Record<string, string>;
  /**
   * Graceful deletion: the grace period to wait before the object really goes (0 = at once).
   * Absent means the kind has no graceful deletion.
   */
  gracePeriodSeconds?(obj: KubeObject, options: DeleteOptions): number;
  /** Called instead of an immediate delete (e.g. a Namespace enters Terminating and waits for its finalizer). */
  beginDelete?(obj: KubeObject, now: number): boolean;
  /** True when the object may be deleted from storage at this point (e.g. namespace finalizers emptied). */
  readyToDelete?(obj: KubeObject): boolean;
  /** Writes through subresources other than status (e.g. namespaces/finalize): what the write may change. */
  subresourceUpdate?: Record<string, (desired: KubeObject, current: KubeObject) => KubeObject>;
  /** DELETE answers with the deleted object rather than a Status (pods, services, namespaces do). */
  returnDeletedObject?: boolean;
  /**
   * Whether objects keep metadata.generation (1 on create, +1 whenever anything but metadata and status
   * changes): true always, false never, absent when the object has a spec (the common kube strategy).
   */
  hasGeneration?: boolean;
}
