// application/json-patch+json: RFC 6902 JSON patch (`kubectl patch --type json`), with the
// leniencies of gopkg.in/evanphx/json-patch.v4, which kube-apiserver uses:
// - `replace` of a missing object member adds it (v4 never checks that an object key exists);
// - `test` of a missing member passes when the expected value is null;
// - `add` and `remove` accept negative array indices, counted from the end;
// - the root path "" addresses nothing: operations on it fail.
import { PatchError } from './errors.ts';
import { type JsonObject, cloneJson, deepEqual, getOwn, hasOwn, isJsonObject, kindOf, setOwn } from './json-values.ts';

type Container = JsonObject | unknown[];
type Operation = JsonObject;

/**
 * Applies the operations in order to a copy of `original` and returns it. Throws a PatchError:
 * 400 if `operations` is not a list of objects, 422 if an operation cannot be applied.
 */
export function applyJsonPatch(original: unknown, operations: unknown): unknown {
  if (!Array.isArray(operations)) {
    throw new PatchError(`json: cannot unmarshal ${kindOf(operations)} into Go value of type jsonpatch.Patch`, 400);
  }
  for (const op of operations) {
    if (!isJsonObject(op)) throw new PatchError(`json: cannot unmarshal ${kindOf(op)} into Go value of type jsonpatch.Operation`, 400);
  }
  const doc = cloneJson(original);
  if (!isJsonObject(doc) && !Array.isArray(doc)) throw unprocessable('the document to patch is not a JSON object or array');
  for (const op of operations as Operation[]) applyOperation(doc, op);
  return doc;
}

const unprocessable = (message: string) => new PatchError(message, 422);

function applyOperation(doc: Container, op: Operation): void {
  const kind = typeof op.op === 'string' ? op.op : 'unknown';
  // A missing value is null, as v4 reads it.
  const value = hasOwn(op, 'value') ? cloneJson(op.value) : null;
  switch (kind) {
    case 'add': {
      const path = pathOf(op, 'path', kind);
      const [parent, key] = locate(doc, path, `add operation does not apply: doc is missing path: "${path}"`);
      insert(parent, key, value, path, 'add');
      return;
    }
    case 'remove': {
      const path = pathOf(op, 'path', kind);
      const [parent, key] = locate(doc, path, `remove operation does not apply: doc is missing path: "${path}"`);
      removeAt(parent, key, path, 'remove');
      return;
    }
    case 'replace': {
      const path = pathOf(op, 'path', kind);
      const [parent, key] = locate(doc, path, `replace operation does not apply: doc is missing path: ${path}`);
      if (Array.isArray(parent)) parent[arrayIndex(parent, key, path, 'replace')] = value;
      else setOwn(parent, key, value);
      return;
    }
    case 'test': {
      const path = pathOf(op, 'path', kind);
      const [parent, key] = locate(doc, path, `test operation does not apply: is missing path: ${path}`);
      const actual = Array.isArray(parent) ? parent[arrayIndex(parent, key, path, 'test')] : getOwn(parent, key);
      // A missing member and an explicit null are the same to v4's test.
      if (!deepEqual(actual ?? null, value)) throw unprocessable(`testing value ${path} failed: test failed`);
      return;
    }
    case 'move': {
      const from = pathOf(op, 'from', kind);
      const [fromParent, fromKey] = locate(doc, from, `move operation does not apply: doc is missing from path: ${from}`);
      const moved = read(fromParent, fromKey, from, 'move');
      removeAt(fromParent, fromKey, from, 'move');
      const path = pathOf(op, 'path', kind);
      const [parent, key] = locate(doc, path, `move operation does not apply: doc is missing destination path: ${path}`);
      insert(parent, key, moved, path, 'move');
      return;
    }
    case 'copy': {
      const from = pathOf(op, 'from', kind);
      const [fromParent, fromKey] = locate(doc, from, `copy operation does not apply: doc is missing from path: ${from}`);
      const copied = cloneJson(read(fromParent, fromKey, from, 'copy'));
      const path = pathOf(op, 'path', kind);
      const [parent, key] = locate(doc, path, `copy operation does not apply: doc is missing destination path: ${path}`);
      insert(parent, key, copied, path, 'copy');
      return;
    }
    default:
      throw unprocessable(`Unexpected kind: ${kind}`);
  }
}

function pathOf(op: Operation, field: 'path' | 'from', kind: string): string {
  const v = getOwn(op, field);
  if (v === undefined || v === null) throw unprocessable(`${kind} operation missing ${field} field`);
  if (typeof v !== 'string') throw unprocessable(`${kind} operation failed to decode ${field}: json: cannot unmarshal ${kindOf(v)} into Go value of type string`);
  return v;
}

/** RFC 6901 reference tokens of a pointer, unescaped (`~1` before `~0`, as the RFC orders it). */
function tokensOf(pointer: string): string[] | undefined {
  if (!pointer.startsWith('/')) return undefined;
  return pointer.slice(1).split('/').map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** The container holding the pointer's last token, and that token; `missing` if there is none. */
function locate(doc: Container, pointer: string, missing: string): [Container, string] {
  const tokens = tokensOf(pointer);
  if (!tokens) throw unprocessable(missing);
  let node: unknown = doc;
  for (const token of tokens.slice(0, -1)) {
    if (Array.isArray(node)) {
      const i = parseIndex(token);
      node = i !== undefined && i >= 0 && i < node.length ? node[i] : undefined;
    } else if (isJsonObject(node)) {
      node = getOwn(node, token);
    } else {
      node = undefined;
    }
    if (!isJsonObject(node) && !Array.isArray(node)) throw unprocessable(missing);
  }
  return [node as Container, tokens[tokens.length - 1]];
}

/** Go's strconv.Atoi: an optional sign and decimal digits. */
function parseIndex(token: string): number | undefined {
  return /^[+-]?\d+$/.test(token) ? Number(token) : undefined;
}

/** An index that must name an existing element (negative indices are not read by v4). */
function arrayIndex(array: unknown[], key: string, path: string, kind: string): number {
  const i = parseIndex(key);
  if (i === undefined) throw unprocessable(`error in ${kind} for path: '${path}': value was not a proper array index: '${key}'`);
  if (i < 0 || i >= array.length) throw unprocessable(`error in ${kind} for path: '${path}': Unable to access invalid index: ${i}`);
  return i;
}

function read(parent: Container, key: string, path: string, kind: string): unknown {
  if (Array.isArray(parent)) return parent[arrayIndex(parent, key, path, kind)];
  if (!hasOwn(parent, key)) throw unprocessable(`error in ${kind} for path: '${path}': Unable to get nonexistent key: ${key}`);
  return parent[key];
}

function insert(parent: Container, key: string, value: unknown, path: string, kind: string): void {
  if (!Array.isArray(parent)) {
    setOwn(parent, key, value);
    return;
  }
  if (key === '-') {
    parent.push(value);
    return;
  }
  let i = parseIndex(key);
  if (i === undefined) throw unprocessable(`error in ${kind} for path: '${path}': value was not a proper array index: '${key}'`);
  // Index len is allowed (appends); negative indices count back from len+1.
  const size = parent.length + 1;
  if (i >= size || i < -size) throw unprocessable(`error in ${kind} for path: '${path}': Unable to access invalid index: ${i}`);
  if (i < 0) i += size;
  parent.splice(i, 0, value);
}

function removeAt(parent: Container, key: string, path: string, kind: string): void {
  if (!Array.isArray(parent)) {
    if (!hasOwn(parent, key)) throw unprocessable(`error in ${kind} for path: '${path}': Unable to remove nonexistent key: ${key}: missing value`);
    delete parent[key];
    return;
  }
  let i = parseIndex(key);
  if (i === undefined) throw unprocessable(`error in ${kind} for path: '${path}': value was not a proper array index: '${key}'`);
  if (i >= parent.length || i < -parent.length) throw unprocessable(`error in ${kind} for path: '${path}': Unable to access invalid index: ${i}`);
  if (i < 0) i += parent.length;
  parent.splice(i, 1);
}
