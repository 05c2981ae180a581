// Builds the API server: fastify with Kubernetes' body handling, error shape, discovery, OpenAPI,
// health and metrics endpoints, and the resource routes over a storage backend.
import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from '../shared/log.ts';
import { StatusError, toStatusError, tooLarge, badRequest } from '../shared/errors.ts';
import type { Backend } from './storage/interface.ts';
import { ApiRegistry, type RegistryOptions } from './registry/index.ts';
import { registerBodyParsers } from './http/content.ts';
import { registerResourceRoutes } from './http/resources.ts';
import { versionInfo } from './http/discovery.ts';
import { registerOpenApiRoutes } from './http/openapi-routes.ts';
import { parseResourcePath, type RequestInfo } from './request/request-info.ts';
import { ApiServerMetrics } from './metrics.ts';
import { CreateWorker } from './registry/create-offload.ts';
import { SYSTEM_NAMESPACES } from './registry/kinds/namespaces.ts';
import { isStatusError } from '../shared/errors.ts';

export interface ApiServerOptions extends RegistryOptions {
  backend: Backend;
  logger: Logger;
  /** Largest request body accepted (kube: 3 MiB). */
  maxRequestBodyBytes: number;
  /** Prepare creates on a worker thread (create-offload.ts); 0 keeps everything on the request thread. */
  createWorkerThreads?: number;
}

export interface ApiServer {
  app: FastifyInstance;
  registry: ApiRegistry;
  close(): Promise<void>;
}

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** kube's metric verbs: the HTTP method for writes, LIST/WATCH/GET for reads, DELETECOLLECTION. */
function metricVerb(method: string, verb: string | undefined): string {
  if (verb === 'list' || verb === 'watch' || verb === 'deletecollection') return verb.toUpperCase();
  return method === 'HEAD' ? 'GET' : method;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** namespace/name of the object a request wrote, for the request log (creates learn it late). */
    objectKey?: string;
    /** What the request addressed, once the resource routes have parsed it (reused by metrics and logs). */
    requestInfo?: RequestInfo;
  }
}

export async function createApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const { backend, logger } = options;
  const registry = new ApiRegistry(backend, options);
  const metrics = new ApiServerMetrics(backend, registry);
  const app = Fastify({ bodyLimit: options.maxRequestBodyBytes, logger: false, keepAliveTimeout: 65_000, return503OnClosing: false, forceCloseConnections: true });
  registerBodyParsers(app);

  app.setErrorHandler((err, req, reply) => {
    let status: StatusError;
    const code = (err as { code?: string }).code;
    if (isStatusError(err)) status = err;
    else if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') status = tooLarge(options.maxRequestBodyBytes);
    else if (code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || (err as { statusCode?: number }).statusCode === 400) status = badRequest((err as Error).message);
    else {
      status = toStatusError(err);
      logger.error({ err, method: req.method, url: req.url }, 'internal error');
    }
    if (status.details?.retryAfterSeconds) reply.header('Retry-After', String(status.details.retryAfterSeconds));
    reply.code(status.code).type('application/json').send(JSON.stringify(status.toStatus()));
  });
  app.setNotFoundHandler((req, reply) => {
    reply.code(404).type('application/json').send(JSON.stringify(new StatusError(404, 'NotFound', 'the server could not find the requested resource').toStatus()));
  });

  // Metrics and one log line per mutating request (watches are counted when they start).
  app.addHook('onResponse', (req, reply, done) => {
    const info = req.requestInfo ?? parseResourcePath(req.method, req.url.split('?')[0], req.query as { watch?: string });
    const verb = metricVerb(req.method, info?.verb);
    metrics.observeRequest(verb, info?.group ?? '', info?.resource ?? '', info?.subresource ?? '', reply.statusCode, reply.elapsedTime / 1000);
    if (MUTATING.has(req.method) && info && logger.isLevelEnabled('info'))
      logger.info({ verb, resource: info.resource, subresource: info.subresource || undefined, key: req.objectKey ?? (info.namespace ? `${info.namespace}/${info.name}` : info.name), code: reply.statusCode, ms: Math.round(reply.elapsedTime), rv: backend.currentRevision() }, 'request');
    done();
  });

  app.get('/version', async (_req, reply) => reply.type('application/json').send(JSON.stringify(versionInfo)));
  for (const path of ['/healthz', '/livez', '/readyz']) app.get(path, async (_req, reply) => reply.type('text/plain').send('ok'));
  app.get('/metrics', async (_req, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()));
  registerOpenApiRoutes(app);
  registerResourceRoutes(app, registry);

  registry.startWatchCaches();
  await ensureSystemNamespaces(registry);
  // Started after the set-up writes; until it is ready, creates are prepared on the request thread.
  const createWorker = options.createWorkerThreads ? new CreateWorker(options, logger) : undefined;
  createWorker?.start();
  if (createWorker) metrics.watchCreateWorker(createWorker);
  for (const store of registry.stores) store.offload = createWorker;
  await app.ready();
  return {
    app,
    registry,
    async close() {
      registry.stopWatchCaches();
      await app.close();
      await createWorker?.stop();
    },
  };
}

/** default, kube-system, kube-public and kube-node-lease exist from the start, as in kube. */
async function ensureSystemNamespaces(registry: ApiRegistry): Promise<void> {
  const namespaces = registry.lookup('', 'v1', 'namespaces')!;
  for (const name of SYSTEM_NAMESPACES) {
    try {
      await namespaces.create('', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    } catch (err) {
      if (!(isStatusError(err) && err.reason === 'AlreadyExists')) throw err;
    }
  }
}
