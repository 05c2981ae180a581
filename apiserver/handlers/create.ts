import type { ApiHandler } from './types.ts';
import { bodyOf } from '../http/content.ts';
import { formatOf, renderObject, send } from '../http/respond.ts';
import { writeOptions } from './params.ts';

export const createHandler: ApiHandler = async ({ req, reply, info, store, query }) => {
  const { object, warnings, stored } = await store.create(info.namespace, bodyOf(req).value, writeOptions(query));
  req.objectKey = object.metadata.namespace ? `${object.metadata.namespace}/${object.metadata.name}` : object.metadata.name;
  const format = formatOf(req);
  if (stored && !warnings.length && format.encoding === 'json' && !format.table && !format.metadataOnly) {
    // The hot path: answer with the text just stored rather than serializing the object again.
    reply.code(201).type('application/json').send(store.jsonWithRevision(stored));
    return;
  }
  send(reply, 201, renderObject(req, store, object), format, warnings);
};
