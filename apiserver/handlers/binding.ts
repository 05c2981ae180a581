// pods/binding: the scheduler's one way to set spec.nodeName, once (a second binding is a 409),
// together with the PodScheduled condition, as kube's BindingREST does.
import type { ApiHandler } from './types.ts';
import { bodyOf } from '../http/content.ts';
import { formatOf, send } from '../http/respond.ts';
import { badRequest, conflict, StatusError } from '../../shared/errors.ts';
import { isPlainObject, nowTimestamp, type KubeObject } from '../registry/object.ts';

interface PodShape {
  spec: { nodeName?: string };
  status?: { conditions?: { type: string; status: string; lastProbeTime?: string | null; lastTransitionTime?: string; reason?: string; message?: string }[] };
}

export const bindingHandler: ApiHandler = async ({ req, reply, info, store }) => {
  const binding = bodyOf(req).value;
  if (!isPlainObject(binding) || !isPlainObject(binding.target) || typeof binding.target.name !== 'string' || !binding.target.name)
    throw new StatusError(422, 'Invalid', `Binding "${info.name}" is invalid: target.name: Required value`, { name: info.name, kind: 'Binding', causes: [{ reason: 'FieldValueRequired', message: 'Required value', field: 'target.name' }] });
  if (isPlainObject(binding.metadata) && binding.metadata.name !== undefined && binding.metadata.name !== info.name)
    throw badRequest(`the name of the object (${String(binding.metadata.name)}) does not match the name on the URL (${info.name})`);
  const nodeName = binding.target.name;
  const uid = isPlainObject(binding.metadata) && isPlainObject(binding.metadata) ? (binding.metadata.uid as string | undefined) : undefined;
  await store.guaranteedUpdate(info.namespace, info.name, (current) => {
    const pod = current as KubeObject & PodShape;
    if (uid && uid !== current.metadata.uid) throw conflict(store.groupResource, info.name, `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${current.metadata.uid}`);
    if (current.metadata.deletionTimestamp) throw conflict(store.groupResource, info.name, `pod ${info.name} is being deleted, cannot be assigned to a host`);
    if (pod.spec.nodeName) throw conflict(store.groupResource, info.name, `pod ${info.name} is already assigned to node "${pod.spec.nodeName}"`);
    pod.spec.nodeName = nodeName;
    const conditions = (pod.status?.conditions ?? []).filter((c) => c.type !== 'PodScheduled');
    conditions.push({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: nowTimestamp() });
    pod.status = { ...(pod.status ?? {}), conditions };
    return current;
  }, { subresource: 'binding' });
  send(reply, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 }, formatOf(req));
};
