// Element order of a list merged by a strategic merge patch, as k8s.io/apimachinery's
// strategicpatch orders it (normalizeElementOrder and friends). The rules, in precedence order:
// $setElementOrder (or the patch list itself), then the order in the live list. Elements the patch
// names are sorted by that order; elements only the server has keep their live order; the two runs
// are then interleaved, a server-only element going first only if the live list had it before the
// patch element it is compared with. One consequence worth knowing: an element a patch adds
// without $setElementOrder lands before the server-only elements, not after them.
import { PatchError } from './errors.ts';
import { type JsonKind, type JsonObject, deepEqual, getOwn, goFormat, goType, hasOwn, isJsonObject, kindOf } from './json-values.ts';

export const DIRECTIVE_MARKER = '$patch';

/** Go's `==` on decoded values; structured values compare deeply instead of panicking. */
export const sameValue = (a: unknown, b: unknown): boolean => a === b || (typeof a === 'object' && deepEqual(a, b));

export const noMergeKey = (m: JsonObject, key: string) =>
  new PatchError(`map: ${goFormat(m)} does not contain declared merge key: ${key}`, 500);

export const badArgType = (expected: string, actual: unknown) =>
  new PatchError(`expected a ${expected}, but received a ${goType(actual)}`, 500);

/** The single JSON kind shared by every element of the lists (undefined if all are empty). */
export function elementKind(...lists: unknown[][]): JsonKind | undefined {
  let kind: JsonKind | undefined;
  for (const list of lists) {
    for (const v of list) {
      const k = kindOf(v);
      if (kind === undefined) {
        if (k === 'array') throw new PatchError('lists of lists are not supported', 422);
        kind = k;
      } else if (k !== kind) {
        throw new PatchError(`list element types are not identical: ${goFormat(lists)}`, 500);
      }
    }
  }
  return kind;
}

/** What identifies an element: its merge key value in a list of objects, itself otherwise. */
const identity = (item: unknown, mergeKey: string): unknown =>
  mergeKey ? (isJsonObject(item) ? getOwn(item, mergeKey) : undefined) : item;

export function indexIn(list: unknown[], item: unknown, mergeKey: string): number {
  const id = identity(item, mergeKey);
  return list.findIndex((v) => sameValue(identity(v, mergeKey), id));
}

function requireMergeKey(list: unknown[], mergeKey: string): void {
  for (const item of list) {
    if (!isJsonObject(item)) throw badArgType('map[string]interface {}', item);
    if (!hasOwn(item, mergeKey)) throw noMergeKey(item, mergeKey);
  }
}

export const isDeleteElement = (item: unknown): boolean => isJsonObject(item) && getOwn(item, DIRECTIVE_MARKER) === 'delete';

/** Splits `list` into the elements whose identity appears in `by` and the others, keeping order. */
export function partitionByPresence(list: unknown[], by: unknown[], mergeKey: string): [unknown[], unknown[]] {
  if (mergeKey) {
    requireMergeKey(list, mergeKey);
    for (const v of by) if (!isJsonObject(v)) throw new PatchError(`value for key ${by.indexOf(v)} is not a map`, 500);
  }
  const present: unknown[] = [];
  const absent: unknown[] = [];
  for (const v of list) (indexIn(by, v, mergeKey) >= 0 ? present : absent).push(v);
  return [present, absent];
}

/** Stable sort of `toSort` by position in `order`; `$patch: delete` elements go last. */
function sortByOrder(toSort: unknown[], order: unknown[], mergeKey: string): unknown[] {
  let kept = toSort;
  let deletions: unknown[] = [];
  if (mergeKey) {
    requireMergeKey(toSort, mergeKey);
    requireMergeKey(order, mergeKey);
    kept = toSort.filter((v) => !isDeleteElement(v));
    deletions = toSort.filter(isDeleteElement);
  }
  const rank = (v: unknown) => {
    const i = indexIn(order, v, mergeKey);
    return i < 0 ? Number.MAX_SAFE_INTEGER : i;
  };
  return [...kept].sort((a, b) => rank(a) - rank(b)).concat(deletions);
}

/**
 * Orders a merged list: `patchItems` (named by the patch) by `patchOrder`, `serverOnly` by
 * `serverOrder` (the live list), then interleaves the two runs.
 */
export function normalizeElementOrder(
  patchItems: unknown[],
  serverOnly: unknown[],
  patchOrder: unknown[],
  serverOrder: unknown[],
  mergeKey: string,
): unknown[] {
  const right = sortByOrder(patchItems, patchOrder, mergeKey);
  const left = sortByOrder(serverOnly, serverOrder, mergeKey);
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) out.push(right[j++]);
    else if (j >= right.length) out.push(left[i++]);
    else {
      const li = indexIn(serverOrder, left[i], mergeKey);
      const ri = indexIn(serverOrder, right[j], mergeKey);
      out.push(li >= 0 && ri >= 0 && li < ri ? left[i++] : right[j++]);
    }
  }
  return out;
}

/**
 * Checks that the patch list names its elements in the relative order $setElementOrder gives
 * (deletions and other directive elements aside).
 */
export function validateAgainstElementOrder(patchList: unknown[], order: unknown[], mergeKey: string): void {
  if (order.length === 0 || patchList.length === 0) return;
  let elements = patchList;
  if (mergeKey) {
    for (const v of patchList) if (!isJsonObject(v)) throw badArgType('map[string]interface {}', v);
    elements = patchList.filter((v) => !isDeleteElement(v));
  }
  const sameElement = (a: unknown, b: unknown): boolean => {
    if (!mergeKey) return sameValue(a, b);
    if (!isJsonObject(a)) throw badArgType('map[string]interface {}', a);
    if (!isJsonObject(b)) throw badArgType('map[string]interface {}', b);
    if (!hasOwn(a, mergeKey)) throw noMergeKey(a, mergeKey);
    if (!hasOwn(b, mergeKey)) throw noMergeKey(b, mergeKey);
    return sameValue(a[mergeKey], b[mergeKey]);
  };
  let p = 0;
  let s = 0;
  while (p < elements.length && s < order.length) {
    const element = elements[p];
    if (isJsonObject(element) && hasOwn(element, DIRECTIVE_MARKER)) {
      p++;
      continue;
    }
    if (sameElement(element, order[s])) p++;
    s++;
  }
  if (p < elements.length) {
    throw new PatchError(`the order in patch list:\n${goFormat(patchList)}\n doesn't match $setElementOrder list:\n${goFormat(order)}`, 500);
  }
}
