// The resource routes: every /api/... and /apis/... request that names a resource is resolved to its
// store and verb here, then handed to that verb's handler (one file per verb in ../handlers/).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { methodNotAllowed, StatusError } from '../../shared/errors.ts';
import { parseResourcePath, type RequestInfo } from '../request/request-info.ts';
import type { ApiRegistry } from '../registry/index.ts';
import type { ApiHandler } from '../handlers/types.ts';
import type { Query } from '../handlers/params.ts';
import { getHandler } from '../handlers/get.ts';
import { listHandler } from '../handlers/list.ts';
import { createHandler } from '../handlers/create.ts';
import { updateHandler } from '../handlers/update.ts';
import { patchHandler } from '../handlers/patch.ts';
import { deleteHandler } from '../handlers/delete.ts';
import { deleteCollectionHandler } from '../handlers/deletecollection.ts';
import { watchHandler } from '../handlers/watch.ts';
import { getScaleHandler, writeScaleHandler } from '../handlers/scale.ts';
import { bindingHandler } from '../handlers/binding.ts';
import { logHandler } from '../handlers/log.ts';
import { discoveryHandler, verbsOf } from './discovery.ts';

const MAIN_VERBS: Record<RequestInfo['verb'], ApiHandler> = {
  get: getHandler, list: listHandler, watch: watchHandler, create: createHandler, update: updateHandler,
  patch: patchHandler, delete: deleteHandler, deletecollection: deleteCollectionHandler,
};

/** Which handler serves a subresource verb; anything else is 405 (or 404 for an unknown subresource). */
function subresourceHandler(info: RequestInfo, subresources: string[]): ApiHandler {
  const sub = info.subresource;
  if (!subresources.includes(sub) && !(sub === 'finalize' && info.resource === 'namespaces')) throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
  switch (sub) {
    case 'status': case 'finalize':
      if (info.verb === 'get') return getHandler;
      if (info.verb === 'update') return updateHandler;
      if (info.verb === 'patch' && sub === 'status') return patchHandler;
      break;
    case 'scale':
      if (info.verb === 'get') return getScaleHandler;
      if (info.verb === 'update' || info.verb === 'patch') return writeScaleHandler;
      break;
    case 'binding':
      if (info.verb === 'create') return bindingHandler;
      break;
    case 'log': if (info.verb === 'get') return logHandler; break;
  }
  throw methodNotAllowed();
}

export function registerResourceRoutes(app: FastifyInstance, registry: ApiRegistry): void {
  const serve = async (req: FastifyRequest, reply: FastifyReply) => {
    const path = req.url.split('?')[0];
    const query = req.query as Query;
    const info = parseResourcePath(req.method, path, query);
    if (!info) return discoveryHandler(req, reply, path);
    req.requestInfo = info;
    const store = registry.lookup(info.group, info.version, info.resource);
    if (!store) throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
    if (!store.type.namespaced && info.namespace) throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
    if (info.verb === 'create' && info.name && !info.subresource) throw methodNotAllowed();
    if ((info.verb === 'update' || info.verb === 'patch') && !info.name) throw methodNotAllowed();
    if (!info.subresource && !verbsOf(store.type).includes(info.verb)) throw methodNotAllowed();
    const handler = info.subresource ? subresourceHandler(info, store.type.subresources) : MAIN_VERBS[info.verb];
    await handler({ req, reply, info, store, registry, query });
  };
  for (const prefix of ['/api', '/apis']) {
    app.route({ method: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'], url: `${prefix}/*`, handler: serve });
    app.route({ method: ['GET', 'HEAD'], url: prefix, handler: (req, reply) => discoveryHandler(req, reply, prefix) });
  }
}
