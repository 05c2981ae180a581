// Writes API objects in the negotiated format: JSON, YAML, or a meta.k8s.io/v1 Table (kubectl get).
import type { FastifyReply, FastifyRequest } from 'fastify';
import { stringify as toYaml } from 'yaml';
import { parseIncludeObject, tableFor, tableForObject, type IncludeObject } from '../tables/index.ts';
import type { GenericStore } from '../registry/generic-store.ts';
import type { KubeObject } from '../registry/object.ts';
import { negotiate, type ResponseFormat } from './content.ts';

export function formatOf(req: FastifyRequest): ResponseFormat {
  return negotiate(req.headers.accept);
}

export function includeObjectOf(req: FastifyRequest): IncludeObject {
  return parseIncludeObject((req.query as Record<string, string | undefined>).includeObject);
}

export function send(reply: FastifyReply, code: number, body: unknown, format: ResponseFormat, warnings: string[] = []): void {
  if (warnings.length) reply.header('Warning', warnings.map((w) => `299 - ${JSON.stringify(w)}`).join(', '));
  if (format.encoding === 'yaml') reply.code(code).type('application/yaml').send(toYaml(body));
  else reply.code(code).type('application/json').send(JSON.stringify(body));
}

const partialMetadata = (obj: KubeObject) => ({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata });

/** One object, as itself, a Table of one row, or its metadata. */
export function renderObject(req: FastifyRequest, store: GenericStore, obj: KubeObject): unknown {
  const format = formatOf(req);
  if (format.table) return tableForObject(store.type.plural, store.type.group, obj, { includeObject: includeObjectOf(req) });
  if (format.metadataOnly) return partialMetadata(obj);
  return obj;
}

export function renderList(req: FastifyRequest, store: GenericStore, items: KubeObject[], listMeta: { resourceVersion: string; continue?: string; remainingItemCount?: number }): unknown {
  const format = formatOf(req);
  if (format.table) return tableFor(store.type.plural, store.type.group, items, { includeObject: includeObjectOf(req), listMeta });
  if (format.metadataOnly)
    return { kind: 'PartialObjectMetadataList', apiVersion: 'meta.k8s.io/v1', metadata: listMeta, items: items.map(partialMetadata) };
  const apiVersion = store.type.group ? `${store.type.group}/${store.type.version}` : store.type.version;
  return { kind: store.type.listKind, apiVersion, metadata: listMeta, items };
}
