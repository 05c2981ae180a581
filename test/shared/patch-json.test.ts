import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { applyJsonPatch } from '../../shared/patch/json-patch.ts';
import { PatchError, PATCH_REJECTED_MESSAGE } from '../../shared/patch/errors.ts';

/** Asserts that applying fails with a PatchError of `code` whose message contains `fragment`. */
function assertFails(original: unknown, ops: unknown, code: number, fragment: string) {
  assert.throws(
    () => applyJsonPatch(original, ops),
    (e: unknown) => e instanceof PatchError && e.code === code && e.message.includes(fragment),
  );
}

describe('applyJsonPatch operations', () => {
  const doc = { a: { b: 'c' }, list: [1, 2, 3] };

  test('add sets an object member, replacing an existing one', () => {
    assert.deepEqual(applyJsonPatch(doc, [{ op: 'add', path: '/a/d', value: 'e' }]), { a: { b: 'c', d: 'e' }, list: [1, 2, 3] });
    assert.deepEqual(applyJsonPatch(doc, [{ op: 'add', path: '/a/b', value: 'x' }]), { a: { b: 'x' }, list: [1, 2, 3] });
  });

  test('add inserts into an array at an index, at its length, at "-" and at a negative index', () => {
    const list = (ops: unknown) => (applyJsonPatch(doc, ops) as typeof doc).list;
    assert.deepEqual(list([{ op: 'add', path: '/list/1', value: 9 }]), [1, 9, 2, 3]);
    assert.deepEqual(list([{ op: 'add', path: '/list/3', value: 9 }]), [1, 2, 3, 9]);
    assert.deepEqual(list([{ op: 'add', path: '/list/-', value: 9 }]), [1, 2, 3, 9]);
    assert.deepEqual(list([{ op: 'add', path: '/list/-1', value: 9 }]), [1, 2, 3, 9]);
    assert.deepEqual(list([{ op: 'add', path: '/list/-2', value: 9 }]), [1, 2, 9, 3]);
  });

  test('remove deletes a member or an element (negative indices count from the end)', () => {
    assert.deepEqual(applyJsonPatch(doc, [{ op: 'remove', path: '/a/b' }]), { a: {}, list: [1, 2, 3] });
    assert.deepEqual(applyJsonPatch(doc, [{ op: 'remove', path: '/list/0' }]), { a: { b: 'c' }, list: [2, 3] });
    assert.deepEqual(applyJsonPatch(doc, [{ op: 'remove', path: '/list/-1' }]), { a: { b: 'c' }, list: [1, 2] });
  });

  test('replace sets a value; like kube (json-patch v4) it also creates a missing object member', () => {
    assert.deepEqual(applyJsonPatch(doc, [{ op: 'replace', path: '/list/2', value: 'z' }]), { a: { b: 'c' }, list: [1, 2, 'z'] });
    assert.deepEqual(applyJsonPatch(doc, [{ op: 'replace', path: '/a/new', value: 1 }]), { a: { b: 'c', new: 1 }, list: [1, 2, 3] });
  });

  test('move and copy', () => {
    assert.deepEqual(applyJsonPatch(doc, [{ op: 'move', from: '/a/b', path: '/moved' }]), { a: {}, list: [1, 2, 3], moved: 'c' });
    assert.deepEqual(applyJsonPatch(doc, [{ op: 'move', from: '/list/0', path: '/list/-' }]), { a: { b: 'c' }, list: [2, 3, 1] });
    const copied = applyJsonPatch(doc, [{ op: 'copy', from: '/a', path: '/a2' }]) as Record<string, { b: string }>;
    assert.deepEqual(copied.a2, { b: 'c' });
    copied.a2.b = 'changed';
    assert.equal(copied.a.b, 'c', 'a copy is not shared with its source');
  });

  test('test passes on deep equality and lets the following operations run', () => {
    const ops = [
      { op: 'test', path: '/a', value: { b: 'c' } },
      { op: 'test', path: '/list', value: [1, 2, 3] },
      { op: 'replace', path: '/a/b', value: 'd' },
    ];
    assert.deepEqual(applyJsonPatch(doc, ops), { a: { b: 'd' }, list: [1, 2, 3] });
  });

  test('test of a missing member passes only against null', () => {
    assert.deepEqual(applyJsonPatch(doc, [{ op: 'test', path: '/nope', value: null }]), doc);
    assertFails(doc, [{ op: 'test', path: '/nope', value: 'x' }], 422, 'testing value /nope failed');
  });

  test('pointer escapes: ~1 is "/", ~0 is "~"', () => {
    const annotated = { metadata: { annotations: { 'example.com/a~b': 'old' } } };
    const ops = [{ op: 'replace', path: '/metadata/annotations/example.com~1a~0b', value: 'new' }];
    assert.deepEqual(applyJsonPatch(annotated, ops), { metadata: { annotations: { 'example.com/a~b': 'new' } } });
    // "~01" is "~1" literally, not "/".
    assert.deepEqual(applyJsonPatch({}, [{ op: 'add', path: '/~01', value: 1 }]), { '~1': 1 });
  });

  test('operations apply in order on a copy; the input is never modified', () => {
    const original = { spec: { replicas: 1 } };
    const result = applyJsonPatch(original, [
      { op: 'add', path: '/spec/paused', value: true },
      { op: 'remove', path: '/spec/paused' },
      { op: 'replace', path: '/spec/replicas', value: 3 },
    ]);
    assert.deepEqual(result, { spec: { replicas: 3 } });
    assert.deepEqual(original, { spec: { replicas: 1 } });
    assert.throws(() => applyJsonPatch(original, [{ op: 'replace', path: '/spec/replicas', value: 7 }, { op: 'test', path: '/spec/replicas', value: 1 }]));
    assert.deepEqual(original, { spec: { replicas: 1 } }, 'a failed patch leaves no partial change behind');
  });
});

describe('applyJsonPatch failures', () => {
  const doc = { a: { b: 'c' }, list: [1, 2] };

  test('a patch that is not a list of objects is a 400', () => {
    assertFails(doc, { op: 'add', path: '/x', value: 1 }, 400, 'cannot unmarshal object');
    assertFails(doc, ['add'], 400, 'cannot unmarshal string');
  });

  test('an unknown or missing op is a 422', () => {
    assertFails(doc, [{ op: 'merge', path: '/a' }], 422, 'Unexpected kind: merge');
    assertFails(doc, [{ path: '/a' }], 422, 'Unexpected kind: unknown');
  });

  test('a missing path or from field is a 422', () => {
    assertFails(doc, [{ op: 'add', value: 1 }], 422, 'missing path');
    assertFails(doc, [{ op: 'move', path: '/x' }], 422, 'missing from');
  });

  test('a path through a missing parent is a 422', () => {
    assertFails(doc, [{ op: 'add', path: '/missing/child', value: 1 }], 422, 'doc is missing path');
    assertFails(doc, [{ op: 'add', path: '/a/b/c', value: 1 }], 422, 'doc is missing path');
    assertFails(doc, [{ op: 'replace', path: '/list/5/x', value: 1 }], 422, 'doc is missing path');
  });

  test('the root pointer "" and pointers without a leading slash address nothing', () => {
    assertFails(doc, [{ op: 'replace', path: '', value: {} }], 422, 'missing path');
    assertFails(doc, [{ op: 'add', path: 'a', value: 1 }], 422, 'missing path');
  });

  test('removing a missing member is a 422', () => {
    assertFails(doc, [{ op: 'remove', path: '/a/zzz' }], 422, 'Unable to remove nonexistent key: zzz');
    assertFails(doc, [{ op: 'move', from: '/zzz', path: '/y' }], 422, 'nonexistent key: zzz');
  });

  test('bad array indices are a 422', () => {
    assertFails(doc, [{ op: 'add', path: '/list/3', value: 0 }], 422, 'invalid index: 3');
    assertFails(doc, [{ op: 'add', path: '/list/-4', value: 0 }], 422, 'invalid index: -4');
    assertFails(doc, [{ op: 'remove', path: '/list/2' }], 422, 'invalid index: 2');
    assertFails(doc, [{ op: 'replace', path: '/list/2', value: 0 }], 422, 'invalid index: 2');
    assertFails(doc, [{ op: 'replace', path: '/list/-1', value: 0 }], 422, 'invalid index: -1');
    assertFails(doc, [{ op: 'add', path: '/list/x', value: 0 }], 422, 'not a proper array index');
  });

  test('a failed test is a 422 whose Status carries kube\'s fixed message', () => {
    let caught: unknown;
    try {
      applyJsonPatch(doc, [{ op: 'test', path: '/a/b', value: 'nope' }]);
    } catch (e) {
      caught = e;
    }
    assert.ok(caught instanceof PatchError);
    assert.equal(caught.code, 422);
    assert.match(caught.message, /testing value \/a\/b failed/);
    assert.deepEqual(caught.toStatusError().toStatus(), {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: PATCH_REJECTED_MESSAGE,
      reason: 'Invalid',
      details: {},
      code: 422,
    });
  });

  test('a 400 becomes a BadRequest Status with the cause as message', () => {
    try {
      applyJsonPatch(doc, 'nope');
      assert.fail('expected a failure');
    } catch (e) {
      assert.ok(e instanceof PatchError);
      const status = e.toStatusError().toStatus();
      assert.equal(status.code, 400);
      assert.equal(status.reason, 'BadRequest');
      assert.equal(status.message, e.message);
    }
  });
});

describe('what kubectl patch --type json sends', () => {
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', labels: { app: 'web' } },
    spec: { containers: [{ name: 'web', image: 'nginx:1.25' }, { name: 'log', image: 'fluentd' }] },
  };

  test('replace a container image by index', () => {
    const result = applyJsonPatch(pod, [{ op: 'replace', path: '/spec/containers/0/image', value: 'nginx:1.27' }]) as typeof pod;
    assert.equal(result.spec.containers[0].image, 'nginx:1.27');
    assert.equal(result.spec.containers[1].image, 'fluentd');
  });

  test('append a toleration to a missing list requires creating the list first', () => {
    assertFails(pod, [{ op: 'add', path: '/spec/tolerations/-', value: { key: 'k' } }], 422, 'doc is missing path');
    const result = applyJsonPatch(pod, [
      { op: 'add', path: '/spec/tolerations', value: [] },
      { op: 'add', path: '/spec/tolerations/-', value: { key: 'k', operator: 'Exists' } },
    ]) as { spec: { tolerations: unknown[] } };
    assert.deepEqual(result.spec.tolerations, [{ key: 'k', operator: 'Exists' }]);
  });

  test('remove a label, guarded by a test of the current value', () => {
    const ops = [
      { op: 'test', path: '/metadata/labels/app', value: 'web' },
      { op: 'remove', path: '/metadata/labels/app' },
    ];
    assert.deepEqual((applyJsonPatch(pod, ops) as typeof pod).metadata.labels, {});
  });
});
