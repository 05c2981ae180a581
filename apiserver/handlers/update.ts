import type { ApiHandler } from './types.ts';
import { bodyOf } from '../http/content.ts';
import { formatOf, renderObject, send } from '../http/respond.ts';
import { writeOptions } from './params.ts';

export const updateHandler: ApiHandler = async ({ req, reply, info, store, query }) => {
  const { object, warnings } = await store.update(info.namespace, info.name, bodyOf(req).value, { ...writeOptions(query), subresource: info.subresource || undefined });
  send(reply, 200, renderObject(req, store, object), formatOf(req), warnings);
};
