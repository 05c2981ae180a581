import type { ApiHandler } from './types.ts';
import { bodyOf } from '../http/content.ts';
import { formatOf, renderObject, send } from '../http/respond.ts';
import { writeOptions } from './params.ts';
import { resourcePrefix } from '../registry/keys.ts';

export const createHandler: ApiHandler = async ({ req, reply, info, store, query }) => {
  const result = await store.createFromBody(info.namespace, bodyOf(req), writeOptions(query));
  const { warnings, stored } = result;
  const format = formatOf(req);
  if (stored && !warnings.length && format.encoding === 'json' && !format.table && !format.metadataOnly) {
    // The hot path: answer with the text just stored rather than serializing the object again.
    req.objectKey = stored.key.slice(resourcePrefix(store.type).length);
    reply.code(201).type('application/json').send(store.jsonWithRevision(stored));
    return;
  }
  // Prepared elsewhere, the object exists here only as its stored text.
  const object = result.object ?? store.decodeKV(stored!);
  req.objectKey = object.metadata.namespace ? `${object.metadata.namespace}/${object.metadata.name}` : object.metadata.name;
  send(reply, 201, renderObject(req, store, object), format, warnings);
};
