// application/strategic-merge-patch+json, applied as kube-apiserver applies it
// (k8s.io/apimachinery/pkg/util/strategicpatch, StrategicMergeMapPatch: parallel lists merged,
// unmatched nulls ignored). On top of JSON merge patch:
// - lists whose field is tagged `patchStrategy:"merge"` merge element by element on their merge
//   key (or as sets, for lists of scalars such as metadata.finalizers); other lists are replaced;
// - `$patch: replace|delete` in a map replaces or empties it; in a merged list, `$patch: delete`
//   removes the element with that merge key and `$patch: replace` makes the list the patch's;
//   `$patch: merge` is accepted nowhere (kube rejects it too);
// - `$retainKeys: [...]` clears every other key of the map (kubectl sends it for retainKeys fields);
// - `$deleteFromPrimitiveList/<field>: [...]` removes those scalars from the list;
// - `$setElementOrder/<field>: [...]` sets the order of the merged list (see strategic-list-order.ts).
import { PatchError } from './errors.ts';
import { type JsonObject, cloneJson, goFormat, hasOwn, isJsonObject, kindOf, setOwn } from './json-values.ts';
import { type PatchMeta, type PatchStrategy, NO_PATCH_META, fieldMeta } from './patch-meta.ts';
import {
  DIRECTIVE_MARKER, badArgType, elementKind, noMergeKey, normalizeElementOrder, partitionByPresence, sameValue,
  validateAgainstElementOrder,
} from './strategic-list-order.ts';

const RETAIN_KEYS = '$retainKeys';
const DELETE_FROM_PRIMITIVE_LIST = '$deleteFromPrimitiveList';
const SET_ELEMENT_ORDER = '$setElementOrder';

/**
 * Returns `original` with the strategic merge `patch` applied, walking `meta` (see patchMetaFor)
 * to know which lists merge. Neither input is modified. Throws a PatchError on a bad directive.
 */
export function applyStrategicMergePatch(original: unknown, patch: unknown, meta: PatchMeta): unknown {
  if (!isJsonObject(patch)) {
    throw new PatchError(`json: cannot unmarshal ${kindOf(patch)} into Go value of type map[string]interface {}`, 400);
  }
  const base: JsonObject = isJsonObject(original) ? cloneJson(original) : {};
  return stripDirectives(mergeMap(base, cloneJson(patch), meta));
}

/** Merges `patch` into `original` in place (both are private copies) and returns the result. */
function mergeMap(original: JsonObject, patch: JsonObject, meta: PatchMeta): JsonObject {
  if (hasOwn(patch, DIRECTIVE_MARKER)) return mapDirective(patch);
  applyRetainKeys(original, patch);
  mergeOrderedLists(original, patch, meta);

  for (const key of Object.keys(patch)) {
    const value = patch[key];
    const isDeleteList = key.startsWith(DELETE_FROM_PRIMITIVE_LIST);
    const field = isDeleteList ? directiveTarget(key, DELETE_FROM_PRIMITIVE_LIST) : key;
    if (value === null) {
      delete original[field];
      continue;
    }
    const current = hasOwn(original, field) ? original[field] : undefined;
    if (current === undefined || kindOf(current) !== kindOf(value)) {
      // A new value (or one of another type) is taken from the patch, minus nulls and directives.
      if (!isDeleteList) setOrDelete(original, field, removeDirectives(discardNulls(value)));
      continue;
    }
    const fm = fieldMeta(meta, field);
    const strategy = listOrMapStrategy(fm?.strategy);
    const childMeta = fm?.fields ?? NO_PATCH_META;
    if (isJsonObject(current)) {
      setOwn(original, field, strategy === 'replace' ? value : mergeMap(current, value as JsonObject, childMeta));
    } else if (Array.isArray(current)) {
      const merges = strategy === 'merge' || isDeleteList;
      setOwn(original, field, merges ? mergeList(current, value as unknown[], childMeta, fm?.mergeKey ?? '', isDeleteList, field) : value);
    } else {
      setOwn(original, field, value);
    }
  }
  return original;
}

/** The strategy that decides how a map or list merges; retainKeys only matters to patch authors. */
function listOrMapStrategy(strategy: PatchStrategy | undefined): 'merge' | 'replace' | undefined {
  if (strategy === 'merge' || strategy === 'merge,retainKeys') return 'merge';
  return strategy === 'replace' ? 'replace' : undefined;
}

function mapDirective(patch: JsonObject): JsonObject {
  const directive = patch[DIRECTIVE_MARKER];
  if (directive === 'replace') {
    delete patch[DIRECTIVE_MARKER];
    return patch;
  }
  if (directive === 'delete') return {};
  throw new PatchError(`unknown patch type: ${goFormat(directive)} in map: ${goFormat(patch)}`, 500);
}

/** The field a `$prefix/<field>` directive key names. */
function directiveTarget(key: string, prefix: string): string {
  const slash = key.indexOf('/');
  if (slash < 0 || key.slice(0, slash) !== prefix) {
    const what = prefix === SET_ELEMENT_ORDER ? 'setElementOrder list' : 'primitive list';
    throw new PatchError(`invalid patch format of ${what}`, 400);
  }
  return key.slice(slash + 1);
}

function applyRetainKeys(original: JsonObject, patch: JsonObject): void {
  if (!hasOwn(patch, RETAIN_KEYS)) return;
  const retained = patch[RETAIN_KEYS];
  delete patch[RETAIN_KEYS];
  const invalid = () => new PatchError('invalid patch format of retainKeys', 400);
  if (!Array.isArray(retained)) throw invalid();
  const keep = (k: string) => retained.some((r) => r === k);
  for (const key of Object.keys(patch)) {
    if (patch[key] === null || key.startsWith(DELETE_FROM_PRIMITIVE_LIST) || key.startsWith(SET_ELEMENT_ORDER)) continue;
    if (!keep(key)) throw invalid();
  }
  for (const key of Object.keys(original)) if (!keep(key)) delete original[key];
}

/** Handles each `$setElementOrder/<field>` with its list: merges the list, then orders it. */
function mergeOrderedLists(original: JsonObject, patch: JsonObject, meta: PatchMeta): void {
  for (const key of Object.keys(patch)) {
    if (!key.startsWith(SET_ELEMENT_ORDER)) continue;
    const order = patch[key];
    delete patch[key];
    if (!Array.isArray(order)) throw badArgType('[]interface {}', order);
    const field = directiveTarget(key, SET_ELEMENT_ORDER);
    const inOriginal = hasOwn(original, field);
    const inPatch = hasOwn(patch, field);
    const live = inOriginal ? original[field] : [];
    const patchList = inPatch ? patch[field] : [];
    if (!Array.isArray(live)) throw badArgType('[]interface {}', live);
    if (!Array.isArray(patchList)) throw badArgType('[]interface {}', patchList);
    const fm = fieldMeta(meta, field);
    const mergeKey = fm?.mergeKey ?? '';
    validateAgainstElementOrder(patchList, order, mergeKey);

    let merged: unknown[];
    if (inOriginal && inPatch) {
      const merges = listOrMapStrategy(fm?.strategy) === 'merge';
      merged = merges ? mergeList(live, patchList, fm?.fields ?? NO_PATCH_META, mergeKey, false, field) : patchList;
    } else if (inPatch) {
      merged = removeDirectives(patchList).value as unknown[];
    } else if (inOriginal) {
      merged = live;
    } else {
      continue;
    }
    // kube fails on an order for lists that are empty on both sides; there is nothing to order.
    if (elementKind(live, patchList) !== undefined) {
      const [named, serverOnly] = partitionByPresence(merged, order, mergeKey);
      merged = normalizeElementOrder(named, serverOnly, order, live, mergeKey);
    }
    setOwn(original, field, merged);
    delete patch[field];
  }
}

/** Merges a list whose field has the merge strategy (or applies a deletion list to it). */
function mergeList(original: unknown[], patch: unknown[], elementMeta: PatchMeta, mergeKey: string, isDeleteList: boolean, field: string): unknown[] {
  if (original.length === 0 && patch.length === 0) return original;
  const kind = elementKind(original, patch);
  let live = original;
  let named = patch;
  let merged: unknown[];
  if (kind !== 'object') {
    if (isDeleteList) return original.filter((v) => !patch.some((d) => sameValue(d, v)));
    merged = [...original, ...patch].filter((v, i, all) => all.findIndex((w) => sameValue(w, v)) === i);
  } else {
    if (!mergeKey) throw new PatchError(`cannot merge lists without merge key for ${field}`, 500);
    [live, named] = applyListDirectives(original, patch, mergeKey);
    merged = mergeElements(live, named, mergeKey, elementMeta);
  }
  const [patchItems, serverOnly] = partitionByPresence(merged, named, mergeKey);
  return normalizeElementOrder(patchItems, serverOnly, named, live, mergeKey);
}

/**
 * Applies the `$patch` elements of a merged list of objects. Returns the live list after deletions
 * and the patch elements left to merge; `$patch: replace` makes the patch elements the live list.
 */
function applyListDirectives(original: unknown[], patch: unknown[], mergeKey: string): [unknown[], unknown[]] {
  let live = original;
  const rest: unknown[] = [];
  let replace = false;
  for (const element of patch as JsonObject[]) {
    if (!hasOwn(element, DIRECTIVE_MARKER)) {
      rest.push(element);
      continue;
    }
    switch (element[DIRECTIVE_MARKER]) {
      case 'delete': {
        if (!hasOwn(element, mergeKey)) throw noMergeKey(element, mergeKey);
        const doomed = element[mergeKey];
        live = live.filter((v) => !(isJsonObject(v) && hasOwn(v, mergeKey) && sameValue(v[mergeKey], doomed)));
        break;
      }
      case 'replace':
        replace = true;
        break;
      case 'merge':
        throw new PatchError('merging lists cannot yet be specified in the patch', 500);
      default:
        throw new PatchError(`unknown patch type: ${goFormat(element[DIRECTIVE_MARKER])} in map: ${goFormat(element)}`, 500);
    }
  }
  return replace ? [rest, []] : [live, rest];
}

/** Merges each patch element into the live element with the same merge key, or appends it. */
function mergeElements(live: unknown[], patch: unknown[], mergeKey: string, elementMeta: PatchMeta): unknown[] {
  const out = [...live];
  for (const element of patch as JsonObject[]) {
    if (!hasOwn(element, mergeKey)) throw noMergeKey(element, mergeKey);
    const i = out.findIndex((v) => isJsonObject(v) && hasOwn(v, mergeKey) && sameValue(v[mergeKey], element[mergeKey]));
    if (i >= 0) out[i] = mergeMap(out[i] as JsonObject, element, elementMeta);
    else out.push(element);
  }
  return out;
}

function setOrDelete(obj: JsonObject, key: string, kept: { keep: boolean; value: unknown }): void {
  if (kept.keep) setOwn(obj, key, kept.value);
  else delete obj[key];
}

/** Drops null members at any depth: a patch value that is new to the object has nothing to delete. */
function discardNulls(value: unknown): unknown {
  if (Array.isArray(value)) value.forEach(discardNulls);
  else if (isJsonObject(value)) {
    for (const k of Object.keys(value)) {
      if (value[k] === null) delete value[k];
      else discardNulls(value[k]);
    }
  }
  return value;
}

/** kube's removeDirectives: a map carrying `$patch` is dropped whole, wherever it is. */
function removeDirectives(value: unknown): { keep: boolean; value: unknown } {
  if (Array.isArray(value)) {
    const kept = value.map(removeDirectives).filter((r) => r.keep);
    return { keep: true, value: kept.map((r) => r.value) };
  }
  if (!isJsonObject(value)) return { keep: true, value };
  if (hasOwn(value, DIRECTIVE_MARKER)) return { keep: false, value: undefined };
  for (const k of Object.keys(value)) setOrDelete(value, k, removeDirectives(value[k]));
  return { keep: true, value };
}

/**
 * Removes directive keys the merge left in place (inside replaced lists and maps, appended list
 * elements). kube-apiserver loses them when it decodes the result into its typed object.
 */
function stripDirectives<T>(value: T): T {
  if (Array.isArray(value)) value.forEach(stripDirectives);
  else if (isJsonObject(value)) {
    for (const k of Object.keys(value)) {
      const directive =
        k === DIRECTIVE_MARKER || k === RETAIN_KEYS || k.startsWith(`${SET_ELEMENT_ORDER}/`) || k.startsWith(`${DELETE_FROM_PRIMITIVE_LIST}/`);
      if (directive) delete value[k];
      else stripDirectives(value[k]);
    }
  }
  return value;
}
