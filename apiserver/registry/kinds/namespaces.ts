// Namespaces: Active on create; a delete marks them Terminating and they stay until their
// spec.finalizers (set by the namespace controller's "kubernetes" finalizer) are emptied through the
// finalize subresource. The system namespaces cannot be deleted.
import { forbidden } from '../../../shared/errors.ts';
import { prepareNamespaceForCreate, type Namespace } from '../../../shared/api/namespace.ts';
import type { KubeObject } from '../object.ts';
import type { Strategy } from '../strategy.ts';

interface NamespaceShape {
  spec?: { finalizers?: string[] };
  status?: { phase?: string };
}
const ns = (obj: KubeObject) => obj as KubeObject & NamespaceShape;

export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];
const UNDELETABLE = new Set(['default', 'kube-system', 'kube-public']);

export const namespaceStrategy: Strategy = {
  hasGeneration: false,
  returnDeletedObject: true,
  prepareForCreate: (obj) => prepareNamespaceForCreate(obj as unknown as Namespace) as unknown as KubeObject,
  prepareForUpdate(obj, old) {
    // spec.finalizers change only through /finalize (kube's namespace strategy keeps them on update).
    ns(obj).spec = { ...(ns(obj).spec ?? {}), finalizers: ns(old).spec?.finalizers };
  },
  subresourceUpdate: {
    finalize: (desired, current) => ({ ...current, spec: { ...(ns(current).spec ?? {}), finalizers: ns(desired).spec?.finalizers ?? [] } }),
  },
  selectableFields(obj) {
    return { 'status.phase': ns(obj).status?.phase ?? '' };
  },
  beginDelete(obj) {
    if (UNDELETABLE.has(obj.metadata.name ?? '')) throw forbidden({ group: '', resource: 'namespaces' }, obj.metadata.name!, 'this namespace may not be deleted');
    ns(obj).status = { ...(ns(obj).status ?? {}), phase: 'Terminating' };
    return true;
  },
  readyToDelete(obj) {
    return !(ns(obj).spec?.finalizers?.length);
  },
};
