import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { checkFieldLabels, escapeFieldValue, fieldSelectorFromSet, parseFieldSelector } from '../../shared/selectors/fields.ts';
import { SelectorParseError } from '../../shared/selectors/selector-error.ts';

const parseError = (s: string): SelectorParseError => {
  try {
    parseFieldSelector(s);
  } catch (e) {
    assert.ok(e instanceof SelectorParseError);
    return e;
  }
  assert.fail(`${JSON.stringify(s)} parsed, expected an error`);
};

describe('field selectors', () => {
  const pod = { 'metadata.name': 'web-1', 'metadata.namespace': 'default', 'spec.nodeName': 'node-a', 'status.phase': 'Running' };

  test('=, == and != terms, ANDed by commas', () => {
    assert.equal(parseFieldSelector('metadata.name=web-1').matches(pod), true);
    assert.equal(parseFieldSelector('metadata.name==web-1').matches(pod), true);
    assert.equal(parseFieldSelector('metadata.name=web-2').matches(pod), false);
    assert.equal(parseFieldSelector('status.phase!=Pending').matches(pod), true);
    assert.equal(parseFieldSelector('status.phase!=Running').matches(pod), false);
    assert.equal(parseFieldSelector('metadata.name=web-1,spec.nodeName=node-a').matches(pod), true);
    assert.equal(parseFieldSelector('metadata.name=web-1,spec.nodeName=node-b').matches(pod), false);
  });

  test('an absent field reads as "": spec.nodeName!= selects scheduled objects', () => {
    const sel = parseFieldSelector('spec.nodeName!=');
    assert.equal(sel.matches(pod), true);
    assert.equal(sel.matches({ 'metadata.name': 'pending' }), false);
    assert.equal(sel.matches({ 'spec.nodeName': '' }), false);
    assert.equal(parseFieldSelector('spec.nodeName=').matches({}), true);
  });

  test('requirements() lists every field; == is reported as =', () => {
    const reqs = parseFieldSelector('spec.nodeName==a,metadata.name!=b').requirements();
    assert.deepEqual(reqs, [
      { field: 'metadata.name', operator: '!=', value: 'b' },
      { field: 'spec.nodeName', operator: '=', value: 'a' },
    ]);
  });

  test('empty selectors: "", and only commas', () => {
    assert.equal(parseFieldSelector('').empty(), true);
    assert.equal(parseFieldSelector(',,').empty(), true);
    assert.equal(parseFieldSelector('').matches(pod), true);
    assert.equal(parseFieldSelector('a=b').empty(), false);
  });

  test('whitespace is not trimmed: it is part of the field name and value', () => {
    const sel = parseFieldSelector('metadata.name= web-1');
    assert.equal(sel.requirements()[0].value, ' web-1');
    assert.equal(sel.matches(pod), false);
  });

  test('escaped commas, equals signs and backslashes in values', () => {
    const sel = parseFieldSelector('metadata.annotation=a\\,b\\=c\\\\d,x=y');
    assert.deepEqual(sel.requirements().map((r) => r.value), ['a,b=c\\d', 'y']);
    assert.equal(sel.toString(), 'metadata.annotation=a\\,b\\=c\\\\d,x=y');
    assert.equal(escapeFieldValue('a,b=c\\'), 'a\\,b\\=c\\\\');
    assert.equal(parseFieldSelector(`f=${escapeFieldValue('x,=\\y')}`).matches({ f: 'x,=\\y' }), true);
  });

  test('requiresExactMatch', () => {
    assert.equal(parseFieldSelector('metadata.name=x,spec.nodeName!=').requiresExactMatch('metadata.name'), 'x');
    assert.equal(parseFieldSelector('spec.nodeName!=a').requiresExactMatch('spec.nodeName'), undefined);
  });

  test('kube error messages', () => {
    assert.equal(parseError('metadata.name').message, "invalid selector: 'metadata.name'; can't understand 'metadata.name'");
    assert.equal(parseError('a=b,c').message, "invalid selector: 'a=b,c'; can't understand 'c'");
    assert.equal(parseError('a=b=c').message, 'invalid field selector: unescaped character in value: 61');
    assert.equal(parseError('a=b\\x').message, 'invalid field selector: invalid escape sequence: \\x');
    assert.equal(parseError('a=b\\').message, 'invalid field selector: invalid escape sequence: \\');
    assert.equal(parseError('a').code, 400);
  });

  test('checkFieldLabels rejects unsupported fields with kube\'s message', () => {
    const supported = ['metadata.name', 'metadata.namespace', 'spec.nodeName'];
    checkFieldLabels(parseFieldSelector('spec.nodeName=a,metadata.name=b'), supported);
    assert.throws(
      () => checkFieldLabels(parseFieldSelector('metadata.name=a,spec.schedulerName=x'), supported),
      (e: unknown) => e instanceof SelectorParseError && e.message === 'field label not supported: spec.schedulerName' && e.code === 400,
    );
  });

  test('transform rewrites terms and drops the ones turned into ("", "")', () => {
    const sel = parseFieldSelector('name=a,drop=me').transform((f, v) => (f === 'drop' ? ['', ''] : [`metadata.${f}`, v]));
    assert.equal(sel.toString(), 'metadata.name=a');
  });

  test('fieldSelectorFromSet', () => {
    const sel = fieldSelectorFromSet({ 'metadata.name': 'web-1', 'spec.nodeName': 'node-a' });
    assert.equal(sel.matches(pod), true);
    assert.equal(sel.matches({ ...pod, 'spec.nodeName': 'x' }), false);
  });
});
