// Kubernetes-style field errors (apimachinery's util/validation/field) raised from inside zod refinements.
// Each becomes a zod custom issue carrying the final Kubernetes message and cause type, so validation.ts
// only has to read them back; zod supplies the path prefix as the issue bubbles up to the root.
import type { z } from 'zod';

export type CauseType =
  | 'FieldValueNotFound' | 'FieldValueRequired' | 'FieldValueDuplicate' | 'FieldValueInvalid'
  | 'FieldValueNotSupported' | 'FieldValueForbidden' | 'FieldValueTooLong' | 'FieldValueTooMany'
  | 'InternalError' | 'FieldValueTypeInvalid' | 'DecodeError';

export type PathSegment = string | number;
export type FieldPath = PathSegment[];

/** A map key in a path, printed `[key]` as field.Path.Key() does (e.g. `data[tls.crt]`). */
export const key = (k: string): string => `[${k}]`;

/** `spec.containers[0].name`, `data[foo]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (typeof seg === 'string' && seg.startsWith('[') && seg.endsWith(']')) out += seg;
    else out += out ? `.${String(seg)}` : String(seg);
  }
  return out;
}

/** A value that Go would print through its String() method, i.e. unquoted (IntOrString, Quantity). */
export class Printed {
  constructor(readonly text: string) {}
}

const goQuote = (s: string) => JSON.stringify(s);
const isStringMap = (v: object): v is Record<string, string> => Object.values(v).every((x) => typeof x === 'string');

/** A value as field.Error prints it: %q for strings, %v for numbers, %#v for maps and slices. */
export function goValue(v: unknown): string {
  if (v instanceof Printed) return v.text;
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return goQuote(v);
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return `[]string{${v.map(goQuote).join(', ')}}`;
  if (typeof v === 'object' && !Array.isArray(v) && isStringMap(v)) {
    const keys = Object.keys(v).sort();
    return `map[string]string{${keys.map((k) => `${goQuote(k)}:${goQuote(v[k])}`).join(', ')}}`;
  }
  return JSON.stringify(v);
}

/** How a template's labels print when absent: Go's nil map. */
export const labelsValue = (labels: Record<string, string> | undefined): unknown =>
  labels === undefined ? new Printed('map[string]string(nil)') : labels;

export interface KubeIssueParams { kubeReason: CauseType }

/** Adds Kubernetes field errors to a zod refinement context; paths are relative to the refined schema. */
export class FieldErrors {
  constructor(private readonly ctx: z.RefinementCtx<any>) {}

  private add(reason: CauseType, path: FieldPath, message: string, value?: unknown) {
    const params: KubeIssueParams = { kubeReason: reason };
    this.ctx.addIssue({ code: 'custom', path, message, input: value, params });
  }

  required(path: FieldPath, detail = '') {
    this.add('FieldValueRequired', path, detail ? `Required value: ${detail}` : 'Required value');
  }
  invalid(path: FieldPath, value: unknown, detail: string) {
    this.add('FieldValueInvalid', path, `Invalid value: ${goValue(value)}${detail ? `: ${detail}` : ''}`, value);
  }
  /** One Invalid per message, the way validators returning []string are reported. */
  invalidEach(path: FieldPath, value: unknown, messages: string[]) {
    for (const msg of messages) this.invalid(path, value, msg);
  }
  notSupported(path: FieldPath, value: unknown, supported: readonly string[]) {
    const detail = supported.length ? `: supported values: ${supported.map(goQuote).join(', ')}` : '';
    this.add('FieldValueNotSupported', path, `Unsupported value: ${goValue(value)}${detail}`, value);
  }
  duplicate(path: FieldPath, value: unknown, detail = '') {
    this.add('FieldValueDuplicate', path, `Duplicate value: ${goValue(value)}${detail ? `: ${detail}` : ''}`, value);
  }
  notFound(path: FieldPath, value: unknown) {
    this.add('FieldValueNotFound', path, `Not found: ${goValue(value)}`, value);
  }
  forbidden(path: FieldPath, detail: string) {
    this.add('FieldValueForbidden', path, `Forbidden: ${detail}`);
  }
  tooLong(path: FieldPath, maxBytes: number) {
    this.add('FieldValueTooLong', path, `Too long: must have at most ${maxBytes} bytes`);
  }
  tooMany(path: FieldPath, actual: number, max: number) {
    this.add('FieldValueTooMany', path, `Too many: ${actual}: must have at most ${max} items`, actual);
  }
  nonNegative(path: FieldPath, value: number | undefined) {
    if (value !== undefined && value < 0) this.invalid(path, value, 'must be greater than or equal to 0');
  }
}

/**
 * Refinements run even when zod already found problems elsewhere in the object, so that (like Kubernetes)
 * all errors are reported at once. They must then cope with malformed values: an exception thrown on one
 * is swallowed, since zod has already reported what is wrong with it.
 */
export const always = { when: () => true };

export function kubeChecks<T>(fn: (value: T, errs: FieldErrors) => void) {
  return (value: T, ctx: z.RefinementCtx<T>) => {
    if (value === null || typeof value !== 'object') return;
    try {
      fn(value, new FieldErrors(ctx));
    } catch {
      // Malformed input already reported by the schema itself.
    }
  };
}
