// deployments|replicasets/scale: an autoscaling/v1 Scale view of the parent's spec.replicas.
// GET reads it, PUT and PATCH (kubectl scale sends a merge patch) write spec.replicas back.
import type { ApiHandler } from './types.ts';
import { bodyOf } from '../http/content.ts';
import { formatOf, send } from '../http/respond.ts';
import { writeOptions } from './params.ts';
import { applyPatch, patchTypeOf } from './patch.ts';
import { badRequest, conflict, invalid, OBJECT_MODIFIED } from '../../shared/errors.ts';
import { labelSelectorFromObject } from '../../shared/selectors/label-selector-object.ts';
import { isPlainObject, type KubeObject } from '../registry/object.ts';
import type { GenericStore } from '../registry/generic-store.ts';

interface ScalableShape {
  spec?: { replicas?: number; selector?: { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] } };
  status?: { replicas?: number };
}

export function scaleOf(obj: KubeObject): KubeObject {
  const s = obj as KubeObject & ScalableShape;
  const m = obj.metadata;
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion, creationTimestamp: m.creationTimestamp },
    spec: { replicas: s.spec?.replicas ?? 0 },
    status: { replicas: s.status?.replicas ?? 0, selector: labelSelectorFromObject(s.spec?.selector).toString() },
  };
}

function replicasOf(store: GenericStore, scale: unknown, name: string): number {
  const replicas = isPlainObject(scale) && isPlainObject(scale.spec) ? scale.spec.replicas : undefined;
  if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0)
    throw invalid('autoscaling', 'Scale', name, [{ reason: 'FieldValueInvalid', field: 'spec.replicas', message: `Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0` }]);
  void store;
  return replicas;
}

export const getScaleHandler: ApiHandler = async ({ req, reply, info, store }) => {
  send(reply, 200, scaleOf(await store.get(info.namespace, info.name)), formatOf(req));
};

export const writeScaleHandler: ApiHandler = async ({ req, reply, info, store, query }) => {
  const body = bodyOf(req);
  if (body.value === undefined) throw badRequest('the body of the request was empty');
  const { object } = await store.guaranteedUpdate(info.namespace, info.name, (current) => {
    const currentScale = scaleOf(current);
    const desired = req.method === 'PATCH'
      ? applyPatch(patchTypeOf(body.mediaType), currentScale, body.value, 'autoscaling/v1', 'Scale')
      : (body.value as KubeObject);
    const pinned = isPlainObject(desired) && isPlainObject(desired.metadata) ? desired.metadata.resourceVersion : undefined;
    if (pinned && pinned !== current.metadata.resourceVersion) throw conflict({ group: 'autoscaling', resource: 'scale' }, info.name, OBJECT_MODIFIED);
    (current as KubeObject & ScalableShape).spec = { ...((current as ScalableShape).spec ?? {}), replicas: replicasOf(store, desired, info.name) };
    return current;
  }, writeOptions(query));
  send(reply, 200, scaleOf(object), formatOf(req));
};
