// components.schemas of a group-version document, generated from the kinds' zod schemas (the input
// side: what a client may send, defaults marked as `default`) and reshaped into what kube publishes:
// schema names like io.k8s.api.core.v1.Pod, a GVK extension on each kind, a List schema per kind,
// `x-kubernetes-preserve-unknown-fields` where a schema keeps unknown fields, integer formats
// instead of range bounds. Sub-schemas that carry a zod `id` (`.meta({ id: 'PodSpec' })`) become
// components of their own, so `kubectl explain` shows their type names; unqualified ids are
// placed in the package of the first group-version (core first) that uses them. Strategic-merge
// metadata is added from the server's own table (patch-extensions.ts).
import { z } from 'zod';
import type { ResourceType } from '../../shared/api/resource-type.ts';
import { META_V1, schemaName, schemaPackage, schemaRef, type GroupVersion } from './names.ts';
import { OBJECT_META, objectMetaSchema, type JsonSchema } from './meta-schemas.ts';
import { normalizeSchema } from './normalize.ts';
import { addPatchExtensions } from './patch-extensions.ts';

// apimachinery types a schema may name by their bare Go name.
const META_TYPES = new Set(['ObjectMeta', 'ListMeta', 'LabelSelector', 'LabelSelectorRequirement', 'OwnerReference',
  'ManagedFieldsEntry', 'Time', 'MicroTime', 'Condition', 'Status', 'StatusDetails', 'StatusCause', 'DeleteOptions',
  'Preconditions', 'FieldsV1', 'Duration', 'TypeMeta']);
const OTHER_TYPES: Record<string, string> = {
  Quantity: 'io.k8s.apimachinery.pkg.api.resource.Quantity',
  IntOrString: 'io.k8s.apimachinery.pkg.util.intstr.IntOrString',
  RawExtension: 'io.k8s.apimachinery.pkg.runtime.RawExtension',
};

const SHARED_REF = /^#\/components\/schemas\/__shared#\/definitions\/(.+)$/;

interface RawConversion {
  gv: GroupVersion;
  schemas: Record<string, JsonSchema>;
  sharedIds: Record<string, JsonSchema>;
}

type ZodAny = z.core.$ZodType;

/** The innermost object schema behind optional/default/nullable/pipe wrappers, if any. */
function objectBehind(schema: ZodAny | undefined): z.core.$ZodObject | undefined {
  for (let s = schema, depth = 0; s && depth < 10; depth++) {
    const def = s._zod.def as { type: string; innerType?: ZodAny; in?: ZodAny; out?: ZodAny };
    if (def.type === 'object') return s as z.core.$ZodObject;
    if (def.type === 'pipe') s = def.in && (def.in._zod.def as { type: string }).type !== 'transform' ? def.in : def.out;
    else s = def.innerType;
  }
  return undefined;
}

/**
 * The ObjectMeta zod schema the kinds share (the object behind each kind's `metadata` field), so that
 * it becomes one io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta component referenced by every kind.
 */
export function sharedObjectMeta(types: ResourceType[]): ZodAny | undefined {
  const counts = new Map<ZodAny, number>();
  for (const t of types) {
    const meta = objectBehind(objectBehind(t.schema)?._zod.def.shape.metadata);
    if (meta) counts.set(meta, (counts.get(meta) ?? 0) + 1);
  }
  let best: ZodAny | undefined;
  for (const [schema, n] of counts) if (!best || n > counts.get(best)!) best = schema;
  return best;
}

/** A kind that is only a subresource's body (autoscaling/v1 Scale, core/v1 Binding), not a resource of its own. */
export interface BodyKind extends GroupVersion {
  kind: string;
  schema: z.ZodType;
}

function convert(gv: GroupVersion, types: ResourceType[], bodyKinds: readonly BodyKind[], objectMeta: ZodAny | undefined): RawConversion {
  const registry = z.registry<{ id: string }>();
  for (const t of [...types, ...bodyKinds]) if (!registry.has(t.schema)) registry.add(t.schema, { id: schemaName(t, t.kind) });
  if (objectMeta && !registry.has(objectMeta)) registry.add(objectMeta, { id: OBJECT_META });
  const { schemas } = z.toJSONSchema(registry, {
    io: 'input', target: 'openapi-3.0', unrepresentable: 'any', uri: (id) => schemaRef(id),
  }) as { schemas: Record<string, JsonSchema> };
  const shared = (schemas.__shared as { definitions?: Record<string, JsonSchema> } | undefined)?.definitions ?? {};
  delete schemas.__shared;
  return { gv, schemas, sharedIds: shared };
}

function qualify(id: string, home: GroupVersion): string {
  if (id.includes('.')) return id;
  if (META_TYPES.has(id)) return `${META_V1}.${id}`;
  return OTHER_TYPES[id] ?? `${schemaPackage(home)}.${id}`;
}

/** Rewrites zod's shared-definition refs to component refs, in place. */
function rewriteRefs(node: unknown, nameOf: (id: string) => string): void {
  if (Array.isArray(node)) { node.forEach((n) => rewriteRefs(n, nameOf)); return; }
  if (!node || typeof node !== 'object') return;
  const obj = node as Record<string, unknown>;
  if (typeof obj.$ref === 'string') {
    const m = SHARED_REF.exec(obj.$ref) ?? /^#\/definitions\/(.+)$/.exec(obj.$ref);
    if (m) obj.$ref = schemaRef(nameOf(m[1]));
  }
  for (const v of Object.values(obj)) rewriteRefs(v, nameOf);
}

const gvkExtension = (gv: GroupVersion, kind: string) =>
  ({ 'x-kubernetes-group-version-kind': [{ group: gv.group, kind, version: gv.version }] });

function listSchema(gv: GroupVersion, t: ResourceType): JsonSchema {
  return {
    description: `${t.listKind} is a list of ${t.kind} objects.`,
    type: 'object',
    required: ['items'],
    properties: {
      apiVersion: { type: 'string', description: 'The versioned schema of this representation of an object.' },
      items: { type: 'array', description: `List of ${t.plural}.`, items: { allOf: [{ $ref: schemaRef(schemaName(gv, t.kind)) }], default: {} } },
      kind: { type: 'string', description: 'The REST resource this object represents, in CamelCase.' },
      metadata: { allOf: [{ $ref: schemaRef(`${META_V1}.ListMeta`) }], default: {}, description: 'Standard list metadata.' },
    },
    ...gvkExtension(gv, t.listKind),
  };
}

/**
 * Generates the kind schemas of every group-version at once (ids shared between group-versions
 * must get one name everywhere). Returns, per group-version path key, its component schemas:
 * the kinds, their lists, the subresource body kinds, ObjectMeta and the id'd sub-schemas they
 * use (unused ones are dropped by the document builder, which also adds Status and the like).
 */
export function generateKindSchemas(
  byGroupVersion: Map<string, ResourceType[]>,
  bodyKinds: readonly BodyKind[] = [],
): Map<string, Record<string, JsonSchema>> {
  const all = [...byGroupVersion.values()].flat();
  const objectMeta = sharedObjectMeta(all);
  const raws = [...byGroupVersion.entries()].map(([key, types]) => [key, convert(types[0], types, bodyKinds, objectMeta)] as const);

  const homes = new Map<string, GroupVersion>();
  const ordered = [...raws].sort(([, a], [, b]) => Number(Boolean(a.gv.group)) - Number(Boolean(b.gv.group)));
  for (const [, raw] of ordered) for (const id of Object.keys(raw.sharedIds)) if (!homes.has(id)) homes.set(id, raw.gv);
  const nameOf = (id: string) => qualify(id, homes.get(id) ?? { group: '', version: 'v1' });

  const result = new Map<string, Record<string, JsonSchema>>();
  for (const [key, raw] of raws) {
    const components: Record<string, JsonSchema> = {};
    for (const [id, schema] of Object.entries(raw.sharedIds)) components[nameOf(id)] = schema;
    Object.assign(components, raw.schemas);
    rewriteRefs(components, nameOf);
    for (const [name, schema] of Object.entries(components)) components[name] = normalizeSchema(schema);
    for (const t of byGroupVersion.get(key)!) components[schemaName(raw.gv, t.listKind)] = listSchema(raw.gv, t);
    for (const t of [...byGroupVersion.get(key)!, ...bodyKinds]) {
      const name = schemaName(t, t.kind);
      components[name] = { ...components[name], ...gvkExtension(t, t.kind) };
    }
    components[OBJECT_META] ??= structuredClone(objectMetaSchema);
    addPatchExtensions(byGroupVersion.get(key)!, components);
    result.set(key, components);
  }
  return result;
}
