// The registry for one resource type, in the shape of kube's genericregistry.Store: it turns API verbs
// into storage operations, applying the kind's Strategy at each step (defaults and validation, status
// vs spec, graceful deletion, finalizers). Everything here is kind-agnostic.
import { randomUUID } from 'node:crypto';
import type { ResourceType } from '../../shared/api/resource-type.ts';
import { apiVersionOf } from '../../shared/api/resource-type.ts';
import { validateObject, unknownFields, DECODE_ERROR } from '../../shared/api/validation.ts';
import { generateName } from '../../shared/api/names.ts';
import { alreadyExists, badRequest, conflict, invalid, notFound, OBJECT_MODIFIED, StatusError, internal } from '../../shared/errors.ts';
import { StorageError, type Backend, type KeyValue } from '../storage/interface.ts';
import type { Cacher } from '../watch/cacher.ts';
import type { DeleteOptions } from './delete-options.ts';
import { objectKey } from './keys.ts';
import { deepCopy, deepEqual, isPlainObject, nowTimestamp, type KubeObject } from './object.ts';
import type { Strategy } from './strategy.ts';

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export interface WriteOptions {
  dryRun?: boolean;
  fieldValidation?: FieldValidation;
}

export interface WriteResult {
  object: KubeObject;
  warnings: string[];
  /** The stored row, when this write stored one (lets a response reuse its JSON text). */
  stored?: KeyValue;
}

/** A request body: decoded on demand, and for JSON also its text (the http layer's DecodedBody). */
export interface RequestBody {
  readonly value: unknown;
  readonly json?: string;
}

/** A create prepared off this thread: the stored row, no decoded object (decode `stored` if one is needed). */
export interface StoredCreate {
  object?: undefined;
  warnings: string[];
  stored: KeyValue;
}

/** Prepares creates somewhere else than the request's thread (create-offload.ts); see createFromBody. */
export interface CreateOffload {
  /** False while it cannot take work (starting, or its queue is long): the caller prepares the create itself. */
  available(): boolean;
  prepareCreate(type: ResourceType, namespace: string, json: string, options: WriteOptions): Promise<PreparedCreate>;
}

export interface PreparedCreate {
  namespace: string;
  name: string;
  /** The object as encode() writes it. */
  json: string;
  warnings: string[];
}

export interface DeleteResult {
  object: KubeObject;
  /** False when the object is only marked for deletion (grace period or finalizers pending). */
  deleted: boolean;
}

/**
 * Checks that a namespace exists and is not terminating before `name` of `resource` is created in it;
 * installed by the server (namespaces are a registry too).
 */
export type NamespaceGuard = (namespace: string, resource: { group: string; resource: string }, name: string) => Promise<void>;

export class GenericStore {
  readonly groupResource: { group: string; resource: string };
  cacher?: Cacher;
  namespaceGuard?: NamespaceGuard;
  offload?: CreateOffload;

  constructor(
    readonly type: ResourceType,
    readonly backend: Backend,
    readonly strategy: Strategy = {},
  ) {
    this.groupResource = { group: type.group, resource: type.plural };
  }

  // --- encoding ---------------------------------------------------------------------------------

  /**
   * Stored without resourceVersion: the revision is the version (kube's etcd3 store does the same).
   * apiVersion, kind and metadata come first, so jsonWithRevision can find metadata without parsing.
   */
  encode(obj: KubeObject): string {
    // Objects from validation already have this shape (the schemas list apiVersion, kind, metadata first)
    // and a create has no resourceVersion: serialize as is, without copying (this runs on every write).
    if (obj.metadata.resourceVersion === undefined && startsWithTypeMeta(obj)) return JSON.stringify(obj);
    const { resourceVersion: _rv, ...metadata } = obj.metadata;
    const { apiVersion, kind, metadata: _m, ...rest } = obj;
    return JSON.stringify({ apiVersion, kind, metadata, ...rest });
  }

  /** The stored JSON text with its resourceVersion put in, without a parse and re-serialize (list's hot path). */
  jsonWithRevision(kv: KeyValue): string {
    const at = kv.value.startsWith('{"apiVersion":') ? kv.value.indexOf('"metadata":{') : -1;
    if (at < 0) return JSON.stringify(this.decodeKV(kv));
    const body = at + '"metadata":{'.length;
    const sep = kv.value[body] === '}' ? '' : ',';
    return `${kv.value.slice(0, body)}"resourceVersion":"${kv.modRevision}"${sep}${kv.value.slice(body)}`;
  }

  decode = (value: string, revision: number): KubeObject => {
    const obj = JSON.parse(value) as KubeObject;
    obj.metadata.resourceVersion = String(revision);
    return obj;
  };

  decodeKV(kv: KeyValue): KubeObject {
    return this.decode(kv.value, kv.modRevision);
  }

  key(namespace: string, name: string): string {
    return objectKey(this.type, namespace, name);
  }

  /** Field selector values every kind has, plus the kind's own. */
  fieldsOf(obj: KubeObject): Record<string, string> {
    const fields: Record<string, string> = { 'metadata.name': obj.metadata.name ?? '' };
    if (this.type.namespaced) fields['metadata.namespace'] = obj.metadata.namespace ?? '';
    return this.strategy.selectableFields ? { ...fields, ...this.strategy.selectableFields(obj) } : fields;
  }

  // --- validation ---------------------------------------------------------------------------------

  /** Schema defaults and validation, name rules and the kind's own rules; returns the defaulted object. */
  private validate(input: KubeObject, old: KubeObject | undefined, options: WriteOptions, warnings: string[], subresource?: string): KubeObject {
    const name = input.metadata.name ?? '';
    const result = validateObject(this.type, input);
    if (!result.ok) {
      const decodeError = result.causes.find((c) => c.reason === DECODE_ERROR);
      if (decodeError) throw badRequest(`${this.type.kind} in version "${this.type.version}" cannot be handled as a ${this.type.kind}: ${decodeError.message}`);
      throw invalid(this.type.group, this.type.kind, name, result.causes);
    }
    const obj = result.value as KubeObject;
    // Subresource writes copy everything else from the old object, so the spec rules have nothing to check.
    const extra = old ? (subresource ? [] : this.strategy.validateUpdate?.(obj, old)) : this.strategy.validateCreate?.(obj);
    if (extra?.length) throw invalid(this.type.group, this.type.kind, name, extra);
    if (options.fieldValidation !== 'Ignore') {
      const unknown = unknownFields(input, obj);
      if (unknown.length && options.fieldValidation === 'Strict')
        throw badRequest(`${this.type.kind} in version "${this.type.version}" cannot be handled as a ${this.type.kind}: strict decoding error: ${unknown.map((f) => `unknown field "${f}"`).join(', ')}`);
      for (const f of unknown) warnings.push(`unknown field "${f}"`);
    }
    return obj;
  }

  private checkTypeMeta(obj: KubeObject): void {
    const apiVersion = apiVersionOf(this.type);
    if (obj.apiVersion !== undefined && obj.apiVersion !== apiVersion)
      throw badRequest(`the API version in the data (${obj.apiVersion}) does not match the expected API version (${apiVersion})`);
    if (obj.kind !== undefined && obj.kind !== this.type.kind)
      throw badRequest(`the kind in the data (${obj.kind}) does not match the expected kind (${this.type.kind})`);
    obj.apiVersion = apiVersion;
    obj.kind = this.type.kind;
  }

  /** Accepts a decoded request body as an object of this kind, or says why not (400). */
  asObject(body: unknown): KubeObject {
    if (!isPlainObject(body)) throw badRequest(`Object '${this.type.kind}' is missing in '${JSON.stringify(body)?.slice(0, 100)}'`);
    if (body.metadata === undefined || body.metadata === null) body.metadata = {};
    if (!isPlainObject(body.metadata)) throw badRequest('metadata must be an object');
    const obj = body as KubeObject;
    this.checkTypeMeta(obj);
    return obj;
  }

  private storageError(err: unknown, name: string): never {
    if (err instanceof StorageError) {
      if (err.code === 'KeyExists') throw alreadyExists(this.groupResource, name);
      if (err.code === 'KeyNotFound') throw notFound(this.groupResource, name);
      if (err.code === 'Conflict') throw conflict(this.groupResource, name, OBJECT_MODIFIED);
    }
    throw err;
  }

  // --- verbs ----------------------------------------------------------------------------------------

  async get(namespace: string, name: string): Promise<KubeObject> {
    const kv = await this.backend.get(this.key(namespace, name));
    if (!kv) throw notFound(this.groupResource, name);
    return this.decodeKV(kv);
  }

  /**
   * A create's pure part, kube's decode + default + PrepareForCreate + validate: the object as it will be
   * stored (without resourceVersion), or a Status error. Touches no storage, so a worker thread can run it.
   */
  prepareCreate(namespace: string, body: unknown, options: WriteOptions = {}): { object: KubeObject; warnings: string[] } {
    const input = this.asObject(body);
    const meta = input.metadata;
    if (this.type.namespaced) {
      if (meta.namespace && namespace && meta.namespace !== namespace)
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      meta.namespace = namespace || meta.namespace;
      if (!meta.namespace) throw badRequest('the server could not find the requested resource: a namespace is required');
    } else delete meta.namespace;
    if (!meta.name && meta.generateName) meta.name = generateName(meta.generateName);
    if (!meta.name) throw invalid(this.type.group, this.type.kind, '', [{ reason: 'FieldValueRequired', message: 'name or generateName is required', field: 'metadata.name' }]);

    const now = Date.now();
    meta.uid = randomUUID();
    meta.creationTimestamp = nowTimestamp(now);
    delete meta.resourceVersion;
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    if (this.strategy.hasGeneration ?? input.spec !== undefined) meta.generation = 1;
    else delete meta.generation;
    const warnings: string[] = [];
    // Defaults and validation first, then the kind's create-time rules on the defaulted object (kube's order
    // is decode+default, PrepareForCreate, validate; what PrepareForCreate adds here is server-made and valid).
    const validated = this.validate(input, undefined, options, warnings);
    return { object: this.strategy.prepareForCreate?.(validated, { now }) ?? validated, warnings };
  }

  /**
   * Creates from a request body. A JSON body of a kind whose create needs nothing but the object itself is
   * prepared (decoded, defaulted, validated, encoded) on the offload's worker thread while this thread
   * serves other requests; the result then carries no decoded object, only the stored row.
   */
  async createFromBody(namespace: string, body: RequestBody, options: WriteOptions = {}): Promise<WriteResult | StoredCreate> {
    if (this.offload && body.json !== undefined && !options.dryRun && !this.strategy.beginCreate && this.offload.available()) {
      const prepared = await this.offload.prepareCreate(this.type, namespace, body.json, options);
      if (this.type.namespaced) await this.namespaceGuard?.(prepared.namespace, this.groupResource, prepared.name);
      try {
        const stored = await this.backend.create(this.key(prepared.namespace, prepared.name), prepared.json);
        return { stored, warnings: prepared.warnings };
      } catch (err) {
        return this.storageError(err, prepared.name);
      }
    }
    return this.create(namespace, body.value, options);
  }

  async create(namespace: string, body: unknown, options: WriteOptions = {}): Promise<WriteResult> {
    const { object: obj, warnings } = this.prepareCreate(namespace, body, options);
    const meta = obj.metadata;
    if (this.type.namespaced) await this.namespaceGuard?.(meta.namespace!, this.groupResource, meta.name!);
    const finish = await this.strategy.beginCreate?.(obj, options);
    let stored = false;
    try {
      if (options.dryRun) {
        const existing = await this.backend.get(this.key(meta.namespace ?? '', meta.name!));
        if (existing) throw alreadyExists(this.groupResource, meta.name!);
        return { object: obj, warnings };
      }
      const kv = await this.backend.create(this.key(meta.namespace ?? '', meta.name!), this.encode(obj));
      stored = true;
      obj.metadata.resourceVersion = String(kv.modRevision);
      return { object: obj, warnings, stored: kv };
    } catch (err) {
      return this.storageError(err, meta.name!);
    } finally {
      await finish?.(stored);
    }
  }

  /**
   * Read-modify-write with compare-and-swap, retried on conflicts unless the caller pinned a
   * resourceVersion (kube's GuaranteedUpdate). `mutate` gets a private copy of the current object
   * and returns the object to store.
   */
  async guaranteedUpdate(
    namespace: string,
    name: string,
    mutate: (current: KubeObject) => KubeObject | Promise<KubeObject>,
    options: WriteOptions & { subresource?: string; preconditionResourceVersion?: string } = {},
  ): Promise<WriteResult> {
    for (let attempt = 0; ; attempt++) {
      const kv = await this.backend.get(this.key(namespace, name));
      if (!kv) throw notFound(this.groupResource, name);
      const current = this.decodeKV(kv);
      const desired = await mutate(deepCopy(current));
      const pinned = options.preconditionResourceVersion ?? '';
      if (pinned && pinned !== current.metadata.resourceVersion) throw conflict(this.groupResource, name, OBJECT_MODIFIED);
      const warnings: string[] = [];
      const next = this.prepareUpdate(desired, current, options, warnings);
      if (deepEqual(next, current)) return { object: current, warnings }; // a no-op write keeps its revision, as in kube
      const deleting = this.deletableNow(next);
      const finish = deleting ? undefined : await this.strategy.beginUpdate?.(next, current, options);
      let stored = false;
      try {
        if (options.dryRun) return { object: next, warnings };
        if (deleting) {
          await this.backend.delete(kv.key, kv.modRevision);
          await this.strategy.afterDelete?.(current);
          return { object: next, warnings };
        }
        const kvNext = await this.backend.update(kv.key, this.encode(next), kv.modRevision);
        stored = true;
        next.metadata.resourceVersion = String(kvNext.modRevision);
        return { object: next, warnings };
      } catch (err) {
        if (err instanceof StorageError && err.code === 'Conflict' && !pinned && attempt < 100) {
          await committedPast(this.backend, err);
          continue;
        }
        this.storageError(err, name);
      } finally {
        await finish?.(stored);
      }
    }
  }

  /** The object to store for an update: server-owned fields kept, spec or status chosen by subresource. */
  private prepareUpdate(desired: KubeObject, current: KubeObject, options: WriteOptions & { subresource?: string }, warnings: string[]): KubeObject {
    this.checkTypeMeta(desired);
    const name = current.metadata.name!;
    if (desired.metadata.name !== undefined && desired.metadata.name !== name)
      throw badRequest(`the name of the object (${desired.metadata.name}) does not match the name on the URL (${name})`);
    if (this.type.namespaced && desired.metadata.namespace && desired.metadata.namespace !== current.metadata.namespace)
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    let next: KubeObject;
    const subresourceUpdate = options.subresource ? this.strategy.subresourceUpdate?.[options.subresource] : undefined;
    if (subresourceUpdate) next = subresourceUpdate(desired, deepCopy(current));
    else if (options.subresource === 'status') {
      // A status write changes only status (and never spec or metadata), as kube's status strategies do.
      next = { ...deepCopy(current), status: desired.status };
    } else {
      next = desired;
      const meta = next.metadata;
      const old = current.metadata;
      // Fields only the server sets survive whatever the client sent.
      meta.name = name;
      meta.namespace = old.namespace;
      meta.uid = old.uid;
      meta.creationTimestamp = old.creationTimestamp;
      if (old.deletionTimestamp) {
        meta.deletionTimestamp = old.deletionTimestamp;
        meta.deletionGracePeriodSeconds = old.deletionGracePeriodSeconds;
      } else {
        delete meta.deletionTimestamp;
        delete meta.deletionGracePeriodSeconds;
      }
      if (this.type.subresources.includes('status')) next.status = current.status;
      this.strategy.prepareForUpdate?.(next, current);
      // A finalizer may be removed from a terminating object but never added (kube rejects that too).
      if (old.deletionTimestamp) {
        const added = (meta.finalizers ?? []).filter((f) => !(old.finalizers ?? []).includes(f));
        if (added.length)
          throw invalid(this.type.group, this.type.kind, name, [{ reason: 'FieldValueForbidden', message: `Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers ${JSON.stringify(added)}`, field: 'metadata.finalizers' }]);
      }
    }
    next.metadata.resourceVersion = current.metadata.resourceVersion;
    const validated = this.validate(next, current, options, warnings, options.subresource);
    // generation counts changes of everything that is not metadata or status (the "spec").
    if (current.metadata.generation !== undefined) {
      const specChanged = Object.keys({ ...validated, ...current }).some((k) => k !== 'metadata' && k !== 'status' && !deepEqual(validated[k], current[k]));
      validated.metadata.generation = current.metadata.generation + (specChanged ? 1 : 0);
    }
    return validated;
  }

  /** An object marked for deletion goes once its finalizers are gone and no grace period is left. */
  deletableNow(obj: KubeObject): boolean {
    const meta = obj.metadata;
    return meta.deletionTimestamp !== undefined && !(meta.finalizers?.length) && !meta.deletionGracePeriodSeconds && (this.strategy.readyToDelete?.(obj) ?? true);
  }

  async update(namespace: string, name: string, body: unknown, options: WriteOptions & { subresource?: string } = {}): Promise<WriteResult> {
    const input = this.asObject(body);
    const pinned = input.metadata.resourceVersion ?? '';
    // A uid in the body is a precondition, as kube's defaultUpdatedObjectInfo makes it.
    const uid = input.metadata.uid;
    return this.guaranteedUpdate(namespace, name, (current) => {
      if (uid && uid !== current.metadata.uid)
        throw conflict(this.groupResource, name, `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${current.metadata.uid}`);
      return deepCopy(input);
    }, { ...options, preconditionResourceVersion: pinned });
  }

  async delete(namespace: string, name: string, options: DeleteOptions): Promise<DeleteResult> {
    for (let attempt = 0; ; attempt++) {
      const kv = await this.backend.get(this.key(namespace, name));
      if (!kv) throw notFound(this.groupResource, name);
      const current = this.decodeKV(kv);
      const meta = current.metadata;
      const pre = options.preconditions;
      if (pre?.uid && pre.uid !== meta.uid)
        throw conflict(this.groupResource, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${meta.uid}`);
      if (pre?.resourceVersion && pre.resourceVersion !== meta.resourceVersion)
        throw conflict(this.groupResource, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${meta.resourceVersion}`);

      const next = deepCopy(current);
      const changed = this.markForDeletion(next, options);
      if (options.dryRun) return { object: next, deleted: this.deletableNow(next) };
      try {
        if (this.deletableNow(next)) {
          const deleted = await this.backend.delete(kv.key, kv.modRevision);
          await this.strategy.afterDelete?.(current);
          next.metadata.resourceVersion = String(deleted.modRevision);
          return { object: next, deleted: true };
        }
        if (!changed) return { object: current, deleted: false };
        const stored = await this.backend.update(kv.key, this.encode(next), kv.modRevision);
        next.metadata.resourceVersion = String(stored.modRevision);
        return { object: next, deleted: false };
      } catch (err) {
        if (err instanceof StorageError && err.code === 'Conflict' && attempt < 100) {
          await committedPast(this.backend, err);
          continue;
        }
        if (err instanceof StorageError && err.code === 'KeyNotFound') throw notFound(this.groupResource, name);
        throw err instanceof StatusError ? err : internal(String(err));
      }
    }
  }

  /** Sets deletionTimestamp, grace period and GC finalizers; returns whether anything changed. */
  private markForDeletion(obj: KubeObject, options: DeleteOptions): boolean {
    const meta = obj.metadata;
    const now = Date.now();
    const before = JSON.stringify(meta) + JSON.stringify(obj.status ?? null);
    const grace = this.strategy.gracePeriodSeconds?.(obj, options) ?? 0;
    if (meta.deletionTimestamp) {
      // Already terminating: a delete may only shorten what is left of the grace period.
      if (meta.deletionGracePeriodSeconds !== undefined && grace < meta.deletionGracePeriodSeconds) {
        meta.deletionGracePeriodSeconds = grace;
        meta.deletionTimestamp = nowTimestamp(now + grace * 1000);
      }
    } else {
      const finalizers = new Set(meta.finalizers ?? []);
      const orphan = options.propagationPolicy === 'Orphan' || options.orphanDependents === true;
      if (orphan) finalizers.add('orphan');
      if (options.propagationPolicy === 'Foreground') finalizers.add('foregroundDeletion');
      if (finalizers.size) meta.finalizers = [...finalizers];
      this.strategy.beginDelete?.(obj, now);
      const pending = grace > 0 || finalizers.size > 0 || !(this.strategy.readyToDelete?.(obj) ?? true);
      if (!pending) {
        meta.deletionTimestamp = nowTimestamp(now);
        meta.deletionGracePeriodSeconds = 0;
        return true;
      }
      meta.deletionTimestamp = nowTimestamp(now + grace * 1000);
      meta.deletionGracePeriodSeconds = grace;
    }
    return JSON.stringify(meta) + JSON.stringify(obj.status ?? null) !== before;
  }
}

/**
 * A compare-and-swap can lose to a write that is still in flight (the backend checks against it before
 * reads see it); re-reading at once would fetch the same stale value, so wait until that write commits.
 */
export async function committedPast(backend: Backend, err: StorageError): Promise<void> {
  const revision = err.revision ?? 0;
  for (let i = 0; i < 1000 && backend.currentRevision() < revision; i++) await new Promise((r) => setTimeout(r, 1));
}

/** Whether the object's first three keys are apiVersion, kind and metadata, in that order. */
function startsWithTypeMeta(obj: object): boolean {
  let i = 0;
  for (const k in obj) {
    if (k !== (i === 0 ? 'apiVersion' : i === 1 ? 'kind' : 'metadata')) return false;
    if (++i === 3) return true;
  }
  return false;
}
