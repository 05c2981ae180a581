// Strategic merge patch semantics on a made-up type, modelled on the MergeItem type of
// k8s.io/apimachinery's strategicpatch tests; expected results follow its test fixtures.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { applyStrategicMergePatch } from '../../shared/patch/strategic-merge-patch.ts';
import { PatchError } from '../../shared/patch/errors.ts';
import type { FieldPatchMeta, PatchMeta } from '../../shared/patch/patch-meta.ts';

const mergeItem: Record<string, FieldPatchMeta> = {};
Object.assign(mergeItem, {
  mergingList: { strategy: 'merge', mergeKey: 'name', fields: mergeItem },
  mergingIntList: { strategy: 'merge' },
  replacingItem: { strategy: 'replace' },
  retainKeysMap: { strategy: 'retainKeys', fields: mergeItem },
  retainKeysMergingList: { strategy: 'merge,retainKeys', mergeKey: 'name', fields: mergeItem },
});
const meta: PatchMeta = mergeItem;

const apply = (original: unknown, patch: unknown) => applyStrategicMergePatch(original, patch, meta);

function assertFails(original: unknown, patch: unknown, code: number, fragment: string) {
  assert.throws(
    () => apply(original, patch),
    (e: unknown) => e instanceof PatchError && e.code === code && e.message.includes(fragment),
    `expected a ${code} containing ${JSON.stringify(fragment)}`,
  );
}

describe('maps', () => {
  test('fields merge; null deletes; a null for a missing field is ignored', () => {
    assert.deepEqual(apply({ name: 1, value: 1, simpleMap: { a: '1' } }, { value: null, other: 'x', gone: null, simpleMap: { b: '2' } }), {
      name: 1,
      other: 'x',
      simpleMap: { a: '1', b: '2' },
    });
  });

  test('$patch: delete empties a map; $patch: replace makes it the patch', () => {
    assert.deepEqual(apply({ simpleMap: { key1: 1, key2: 1 } }, { simpleMap: { $patch: 'delete' } }), { simpleMap: {} });
    assert.deepEqual(apply({ name: 1, value: 1 }, { $patch: 'replace' }), {});
    assert.deepEqual(apply({ name: 1, value: 1 }, { other: 'a', $patch: 'replace' }), { other: 'a' });
    assert.deepEqual(apply({ a: 1 }, { $patch: 'delete' }), {});
  });

  test('a field with the replace strategy is replaced, not merged', () => {
    assert.deepEqual(apply({ replacingItem: { a: 1, b: 2 } }, { replacingItem: { c: 3 } }), { replacingItem: { c: 3 } });
  });

  test('a new value drops its nulls and its $patch maps; a value of another type is replaced', () => {
    const patch = { fresh: { a: 1, b: null, c: { $patch: 'delete' }, d: [{ x: null, y: 1 }] }, gone: { $patch: 'delete' }, scalar: { b: null, c: 1 } };
    assert.deepEqual(apply({ scalar: 'x' }, patch), { fresh: { a: 1, d: [{ y: 1 }] }, scalar: { c: 1 } });
  });

  test('$retainKeys clears the other keys and merges the rest', () => {
    const original = { retainKeysMap: { name: 'foo', value: 'bar', simpleMap: { key1: 'new', key2: 'b', key3: 'c' } } };
    const patch = { retainKeysMap: { $retainKeys: ['name', 'simpleMap', 'value'], simpleMap: { key1: 'modified' } } };
    assert.deepEqual(apply(original, patch), { retainKeysMap: { name: 'foo', value: 'bar', simpleMap: { key1: 'modified', key2: 'b', key3: 'c' } } });
    const dropList = { retainKeysMap: { $retainKeys: ['name', 'value'], value: 'bar', mergingList: null } };
    assert.deepEqual(apply({ retainKeysMap: { name: 'foo', mergingList: [{ name: 'a' }], other: 'x' } }, dropList), { retainKeysMap: { name: 'foo', value: 'bar' } });
  });

  test('without $retainKeys a retainKeys field merges like any map', () => {
    assert.deepEqual(apply({ retainKeysMap: { name: 'foo', value: 'a' } }, { retainKeysMap: { value: null } }), { retainKeysMap: { name: 'foo' } });
  });
});

describe('merged lists of objects', () => {
  test('elements merge by merge key; the order follows the patch, then the live list', () => {
    const original = { mergingList: [{ name: 1 }, { name: 2, value: 'b' }, { name: 3 }] };
    assert.deepEqual(apply(original, { mergingList: [{ name: 3, value: 'c' }, { name: 1, value: 'a' }, { name: 2, other: 'x' }] }), {
      mergingList: [{ name: 3, value: 'c' }, { name: 1, value: 'a' }, { name: 2, value: 'b', other: 'x' }],
    });
    assert.deepEqual(apply(original, { mergingList: [{ name: 3, value: 'c' }, { name: 1, value: 'a' }] }), {
      mergingList: [{ name: 2, value: 'b' }, { name: 3, value: 'c' }, { name: 1, value: 'a' }],
    });
  });

  test('an element new to the list goes before the server-only elements', () => {
    assert.deepEqual(apply({ mergingList: [{ name: 'a' }, { name: 'b' }] }, { mergingList: [{ name: 'c' }] }), {
      mergingList: [{ name: 'c' }, { name: 'a' }, { name: 'b' }],
    });
  });

  test('$patch: delete removes every element with that key; $patch: replace replaces the list', () => {
    const dups = { mergingList: [{ name: 1 }, { name: 1 }, { name: 2, value: 'a' }, { name: 3 }, { name: 3 }] };
    assert.deepEqual(apply(dups, { mergingList: [{ name: 1, $patch: 'delete' }, { name: 3, $patch: 'delete' }] }), { mergingList: [{ name: 2, value: 'a' }] });
    assert.deepEqual(apply({ mergingList: [{ name: 1 }, { name: 2 }] }, { mergingList: [{ $patch: 'replace' }] }), { mergingList: [] });
    assert.deepEqual(apply({ mergingList: [{ name: 1 }, { name: 2 }] }, { mergingList: [{ name: 3 }, { $patch: 'replace' }] }), { mergingList: [{ name: 3 }] });
    assert.deepEqual(apply({ mergingList: [] }, { mergingList: [] }), { mergingList: [] });
  });

  test('nested merged lists merge too', () => {
    const original = { mergingList: [{ name: 1, mergingList: [{ name: 1, value: 'a' }, { name: 2 }] }] };
    const patch = { mergingList: [{ name: 1, mergingList: [{ name: 2, value: 'b' }] }] };
    assert.deepEqual(apply(original, patch), { mergingList: [{ name: 1, mergingList: [{ name: 1, value: 'a' }, { name: 2, value: 'b' }] }] });
  });

  test('a list without the merge strategy is replaced, directive keys and all dropped', () => {
    assert.deepEqual(apply({ nonMergingList: [{ name: 1 }, { name: 2 }] }, { nonMergingList: [{ name: 3, $patch: 'delete' }] }), { nonMergingList: [{ name: 3 }] });
  });

  test('$setElementOrder orders the merged list, server-only elements keeping their live neighbours', () => {
    const current = { mergingList: [{ name: 1, other: 'a' }, { name: 2, value: 2 }, { name: 7 }, { name: 9 }, { name: 8 }, { name: 3, value: 3 }, { name: 4, value: 4 }] };
    const patch = { '$setElementOrder/mergingList': [{ name: 2 }, { name: 1 }, { name: 4 }, { name: 3 }] };
    const names = (apply(current, patch) as { mergingList: Array<{ name: number }> }).mergingList.map((e) => e.name);
    assert.deepEqual(names, [2, 1, 7, 9, 8, 4, 3]);
  });

  test('$setElementOrder with additions and deletions', () => {
    const current = { mergingList: [{ name: 1, other: 'a' }, { name: 2, value: 2, other: 'b' }, { name: 3, value: 3 }] };
    const patch = { '$setElementOrder/mergingList': [{ name: 4 }, { name: 2 }, { name: 1 }], mergingList: [{ name: 4, value: 4 }, { name: 3, $patch: 'delete' }] };
    assert.deepEqual(apply(current, patch), { mergingList: [{ name: 4, value: 4 }, { name: 2, value: 2, other: 'b' }, { name: 1, other: 'a' }] });
  });

  test('$setElementOrder may name elements the list does not have', () => {
    const patch = { '$setElementOrder/mergingList': [{ name: 3 }, { name: 2 }, { name: 1 }], mergingList: [{ name: 3, value: 3 }, { name: 1, value: 1 }] };
    assert.deepEqual(apply({ mergingList: [{ name: 1 }, { name: 3 }] }, patch), { mergingList: [{ name: 3, value: 3 }, { name: 1, value: 1 }] });
    assert.deepEqual(apply({}, patch), { mergingList: [{ name: 3, value: 3 }, { name: 1, value: 1 }] });
  });

  test('a patch list out of $setElementOrder order is rejected', () => {
    const patch = { '$setElementOrder/mergingList': [{ name: 1 }, { name: 2 }, { name: 3 }], mergingList: [{ name: 3, value: 3 }, { name: 1, value: 1 }] };
    assertFails({ mergingList: [{ name: 1 }, { name: 3 }, { name: 2 }] }, patch, 500, "doesn't match $setElementOrder list");
  });

  test('$retainKeys inside the elements of a merge,retainKeys list', () => {
    const original = { retainKeysMergingList: [{ name: 'bar' }, { name: 'foo', value: 'a', other: 'x' }] };
    const patch = { retainKeysMergingList: [{ name: 'foo', $retainKeys: ['name', 'value'], value: 'b' }] };
    assert.deepEqual(apply(original, patch), { retainKeysMergingList: [{ name: 'bar' }, { name: 'foo', value: 'b' }] });
  });
});

describe('merged lists of scalars', () => {
  test('merge as a set, ordered like lists of objects', () => {
    assert.deepEqual(apply({ mergingIntList: [1, 2] }, { mergingIntList: [2, 3] }), { mergingIntList: [1, 2, 3] });
    assert.deepEqual(apply({ mergingIntList: [1, 2, 3] }, { mergingIntList: [3, 1, 2] }), { mergingIntList: [3, 1, 2] });
    assert.deepEqual(apply({ mergingIntList: [1, 2, 3] }, { mergingIntList: [3, 1] }), { mergingIntList: [2, 3, 1] });
  });

  test('$setElementOrder and $deleteFromPrimitiveList', () => {
    assert.deepEqual(apply({ mergingIntList: [1, 2, 4] }, { '$setElementOrder/mergingIntList': [1, 2, 3], mergingIntList: [3] }), { mergingIntList: [1, 2, 3, 4] });
    assert.deepEqual(apply({ mergingIntList: [1, 4, 2] }, { '$setElementOrder/mergingIntList': [3, 1, 2], mergingIntList: [3] }), { mergingIntList: [3, 1, 4, 2] });
    const both = { '$setElementOrder/mergingIntList': [2, 1], '$deleteFromPrimitiveList/mergingIntList': [3] };
    assert.deepEqual(apply({ mergingIntList: [1, 2, 3] }, both), { mergingIntList: [2, 1] });
    const nested = { retainKeysMap: { $retainKeys: ['mergingIntList', 'name'], mergingIntList: [5], '$deleteFromPrimitiveList/mergingIntList': [2], '$setElementOrder/mergingIntList': [1, 3, 5] } };
    assert.deepEqual(apply({ retainKeysMap: { name: 'foo', mergingIntList: [1, 2, 3, 4] } }, nested), { retainKeysMap: { name: 'foo', mergingIntList: [1, 3, 5, 4] } });
  });

  test('a deletion list for a missing list creates nothing', () => {
    assert.deepEqual(apply({ name: 'x' }, { '$deleteFromPrimitiveList/mergingIntList': [1] }), { name: 'x' });
  });
});

describe('bad patches', () => {
  test('a patch that is not an object is a 400', () => {
    assertFails({}, [], 400, 'cannot unmarshal array');
  });

  test('badly formed directives are a 400', () => {
    assertFails({ retainKeysMap: {} }, { retainKeysMap: { $retainKeys: 'name' } }, 400, 'invalid patch format of retainKeys');
    assertFails({ retainKeysMap: { name: 'a' } }, { retainKeysMap: { $retainKeys: ['name'], value: 'v' } }, 400, 'invalid patch format of retainKeys');
    assertFails({ mergingIntList: [1] }, { $deleteFromPrimitiveList: [1] }, 400, 'invalid patch format of primitive list');
    assertFails({ mergingIntList: [1] }, { $setElementOrderX: [1] }, 400, 'invalid patch format of setElementOrder list');
  });

  test('lists of lists are a 422', () => {
    assertFails({ mergingIntList: [[1]] }, { mergingIntList: [[2]] }, 422, 'lists of lists are not supported');
  });

  test('unknown or unsupported $patch values and missing merge keys are a 500', () => {
    assertFails({ simpleMap: { a: 1 } }, { simpleMap: { $patch: 'merge' } }, 500, 'unknown patch type: merge in map: map[$patch:merge]');
    assertFails({ simpleMap: { a: 1 } }, { simpleMap: { $patch: 'bogus' } }, 500, 'unknown patch type: bogus');
    assertFails({ mergingList: [{ name: 1 }] }, { mergingList: [{ $patch: 'merge' }] }, 500, 'merging lists cannot yet be specified in the patch');
    assertFails({ mergingList: [{ name: 1 }] }, { mergingList: [{ value: 'x' }] }, 500, 'map: map[value:x] does not contain declared merge key: name');
    assertFails({ mergingList: [{ name: 1 }] }, { mergingList: [{ $patch: 'delete' }] }, 500, 'does not contain declared merge key');
    assertFails({ mergingList: [{ name: 1 }] }, { mergingList: ['x'] }, 500, 'list element types are not identical');
    assertFails({ mergingList: [] }, { '$setElementOrder/mergingList': 'x' }, 500, 'expected a []interface {}');
  });
});

test('inputs are never modified and the result shares nothing with them', () => {
  const original = { mergingList: [{ name: 1, value: 'a' }], simpleMap: { a: '1' } };
  const patch = { '$setElementOrder/mergingList': [{ name: 2 }, { name: 1 }], mergingList: [{ name: 2 }], simpleMap: { a: null } };
  const snapshot = structuredClone({ original, patch });
  const result = apply(original, patch) as { mergingList: Array<{ name: number; value?: string }> };
  assert.deepEqual({ original, patch }, snapshot);
  assert.deepEqual(result, { mergingList: [{ name: 2 }, { name: 1, value: 'a' }], simpleMap: {} });
  result.mergingList[1].value = 'changed';
  assert.equal(original.mergingList[0].value, 'a');
});

test('directives left in appended elements do not reach the result', () => {
  const patch = { mergingList: [{ name: 2, '$setElementOrder/mergingList': [{ name: 'x' }], mergingList: [{ name: 'x' }] }] };
  assert.deepEqual(apply({ mergingList: [{ name: 1 }] }, patch), { mergingList: [{ name: 2, mergingList: [{ name: 'x' }] }, { name: 1 }] });
});
