// GET /openapi/v3, /openapi/v3/<group-version> (built once from the zod schemas) and an empty
// /openapi/v2, which kubectl reads only to validate `kind: List` manifests on the client side.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { StatusError } from '../../shared/errors.ts';
import { rebuildOpenApiV3, serveOpenApiV3 } from '../openapi/openapi-v3.ts';
import { serveOpenApiV2 } from '../openapi/openapi-v2.ts';
import { resourceTypes } from '../../shared/api/registry.ts';
import { versionInfo } from './discovery.ts';

type Served = { statusCode: number; headers: Record<string, string>; body?: string | Buffer };

function reply(r: FastifyReply, served: Served): void {
  if (served.statusCode === 404) {
    r.code(404).type('application/json').send(JSON.stringify(new StatusError(404, 'NotFound', 'the server could not find the requested resource').toStatus()));
    return;
  }
  r.code(served.statusCode).headers(served.headers).send(served.body ?? '');
}

export function registerOpenApiRoutes(app: FastifyInstance): void {
  rebuildOpenApiV3(resourceTypes, versionInfo.gitVersion);
  app.get('/openapi/v3', async (req, r) => reply(r, serveOpenApiV3({ groupVersionPath: '', accept: req.headers.accept, ifNoneMatch: req.headers['if-none-match'] })));
  app.get('/openapi/v3/*', async (req, r) => {
    const { '*': path } = req.params as { '*': string };
    const { hash } = req.query as { hash?: string };
    reply(r, serveOpenApiV3({ groupVersionPath: path, hash, accept: req.headers.accept, ifNoneMatch: req.headers['if-none-match'] }));
  });
  app.get('/openapi/v2', async (req, r) => reply(r, serveOpenApiV2({ accept: req.headers.accept, ifNoneMatch: req.headers['if-none-match'] }, versionInfo.gitVersion)));
}
