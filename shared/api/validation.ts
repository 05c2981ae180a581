// From a request body to a valid, defaulted object, or to the Kubernetes causes of a 422 Invalid:
// `spec.containers[0].name: Required value`, `spec.restartPolicy: Unsupported value: "x": supported values: ...`.
// Also the unknown-field detection behind fieldValidation=Strict|Warn.
import type { z } from 'zod';
import type { StatusCause } from '../errors.ts';
import { formatPath, goValue, type CauseType, type KubeIssueParams } from './field-errors.ts';
import { isDNS1123Label, validateName } from './names.ts';
import type { ResourceType } from './resource-type.ts';

export type ValidationResult<T> = { ok: true; value: T } | { ok: false; causes: StatusCause[] };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * JSON null means "unset" to Kubernetes (clients send `creationTimestamp: null` and the like); zod would
 * reject it for optional fields, so null-valued keys are dropped before parsing. Returns a copy.
 */
export function stripNulls(value: unknown): unknown {
  // Most bodies have no null at all: a scan costs less than a copy (this runs on every write).
  return hasNull(value) ? copyWithoutNulls(value) : value;
}

function hasNull(value: unknown): boolean {
  if (value === null) return true;
  if (typeof value !== 'object') return false;
  if (Array.isArray(value)) {
    for (const v of value) if (hasNull(v)) return true;
    return false;
  }
  for (const k in value) if (hasNull((value as Record<string, unknown>)[k])) return true;
  return false;
}

function copyWithoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(copyWithoutNulls);
  if (!isObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v !== null) out[k] = copyWithoutNulls(v);
  return out;
}

const cause = (reason: CauseType, field: string, message: string): StatusCause => ({ reason, message, field });

const typeNames: Record<string, string> = { int: 'integer', record: 'object', map: 'object' };

/** One zod issue as a Kubernetes StatusCause. */
/** The reason of a cause that is a decoding error (wrong JSON type), which kube answers with 400, not 422. */
export const DECODE_ERROR = 'DecodeError';

const jsonTypeOf = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v === 'boolean' ? 'bool' : typeof v);

export function issueToCause(issue: z.core.$ZodIssue): StatusCause {
  const field = formatPath(issue.path);
  const params = (issue as { params?: Partial<KubeIssueParams> }).params;
  if (issue.code === 'custom' && params?.kubeReason) return cause(params.kubeReason, field, issue.message);
  const input = (issue as { input?: unknown }).input;
  switch (issue.code) {
    case 'invalid_type':
      if (input === undefined) return cause('FieldValueRequired', field, 'Required value');
      // A value of the wrong JSON type never reaches kube's validation: decoding fails first (a 400).
      return cause(DECODE_ERROR, field, `json: cannot unmarshal ${jsonTypeOf(input)} into Go struct field ${field} of type ${typeNames[issue.expected] ?? issue.expected}`);
    case 'invalid_value':
      return cause('FieldValueNotSupported', field,
        `Unsupported value: ${goValue(input)}: supported values: ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`);
    case 'too_small':
      // Kubernetes treats empty strings and lists as missing values.
      if (issue.minimum === 1 && (issue.origin === 'string' || issue.origin === 'array')) return cause('FieldValueRequired', field, 'Required value');
      return cause('FieldValueInvalid', field, `Invalid value: ${goValue(input)}: must be greater than or equal to ${issue.minimum}`);
    case 'too_big':
      return cause('FieldValueInvalid', field, `Invalid value: ${goValue(input)}: must be less than or equal to ${issue.maximum}`);
    case 'invalid_union':
      return cause('FieldValueInvalid', field, `Invalid value: ${goValue(input)}: must be an integer or a string`);
    default:
      return cause('FieldValueInvalid', field, `Invalid value: ${goValue(input)}: ${issue.message}`);
  }
}

/** Parses with a schema (validation and defaults), turning failures into causes. Input nulls are dropped. */
export function parseObject<S extends z.ZodType>(schema: S, obj: unknown): ValidationResult<z.output<S>> {
  const result = schema.safeParse(stripNulls(obj), { reportInput: true });
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, causes: dedupe(result.error.issues.map(issueToCause)) };
}

/** ValidateObjectMeta's name and namespace rules, which depend on the resource, not on its schema. */
export function validateObjectMeta(type: Pick<ResourceType, 'nameRule' | 'namespaced'>, obj: unknown): StatusCause[] {
  const meta = isObject(obj) && isObject(obj.metadata) ? obj.metadata : {};
  const str = (v: unknown) => (typeof v === 'string' ? v : '');
  const name = str(meta.name);
  const generateName = str(meta.generateName);
  const namespace = str(meta.namespace);
  const causes: StatusCause[] = [];
  const invalid = (field: string, value: string, msgs: string[]) => {
    for (const m of msgs) causes.push(cause('FieldValueInvalid', field, `Invalid value: ${goValue(value)}: ${m}`));
  };
  if (generateName) invalid('metadata.generateName', generateName, validateName(type.nameRule, generateName, true));
  if (!name) causes.push(cause('FieldValueRequired', 'metadata.name', 'Required value: name or generateName is required'));
  else invalid('metadata.name', name, validateName(type.nameRule, name));
  if (type.namespaced) {
    if (!namespace) causes.push(cause('FieldValueRequired', 'metadata.namespace', 'Required value'));
    else invalid('metadata.namespace', namespace, isDNS1123Label(namespace));
  } else if (namespace) {
    causes.push(cause('FieldValueForbidden', 'metadata.namespace', 'Forbidden: not allowed on this type'));
  }
  return causes;
}

/**
 * Everything the API server checks of an object it is about to write: the metadata rules of its resource
 * (call after generateName and the request namespace were applied), then its schema.
 */
export function validateObject<S extends z.ZodType>(type: ResourceType<S>, obj: unknown): ValidationResult<z.output<S>> {
  const metaCauses = validateObjectMeta(type, obj);
  const parsed = parseObject(type.schema, obj);
  if (metaCauses.length === 0) return parsed;
  return { ok: false, causes: dedupe([...metaCauses, ...(parsed.ok ? [] : parsed.causes)]) };
}

/** Like field.ErrorList.ToAggregate: the same error reported twice is listed once. */
function dedupe(causes: StatusCause[]): StatusCause[] {
  const seen = new Set<string>();
  return causes.filter((c) => {
    const id = `${c.field}\u0000${c.message}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

/** Fields that defaulting legitimately removes: they are known, not unknown. */
const removedByDefaulting = new Set(['stringData', 'spec.sessionAffinityConfig']);

/**
 * Paths of the keys present in the input but dropped by the schema (`spec.foo`, `spec.containers[0].bar`),
 * for fieldValidation=Strict|Warn (Kubernetes says `unknown field "spec.foo"`). Subtrees kept whole
 * (maps, loose objects) keep their keys, so nothing inside them is reported. Null values mean "unset" and
 * are never reported.
 */
export function unknownFields(input: unknown, output: unknown): string[] {
  const found: string[] = [];
  // One path stack for the whole walk: this runs on every write, so no per-key allocation.
  const path: (string | number)[] = [];
  const walk = (inp: unknown, out: unknown) => {
    if (Array.isArray(inp)) {
      if (!Array.isArray(out)) return;
      for (let i = 0; i < inp.length; i++) {
        path.push(i);
        walk(inp[i], out[i]);
        path.pop();
      }
      return;
    }
    if (!isObject(inp) || !isObject(out)) return;
    for (const k in inp) {
      const v = inp[k];
      if (v === null) continue;
      path.push(k);
      if (Object.hasOwn(out, k)) walk(v, out[k]);
      else {
        const field = formatPath(path);
        if (!removedByDefaulting.has(field)) found.push(field);
      }
      path.pop();
    }
  };
  walk(input, output);
  return found;
}
