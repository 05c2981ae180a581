// Helpers over parsed JSON values shared by the three patch kinds. Keys are always read and written
// as own properties: a patch may carry keys such as "__proto__" or "constructor", which plain
// `obj[key] = v` or `key in obj` would turn into prototype changes or false hits.

export type JsonObject = { [key: string]: unknown };

export const isJsonObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

export const hasOwn = (obj: JsonObject, key: string): boolean => Object.prototype.hasOwnProperty.call(obj, key);

export const getOwn = (obj: JsonObject, key: string): unknown => (hasOwn(obj, key) ? obj[key] : undefined);

export function setOwn(obj: JsonObject, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
}

/** The JSON type of a value, as Go's reflect would tell a decoded value apart. */
export type JsonKind = 'object' | 'array' | 'string' | 'number' | 'boolean' | 'null';

export function kindOf(v: unknown): JsonKind {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'array';
  switch (typeof v) {
    case 'string':
      return 'string';
    case 'number':
    case 'bigint':
      return 'number';
    case 'boolean':
      return 'boolean';
    default:
      return 'object';
  }
}

/** The Go type name of a decoded JSON value, for error texts. */
export function goType(v: unknown): string {
  const names: Record<JsonKind, string> = {
    object: 'map[string]interface {}',
    array: '[]interface {}',
    string: 'string',
    number: 'float64',
    boolean: 'bool',
    null: '<nil>',
  };
  return names[kindOf(v)];
}

/** A deep copy that keeps every key an own data property. */
export function cloneJson<T>(v: T): T {
  if (Array.isArray(v)) return v.map((e) => cloneJson(e)) as T;
  if (isJsonObject(v)) {
    const out: JsonObject = {};
    for (const k of Object.keys(v)) setOwn(out, k, cloneJson(v[k]));
    return out as T;
  }
  return v;
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((e, i) => deepEqual(e, b[i]));
  }
  if (isJsonObject(a) && isJsonObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => hasOwn(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

/** Formats a value the way Go's `%v` prints a decoded JSON value, so error texts match kube's. */
export function goFormat(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (Array.isArray(v)) return `[${v.map(goFormat).join(' ')}]`;
  if (isJsonObject(v)) {
    const keys = Object.keys(v).sort();
    return `map[${keys.map((k) => `${k}:${goFormat(v[k])}`).join(' ')}]`;
  }
  return String(v);
}
