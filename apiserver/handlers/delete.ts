import type { ApiHandler } from './types.ts';
import { bodyOf } from '../http/content.ts';
import { formatOf, renderObject, send } from '../http/respond.ts';
import { parseDeleteOptions } from '../registry/delete-options.ts';
import type { GenericStore, DeleteResult } from '../registry/generic-store.ts';

/** kube answers an immediate delete with a Success Status, unless the kind returns the deleted object. */
export function deleteResponse(store: GenericStore, result: DeleteResult): unknown {
  if (!result.deleted || store.strategy.returnDeletedObject) return result.object;
  const meta = result.object.metadata;
  return {
    kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success',
    details: { name: meta.name, group: store.type.group || undefined, kind: store.type.plural, uid: meta.uid },
  };
}

export const deleteHandler: ApiHandler = async ({ req, reply, info, store, query }) => {
  const options = parseDeleteOptions(bodyOf(req).value, query);
  const result = await store.delete(info.namespace, info.name, options);
  const out = deleteResponse(store, result);
  send(reply, 200, out === result.object ? renderObject(req, store, result.object) : out, formatOf(req));
};
