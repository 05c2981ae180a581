import type { ApiHandler } from './types.ts';
import { formatOf, renderList, send } from '../http/respond.ts';
import { listObjects } from '../registry/list.ts';
import { filterOf, intParam } from './params.ts';
import { apiVersionOf } from '../../shared/api/resource-type.ts';

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
  const format = formatOf(req);
  if (format.encoding === 'json' && !format.table && !format.metadataOnly) {
    // The common case, written straight from the stored text (a 10,000-pod list without 10,000 parses).
    const apiVersion = apiVersionOf(store.type);
    const items = result.kvs.map((kv) => store.jsonWithRevision(kv)).join(',');
    reply.code(200).type('application/json').send(`{"kind":"${store.type.listKind}","apiVersion":"${apiVersion}","metadata":${JSON.stringify(listMeta)},"items":[${items}]}`);
    return;
  }
  send(reply, 200, renderList(req, store, result.items, listMeta), format);
};
