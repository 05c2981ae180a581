import type { ApiHandler } from './types.ts';
import { formatOf, renderObject, send } from '../http/respond.ts';

export const getHandler: ApiHandler = async ({ req, reply, info, store }) => {
  const obj = await store.get(info.namespace, info.name);
  send(reply, 200, renderObject(req, store, obj), formatOf(req));
};
