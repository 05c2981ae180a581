import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { canonicalQuantity, compareQuantities, cpuMillis, memoryBytes, Quantity, ResourceList } from '../../shared/api/quantity.ts';

describe('quantities', () => {
  test('canonical form, as Kubernetes serializes quantities', () => {
    const cases: [string | number, string][] = [
      ['100m', '100m'], ['0.5', '500m'], ['1000m', '1'], ['1.5', '1500m'], [0.25, '250m'], [2, '2'],
      ['1Gi', '1Gi'], ['1024Mi', '1Gi'], ['1.5Gi', '1536Mi'], ['0.5Ki', '512'], ['1e3', '1e3'],
      ['2k', '2k'], ['1000k', '1M'], ['0', '0'], ['.5', '500m'], ['-1', '-1'], ['0.0000000001', '1n'],
    ];
    for (const [input, want] of cases) assert.equal(canonicalQuantity(input), want, `${input}`);
  });

  test('cpu in millicores and memory in bytes, rounded up', () => {
    assert.equal(cpuMillis('100m'), 100);
    assert.equal(cpuMillis('0.5'), 500);
    assert.equal(cpuMillis(2), 2000);
    assert.equal(cpuMillis('1n'), 1);
    assert.equal(memoryBytes('1Gi'), 1073741824);
    assert.equal(memoryBytes('128Mi'), 134217728);
    assert.equal(memoryBytes('1e3'), 1000);
    assert.equal(memoryBytes('2k'), 2000);
  });

  test('comparison is exact across formats', () => {
    assert.equal(compareQuantities('1', '1000m'), 0);
    assert.equal(compareQuantities('1Ki', '1k'), 1);
    assert.equal(compareQuantities('500m', '0.6'), -1);
  });

  test('malformed quantities are rejected with Kubernetes messages', () => {
    assert.throws(() => canonicalQuantity('abc'), /quantities must match the regular expression/);
    assert.throws(() => canonicalQuantity('1K'), /unable to parse quantity's suffix/);
    assert.throws(() => canonicalQuantity(''), /quantities must match/);
  });

  test('schemas accept strings and numbers and give canonical strings', () => {
    assert.equal(Quantity.parse(1.5), '1500m');
    assert.equal(Quantity.safeParse('lots').success, false);
    // Resource lists are rounded up to milli precision by Kubernetes' defaulting.
    assert.deepEqual(ResourceList.parse({ cpu: '0.1m', memory: '1Gi' }), { cpu: '1m', memory: '1Gi' });
    assert.doesNotThrow(() => z.toJSONSchema(ResourceList, { io: 'input', unrepresentable: 'any' }));
  });
});
