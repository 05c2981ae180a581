import type { ApiHandler } from './types.ts';
import { formatOf, renderList, send } from '../http/respond.ts';
import { listObjects } from '../registry/list.ts';
import { filterOf, intParam } from './params.ts';

export const listHandler: ApiHandler = async ({ req, reply, info, store, query }) => {
  const result = await listObjects(store, {
    namespace: info.namespace,
    filter: filterOf(store, query),
    resourceVersion: query.resourceVersion,
    resourceVersionMatch: query.resourceVersionMatch,
    limit: intParam('limit', query.limit),
    continue: query.continue,
  });
  const listMeta: { resourceVersion: string; continue?: string; remainingItemCount?: number } = { resourceVersion: String(result.revision) };
  if (result.continue) listMeta.continue = result.continue;
  if (result.remainingItemCount) listMeta.remainingItemCount = result.remainingItemCount;
  send(reply, 200, renderList(req, store, result.items, listMeta), formatOf(req));
};
