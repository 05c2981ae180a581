// PATCH in the three types kubectl sends. The patch is re-applied to the latest object on a storage
// conflict (kube's behaviour), unless it pins metadata.resourceVersion, in which case a stale one is a 409.
import type { ApiHandler } from './types.ts';
import { bodyOf, PATCH_TYPES, type PatchType } from '../http/content.ts';
import { formatOf, renderObject, send } from '../http/respond.ts';
import { writeOptions } from './params.ts';
import { applyMergePatch } from '../../shared/patch/merge-patch.ts';
import { applyJsonPatch } from '../../shared/patch/json-patch.ts';
import { applyStrategicMergePatch } from '../../shared/patch/strategic-merge-patch.ts';
import { patchMetaFor } from '../../shared/patch/patch-meta.ts';
import { PatchError } from '../../shared/patch/errors.ts';
import { conflict, OBJECT_MODIFIED, unsupportedMediaType, badRequest } from '../../shared/errors.ts';
import { apiVersionOf } from '../../shared/api/resource-type.ts';
import type { KubeObject } from '../registry/object.ts';

export function patchTypeOf(mediaType: string): PatchType {
  const type = PATCH_TYPES[mediaType as keyof typeof PATCH_TYPES];
  if (!type || type === 'apply') throw unsupportedMediaType(mediaType);
  return type;
}

/** Applies one patch document to an object, turning patch failures into the Status kube answers. */
export function applyPatch(type: PatchType, target: unknown, patch: unknown, apiVersion: string, kind: string): KubeObject {
  try {
    let out: unknown;
    if (type === 'json') out = applyJsonPatch(target, patch);
    else if (type === 'merge') out = applyMergePatch(target, patch);
    else {
      const meta = patchMetaFor(apiVersion, kind);
      if (!meta) throw unsupportedMediaType('application/strategic-merge-patch+json');
      out = applyStrategicMergePatch(target, patch, meta);
    }
    if (typeof out !== 'object' || out === null || Array.isArray(out)) throw badRequest('the patch did not produce an object');
    return out as KubeObject;
  } catch (err) {
    if (!(err instanceof PatchError)) throw err;
    const status = err.toStatusError();
    // kube drops the cause of a 422; we keep it as the one cause, so the client learns what went wrong.
    if (status.code === 422) status.details!.causes = [{ reason: 'FieldValueInvalid', message: err.message }];
    throw status;
  }
}

export const patchHandler: ApiHandler = async ({ req, reply, info, store, query }) => {
  const body = bodyOf(req);
  const type = patchTypeOf(body.mediaType);
  if (body.value === undefined) throw badRequest('the body of the request was empty: a patch is required');
  const options = { ...writeOptions(query), subresource: info.subresource || undefined };
  const { object, warnings } = await store.guaranteedUpdate(info.namespace, info.name, (current) => {
    const patched = applyPatch(type, current, body.value, apiVersionOf(store.type), store.type.kind);
    if (patched.metadata?.resourceVersion !== undefined && patched.metadata.resourceVersion !== current.metadata.resourceVersion)
      throw conflict(store.groupResource, info.name, OBJECT_MODIFIED);
    return patched;
  }, options);
  send(reply, 200, renderObject(req, store, object), formatOf(req), warnings);
};

