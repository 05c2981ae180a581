// Assembles the per-group-version OpenAPI v3 documents and the root discovery document, each
// serialized once together with kube's hash of it (uppercase hex SHA-512 of the JSON bytes,
// which is both the `hash` query parameter of its URL and its ETag).
import { createHash } from 'node:crypto';
import type { ResourceType } from '../../shared/api/resource-type.ts';
import { metaSchemas, type JsonSchema } from './meta-schemas.ts';
import { groupVersionPath, schemaName } from './names.ts';
import { discoveryPath, resourcePaths, type PathItem } from './paths.ts';
import { generateKindSchemas, type BodyKind } from './schemas.ts';

/** A document ready to serve: the object, its JSON text and its hash. */
export interface ServedDocument {
  readonly document: object;
  readonly json: string;
  readonly hash: string;
}

export interface OpenApiV3Documents {
  /** GET /openapi/v3 */
  readonly root: ServedDocument;
  /** GET /openapi/v3/<key>, keyed 'api/v1', 'apis/apps/v1', ... */
  readonly groupVersions: ReadonlyMap<string, ServedDocument>;
}

export type { BodyKind } from './schemas.ts';

export const openApiHash = (json: string) => createHash('sha512').update(json).digest('hex').toUpperCase();

const served = (document: object): ServedDocument => {
  const json = JSON.stringify(document);
  return { document, json, hash: openApiHash(json) };
};

const sortedObject = <T>(entries: Iterable<[string, T]>): Record<string, T> =>
  Object.fromEntries([...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

function collectRefs(node: unknown, into: Set<string>): void {
  if (Array.isArray(node)) { for (const n of node) collectRefs(n, into); return; }
  if (!node || typeof node !== 'object') return;
  for (const [k, v] of Object.entries(node)) {
    if (k === '$ref' && typeof v === 'string' && v.startsWith('#/components/schemas/')) into.add(v.slice('#/components/schemas/'.length));
    else collectRefs(v, into);
  }
}

/** Keeps the schemas reachable from the roots, as kube's documents hold only what a group-version uses. */
function reachable(schemas: Record<string, JsonSchema>, roots: Set<string>): Record<string, JsonSchema> {
  const kept = new Set<string>();
  const queue = [...roots];
  while (queue.length) {
    const name = queue.pop()!;
    if (kept.has(name) || !schemas[name]) continue;
    kept.add(name);
    const refs = new Set<string>();
    collectRefs(schemas[name], refs);
    queue.push(...refs);
  }
  return sortedObject([...kept].map((n) => [n, schemas[n]]));
}

function groupVersionDocument(types: ResourceType[], kindSchemas: Record<string, JsonSchema>, version: string): object {
  const gv = types[0];
  const paths: Record<string, PathItem> = { ...discoveryPath(gv) };
  for (const t of types) Object.assign(paths, resourcePaths(t));
  const roots = new Set<string>();
  collectRefs(paths, roots);
  for (const t of types) { roots.add(schemaName(gv, t.kind)); roots.add(schemaName(gv, t.listKind)); }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version },
    paths: sortedObject(Object.entries(paths)),
    components: {
      schemas: reachable({ ...metaSchemas, ...kindSchemas }, roots),
      securitySchemes: { BearerToken: { type: 'apiKey', description: 'Bearer Token authentication', name: 'authorization', in: 'header' } },
    },
    security: [{ BearerToken: [] }],
  };
}

/**
 * Builds every document for the given kinds. `version` is the server's gitVersion (info.version);
 * `bodyKinds` are the zod schemas of subresource bodies (Scale, Binding), hand-written ones
 * standing in for those not given.
 */
export function buildOpenApiV3(resourceTypes: readonly ResourceType[], version: string, bodyKinds: readonly BodyKind[] = []): OpenApiV3Documents {
  const byGroupVersion = new Map<string, ResourceType[]>();
  for (const t of resourceTypes) {
    const key = groupVersionPath(t);
    byGroupVersion.set(key, [...(byGroupVersion.get(key) ?? []), t]);
  }
  const kindSchemas = generateKindSchemas(byGroupVersion, bodyKinds);
  const groupVersions = new Map<string, ServedDocument>();
  for (const [key, types] of byGroupVersion) groupVersions.set(key, served(groupVersionDocument(types, kindSchemas.get(key)!, version)));

  const root = served({
    paths: sortedObject([...groupVersions].map(([key, doc]) => [key, { serverRelativeURL: `/openapi/v3/${key}?hash=${doc.hash}` }])),
  });
  return { root, groupVersions: new Map([...groupVersions].sort(([a], [b]) => (a < b ? -1 : 1))) };
}
