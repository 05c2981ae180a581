// Strategic-merge-patch metadata in the documents. kubectl's client-side apply computes its patch
// from these schemas (v1.32 reads x-kubernetes-patch-strategy / x-kubernetes-patch-merge-key from
// /openapi/v3 whenever the kind's PATCH accepts application/strategic-merge-patch+json), so they
// must say exactly what the server's patch code (shared/patch/patch-meta.ts) does: otherwise a
// list the server merges by key would be sent whole and an element removed from a manifest would
// stay. Kinds without patch metadata are refused strategic merge patches by the server (as kube
// refuses them for custom resources), so their PATCH operations do not offer that content type and
// kubectl falls back to a JSON merge patch.
import { apiVersionOf, type ResourceType } from '../../shared/api/resource-type.ts';
import { patchMetaFor, type PatchMeta } from '../../shared/patch/patch-meta.ts';
import type { JsonSchema } from './meta-schemas.ts';
import { schemaName } from './names.ts';

const REF_PREFIX = '#/components/schemas/';

/** The schema holding the properties: itself, or the component behind its $ref or single allOf. */
function resolve(schema: JsonSchema | undefined, schemas: Record<string, JsonSchema>): JsonSchema | undefined {
  for (let s = schema, depth = 0; s && depth < 8; depth++) {
    if (typeof s.$ref === 'string' && s.$ref.startsWith(REF_PREFIX)) s = schemas[s.$ref.slice(REF_PREFIX.length)];
    else if (Array.isArray(s.allOf) && s.allOf.length === 1 && !s.properties) s = s.allOf[0] as JsonSchema;
    else return s;
  }
  return undefined;
}

function annotate(schema: JsonSchema | undefined, meta: PatchMeta, schemas: Record<string, JsonSchema>): void {
  const properties = resolve(schema, schemas)?.properties as Record<string, JsonSchema> | undefined;
  if (!properties) return;
  for (const [field, fieldMeta] of Object.entries(meta)) {
    const property = properties[field];
    if (!property) continue;
    if (fieldMeta.strategy) property['x-kubernetes-patch-strategy'] = fieldMeta.strategy;
    if (fieldMeta.mergeKey) property['x-kubernetes-patch-merge-key'] = fieldMeta.mergeKey;
    if (fieldMeta.fields) {
      const resolved = resolve(property, schemas);
      annotate(resolved?.items ? (resolved.items as JsonSchema) : resolved, fieldMeta.fields, schemas);
    }
  }
}

/** True if the server accepts strategic merge patches for the kind. */
export const supportsStrategicMergePatch = (t: ResourceType) => patchMetaFor(apiVersionOf(t), t.kind) !== undefined;

/** Writes each kind's patch metadata onto its schema and the components it refers to, in place. */
export function addPatchExtensions(types: readonly ResourceType[], schemas: Record<string, JsonSchema>): void {
  for (const t of types) {
    const meta = patchMetaFor(apiVersionOf(t), t.kind);
    if (meta) annotate(schemas[schemaName(t, t.kind)], meta, schemas);
  }
}
