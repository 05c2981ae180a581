import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseIncludeObject, printerFor, tableFor, tableForObject } from '../../apiserver/tables/index.ts';
import { defaultPrinter } from '../../apiserver/tables/default.ts';
import { StatusError } from '../../shared/errors.ts';

const now = new Date('2024-05-01T12:00:00Z');
const cm = {
  kind: 'ConfigMap',
  apiVersion: 'v1',
  metadata: { name: 'cfg', namespace: 'default', uid: 'u-1', resourceVersion: '42', creationTimestamp: '2024-05-01T11:00:00Z', labels: { a: 'b' } },
  data: { k: 'v' },
};

describe('the Table envelope', () => {
  test('kind, apiVersion, metadata from the list, column definitions with all five fields', () => {
    const t = tableFor('configmaps', '', [cm], { includeObject: 'Metadata', now, listMeta: { resourceVersion: '100', continue: 'tok', remainingItemCount: 3 } });
    assert.equal(t.kind, 'Table');
    assert.equal(t.apiVersion, 'meta.k8s.io/v1');
    assert.deepEqual(t.metadata, { resourceVersion: '100', continue: 'tok', remainingItemCount: 3 });
    assert.deepEqual(Object.keys((t.columnDefinitions ?? [])[0]).sort(), ['description', 'format', 'name', 'priority', 'type']);
    assert.deepEqual((t.columnDefinitions ?? []).map((c) => [c.name, c.type, c.format]), [['Name', 'string', 'name'], ['Data', 'string', ''], ['Age', 'string', '']]);
    assert.deepEqual(t.rows[0].cells, ['cfg', 1, '60m']);
  });

  test('empty listMeta fields are left out, as Go omits them', () => {
    const t = tableFor('configmaps', '', [], { includeObject: 'Metadata', now, listMeta: { resourceVersion: '', continue: '' } });
    assert.deepEqual(t.metadata, {});
    assert.deepEqual(t.rows, []);
  });

  test('includeObject=Metadata gives PartialObjectMetadata (kubectl uses it for NAMESPACE and --show-labels)', () => {
    const t = tableFor('configmaps', '', [cm], { includeObject: 'Metadata', now });
    assert.deepEqual(t.rows[0].object, { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: cm.metadata });
    const beta = tableFor('configmaps', '', [cm], { includeObject: 'Metadata', now, version: 'v1beta1' });
    assert.equal(beta.apiVersion, 'meta.k8s.io/v1beta1');
    assert.equal((beta.rows[0].object as { apiVersion: string }).apiVersion, 'meta.k8s.io/v1beta1');
  });

  test('includeObject=Object embeds the object, None gives null', () => {
    assert.equal(tableFor('configmaps', '', [cm], { includeObject: 'Object', now }).rows[0].object, cm);
    const none = tableFor('configmaps', '', [cm], { includeObject: 'None', now });
    assert.equal(none.rows[0].object, null);
    assert.match(JSON.stringify(none), /"object":null/);
  });

  test('row conditions appear only where kube sets them', () => {
    const done = { metadata: { name: 'p', creationTimestamp: '2024-05-01T11:59:00Z' }, spec: { containers: [{ name: 'a' }] }, status: { phase: 'Succeeded' } };
    const t = tableFor('pods', '', [done, { ...done, status: { phase: 'Running' } }], { includeObject: 'None', now });
    assert.equal(t.rows[0].conditions?.[0].type, 'Completed');
    assert.equal('conditions' in t.rows[1], false);
  });

  test('tableForObject takes the resourceVersion of the object, as a single GET does', () => {
    const t = tableForObject('configmaps', '', cm, { includeObject: 'Metadata', now });
    assert.deepEqual(t.metadata, { resourceVersion: '42' });
    assert.equal(t.rows.length, 1);
  });

  test('column definitions are copies: editing one table does not change the next', () => {
    const a = tableFor('configmaps', '', [], { includeObject: 'None', now });
    if (a.columnDefinitions) a.columnDefinitions[0].name = 'changed';
    assert.equal(tableFor('configmaps', '', [], { includeObject: 'None', now }).columnDefinitions?.[0].name, 'Name');
  });

  test('noHeaders (watch events after the first) gives null column definitions and the same cells', () => {
    const t = tableFor('configmaps', '', [cm], { includeObject: 'None', now, noHeaders: true });
    assert.equal(t.columnDefinitions, null);
    assert.match(JSON.stringify(t), /"columnDefinitions":null/);
    assert.deepEqual(t.rows[0].cells, ['cfg', 1, '60m']);
  });
});

describe('kinds without a printer', () => {
  test('get kube\'s default: NAME and CREATED AT as an RFC 3339 time', () => {
    assert.equal(printerFor('clusterroles', 'rbac.authorization.k8s.io'), defaultPrinter);
    assert.equal(printerFor('pods', 'example.com'), defaultPrinter);
    const role = { metadata: { name: 'admin', creationTimestamp: '2024-04-30T08:15:30.123Z' } };
    const t = tableFor('clusterroles', 'rbac.authorization.k8s.io', [role, { metadata: { name: 'x' } }], { includeObject: 'Metadata', now });
    assert.deepEqual((t.columnDefinitions ?? []).map((c) => [c.name, c.type, c.format]), [['Name', 'string', 'name'], ['Created At', 'date', '']]);
    assert.deepEqual(t.rows.map((r) => r.cells), [['admin', '2024-04-30T08:15:30Z'], ['x', '0001-01-01T00:00:00Z']]);
  });
});

describe('includeObject query parameter', () => {
  test('defaults to Metadata; accepts None, Metadata, Object', () => {
    assert.equal(parseIncludeObject(undefined), 'Metadata');
    assert.equal(parseIncludeObject(''), 'Metadata');
    assert.equal(parseIncludeObject('None'), 'None');
    assert.equal(parseIncludeObject('Object'), 'Object');
  });

  test('anything else is a 400 with kube\'s message', () => {
    assert.throws(
      () => parseIncludeObject('All'),
      (e: unknown) => e instanceof StatusError && e.code === 400 && e.message === 'unrecognized includeObject value: "All"',
    );
  });
});
