// Reshapes zod's OpenAPI 3.0 output into kube's conventions, which clients are written against:
// - unknown fields: zod writes `additionalProperties: {}` for a loose object and `false` for a strict
//   one; kube never forbids unknown fields in its schemas (rejecting them is fieldValidation's job)
//   and marks kept ones with `x-kubernetes-preserve-unknown-fields: true`, as for free-form values;
// - integers: kube writes `format: int32|int64` where zod writes the matching range bounds;
// - timestamps: `format: date-time` alone, without zod's long validation pattern;
// - int-or-string unions get kube's `x-kubernetes-int-or-string: true`.
import type { JsonSchema } from './meta-schemas.ts';

const INT32 = [-2147483648, 2147483647];
const SAFE = [-9007199254740991, 9007199254740991];

const SCHEMA_VALUED = ['items', 'additionalProperties', 'not'];
const SCHEMA_LISTS = ['allOf', 'anyOf', 'oneOf'];

const isEmptyObject = (v: unknown) => !!v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0;

/** A schema that accepts any value (zod's unknown/any, or an unrepresentable type). */
const acceptsAnything = (s: JsonSchema) =>
  !('type' in s) && !('$ref' in s) && !('properties' in s) && !('enum' in s) && !('x-kubernetes-preserve-unknown-fields' in s)
  && !SCHEMA_LISTS.some((k) => k in s) && !('not' in s);

function integerFormat(s: JsonSchema): void {
  if (s.type !== 'integer' || 'format' in s) return;
  const [min, max] = [s.minimum, s.maximum];
  if (min === INT32[0] && max === INT32[1]) {
    delete s.minimum; delete s.maximum; s.format = 'int32';
    return;
  }
  if (min === SAFE[0] || max === SAFE[1]) {
    if (min === SAFE[0]) delete s.minimum;
    if (max === SAFE[1]) delete s.maximum;
    s.format = 'int64';
  }
}

function isIntOrString(s: JsonSchema): boolean {
  const branches = (s.anyOf ?? s.oneOf) as JsonSchema[] | undefined;
  if (!Array.isArray(branches) || branches.length !== 2) return false;
  const types = branches.map((b) => b.type).sort();
  return types[0] === 'integer' && types[1] === 'string';
}

/** Returns a reshaped deep copy of a generated schema. `nested` marks a value inside another schema. */
export function normalizeSchema(schema: JsonSchema, nested = false): JsonSchema {
  const s: JsonSchema = { ...schema };
  delete s.$id;
  delete s.$schema;
  if (s.additionalProperties === false) delete s.additionalProperties;
  else if (isEmptyObject(s.additionalProperties)) {
    delete s.additionalProperties;
    s['x-kubernetes-preserve-unknown-fields'] = true;
    s.type ??= 'object';
  }
  if (nested && acceptsAnything(s)) s['x-kubernetes-preserve-unknown-fields'] = true;
  integerFormat(s);
  if (s.format === 'date-time') delete s.pattern;
  if (isIntOrString(s)) s['x-kubernetes-int-or-string'] = true;

  if (s.properties && typeof s.properties === 'object') {
    s.properties = Object.fromEntries(Object.entries(s.properties as Record<string, JsonSchema>)
      .map(([k, v]) => [k, normalizeSchema(v, true)]));
  }
  for (const key of SCHEMA_VALUED) {
    const v = s[key];
    if (v && typeof v === 'object' && !Array.isArray(v)) s[key] = normalizeSchema(v as JsonSchema, true);
  }
  for (const key of SCHEMA_LISTS) {
    const v = s[key];
    if (Array.isArray(v)) s[key] = v.map((b: JsonSchema) => normalizeSchema(b, false));
  }
  return s;
}
