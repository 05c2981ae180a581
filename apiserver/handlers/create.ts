import type { ApiHandler } from './types.ts';
import { bodyOf } from '../http/content.ts';
import { formatOf, renderObject, send } from '../http/respond.ts';
import { writeOptions } from './params.ts';

export const createHandler: ApiHandler = async ({ req, reply, info, store, query }) => {
  const { object, warnings } = await store.create(info.namespace, bodyOf(req).value, writeOptions(query));
  req.objectKey = object.metadata.namespace ? `${object.metadata.namespace}/${object.metadata.name}` : object.metadata.name;
  send(reply, 201, renderObject(req, store, object), formatOf(req), warnings);
};
