import type { ApiHandler } from './types.ts';
import { bodyOf } from '../http/content.ts';
import { formatOf, renderList, send } from '../http/respond.ts';
import { parseDeleteOptions } from '../registry/delete-options.ts';
import { listObjects } from '../registry/list.ts';
import type { KubeObject } from '../registry/object.ts';
import { filterOf } from './params.ts';
import { isStatusError } from '../../shared/errors.ts';

export const deleteCollectionHandler: ApiHandler = async ({ req, reply, info, store, query }) => {
  const options = parseDeleteOptions(bodyOf(req).value, query);
  const listed = await listObjects(store, { namespace: info.namespace, filter: filterOf(store, query) });
  const deleted: KubeObject[] = [];
  for (const obj of listed.items) {
    try {
      deleted.push((await store.delete(obj.metadata.namespace ?? '', obj.metadata.name!, options)).object);
    } catch (err) {
      // Someone else deleted it meanwhile: that is what was asked for.
      if (!(isStatusError(err) && err.code === 404)) throw err;
    }
  }
  send(reply, 200, renderList(req, store, deleted, { resourceVersion: String(store.backend.currentRevision()) }), formatOf(req));
};
