import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  generateName, isConfigMapKey, isDNS1035Label, isDNS1123Label, isDNS1123Subdomain, isEnvVarName, isQualifiedName,
  isValidLabelValue, isValidPortName, validateName,
} from '../../shared/api/names.ts';

describe('DNS names', () => {
  test('subdomain: Kubernetes message with the regex', () => {
    assert.deepEqual(isDNS1123Subdomain('example.com'), []);
    assert.deepEqual(isDNS1123Subdomain('Example'), [
      "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    ]);
    assert.deepEqual(isDNS1123Subdomain('a'.repeat(254)), ['must be no more than 253 characters']);
  });

  test('label: dots are called out, other mistakes get the regex message', () => {
    assert.deepEqual(isDNS1123Label('my-name'), []);
    assert.deepEqual(isDNS1123Label('a.b'), ['must not contain dots']);
    assert.deepEqual(isDNS1123Label('-a'), [
      "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
    ]);
    assert.deepEqual(isDNS1123Label('a'.repeat(64)), ['must be no more than 63 characters']);
  });

  test('DNS-1035 labels must start with a letter', () => {
    assert.deepEqual(isDNS1035Label('abc-1'), []);
    assert.equal(isDNS1035Label('1abc').length, 1);
  });

  test('validateName follows the rule, and accepts a trailing dash for generateName prefixes', () => {
    assert.deepEqual(validateName('dns1123-subdomain', 'a.b'), []);
    assert.deepEqual(validateName('dns1123-label', 'a.b'), ['must not contain dots']);
    assert.equal(validateName('dns1123-subdomain', 'web-').length, 1);
    assert.deepEqual(validateName('dns1123-subdomain', 'web-', true), []);
  });
});

describe('qualified names and label values', () => {
  test('qualified names: prefix and name parts', () => {
    assert.deepEqual(isQualifiedName('app.kubernetes.io/name'), []);
    assert.deepEqual(isQualifiedName('/x'), ['prefix part must be non-empty']);
    assert.deepEqual(isQualifiedName('Foo.com/x'), [
      "prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    ]);
    assert.deepEqual(isQualifiedName('a/b/c').length, 1);
    assert.match(isQualifiedName('a/b/c')[0], /^a qualified name must consist of .* with an optional DNS subdomain prefix and '\/' \(e.g. 'example.com\/MyName'\)$/);
    assert.deepEqual(isQualifiedName('bad key'), [
      "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
    ]);
  });

  test('label values: may be empty, at most 63 characters', () => {
    assert.deepEqual(isValidLabelValue(''), []);
    assert.deepEqual(isValidLabelValue('My_value.1'), []);
    assert.ok(isValidLabelValue('a'.repeat(64)).includes('must be no more than 63 characters'));
    assert.equal(isValidLabelValue('-x').length, 1);
  });

  test('port names, env var names, config keys', () => {
    assert.deepEqual(isValidPortName('http'), []);
    assert.deepEqual(isValidPortName('8080'), ['must contain at least one letter (a-z)']);
    assert.deepEqual(isEnvVarName('MY_VAR'), []);
    assert.equal(isEnvVarName('1VAR').length, 1);
    assert.deepEqual(isConfigMapKey('..x'), ["must not start with '..'"]);
    assert.deepEqual(isConfigMapKey('config.yaml'), []);
  });
});

describe('generateName', () => {
  test('appends 5 characters from the Kubernetes alphabet', () => {
    const name = generateName('web-');
    assert.match(name, /^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  });

  test('truncates the base so the name stays within 63 characters', () => {
    const name = generateName('x'.repeat(100));
    assert.equal(name.length, 63);
    assert.ok(name.startsWith('x'.repeat(58)));
  });
});
