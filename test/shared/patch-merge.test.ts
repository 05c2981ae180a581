import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { applyMergePatch } from '../../shared/patch/merge-patch.ts';

describe('applyMergePatch (RFC 7386)', () => {
  // The examples of RFC 7386 appendix A.
  const rfcCases: Array<[unknown, unknown, unknown]> = [
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [['a', 'b'], ['c', 'd'], ['c', 'd']],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ];
  for (const [original, patch, expected] of rfcCases) {
    test(`${JSON.stringify(original)} + ${JSON.stringify(patch)}`, () => {
      assert.deepEqual(applyMergePatch(original, patch), expected);
    });
  }

  test('arrays are replaced whole, nulls inside them kept', () => {
    const pod = { spec: { tolerations: [{ key: 'a' }, { key: 'b' }] } };
    assert.deepEqual(applyMergePatch(pod, { spec: { tolerations: [{ key: 'c', value: null }] } }), {
      spec: { tolerations: [{ key: 'c', value: null }] },
    });
  });

  test('does not modify its inputs and shares nothing with them', () => {
    const original = { metadata: { labels: { a: '1' } }, spec: { x: { y: 1 } } };
    const patch = { metadata: { labels: { b: '2' } }, spec: { z: { w: 2 } } };
    const snapshot = structuredClone({ original, patch });
    const result = applyMergePatch(original, patch) as typeof original & { spec: { z: { w: number } } };
    assert.deepEqual({ original, patch }, snapshot);
    result.spec.x.y = 99;
    result.spec.z.w = 99;
    assert.equal(original.spec.x.y, 1);
    assert.equal(patch.spec.z.w, 2);
  });

  test('a "__proto__" key is data, not a prototype', () => {
    const patch = JSON.parse('{"metadata":{"__proto__":{"polluted":true}}}');
    const result = applyMergePatch({ metadata: {} }, patch) as { metadata: Record<string, unknown> };
    assert.equal(Object.getPrototypeOf(result.metadata), Object.prototype);
    assert.deepEqual(Object.keys(result.metadata), ['__proto__']);
    assert.equal((result.metadata as { polluted?: boolean }).polluted, undefined);
  });
});

describe('what kubectl sends as merge patches', () => {
  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', labels: { app: 'web', tier: 'frontend' }, annotations: { owner: 'team-a' } },
    spec: { replicas: 2, template: { spec: { containers: [{ name: 'web', image: 'nginx' }] } } },
  };

  test('kubectl label app=api tier-  (set one label, remove another)', () => {
    const result = applyMergePatch(deployment, { metadata: { labels: { app: 'api', tier: null } } });
    assert.deepEqual((result as typeof deployment).metadata.labels, { app: 'api' });
    assert.deepEqual((result as typeof deployment).metadata.annotations, { owner: 'team-a' });
  });

  test('kubectl label on an object without labels creates the map', () => {
    const result = applyMergePatch({ metadata: { name: 'x' } }, { metadata: { labels: { a: 'b', gone: null } } });
    assert.deepEqual(result, { metadata: { name: 'x', labels: { a: 'b' } } });
  });

  test('kubectl annotate owner-', () => {
    const result = applyMergePatch(deployment, { metadata: { annotations: { owner: null } } }) as typeof deployment;
    assert.deepEqual(result.metadata.annotations, {});
  });

  test('kubectl scale --replicas=5 leaves the rest of the spec alone', () => {
    const result = applyMergePatch(deployment, { spec: { replicas: 5 } }) as typeof deployment;
    assert.equal(result.spec.replicas, 5);
    assert.deepEqual(result.spec.template, deployment.spec.template);
  });

  test('kubectl patch --type merge replaces the containers list', () => {
    const patch = { spec: { template: { spec: { containers: [{ name: 'sidecar', image: 'busybox' }] } } } };
    const result = applyMergePatch(deployment, patch) as typeof deployment;
    assert.deepEqual(result.spec.template.spec.containers, [{ name: 'sidecar', image: 'busybox' }]);
  });
});
