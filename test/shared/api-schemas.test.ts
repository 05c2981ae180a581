import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { Scale } from '../../shared/api/autoscaling.ts';
import { Binding } from '../../shared/api/core.ts';
import { DeleteOptions, listOf } from '../../shared/api/meta.ts';
import { resourceTypes } from '../../shared/api/registry.ts';
import { parseObject } from '../../shared/api/validation.ts';

describe('schemas', () => {
  test('every schema converts to JSON Schema (for the OpenAPI document)', () => {
    const schemas: [string, z.ZodType][] = [
      ...resourceTypes.map((t) => [t.kind, t.schema] as [string, z.ZodType]),
      ['Scale', Scale], ['Binding', Binding], ['DeleteOptions', DeleteOptions], ['PodList', listOf(resourceTypes[0].schema)],
    ];
    for (const [kind, schema] of schemas) {
      const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as { type?: string; properties?: Record<string, unknown> };
      assert.equal(json.type, 'object', kind);
      assert.ok(json.properties?.metadata || kind === 'DeleteOptions', kind);
    }
  });

  test('apiVersion and kind default from the schema, and a foreign kind is rejected', () => {
    for (const t of resourceTypes) {
      const json = z.toJSONSchema(t.schema, { io: 'input', unrepresentable: 'any' }) as { properties: Record<string, { default?: unknown }> };
      assert.equal(json.properties.kind.default, t.kind);
    }
    const result = parseObject(resourceTypes[0].schema, { kind: 'Other', metadata: { name: 'x' } });
    assert.equal(result.ok, false);
  });

  test('Scale and Binding', () => {
    assert.deepEqual(Scale.parse({ metadata: { name: 'web' }, spec: { replicas: 3 } }), {
      apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'web' }, spec: { replicas: 3 }, status: { replicas: 0 },
    });
    const bad = parseObject(Scale, { spec: { replicas: -1 } });
    assert.deepEqual(bad, { ok: false, causes: [{ reason: 'FieldValueInvalid', field: 'spec.replicas', message: 'Invalid value: -1: must be greater than or equal to 0' }] });
    assert.deepEqual(parseObject(Binding, { metadata: { name: 'p' }, target: { kind: 'Pod' } }), {
      ok: false,
      causes: [
        { reason: 'FieldValueNotSupported', field: 'target.kind', message: 'Unsupported value: "Pod": supported values: "Node", "<empty>"' },
        { reason: 'FieldValueRequired', field: 'target.name', message: 'Required value' },
      ],
    });
    assert.equal(parseObject(Binding, { metadata: { name: 'p' }, target: { kind: 'Node', name: 'n1' } }).ok, true);
  });
});
