import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatLabels, formatLabelSelector, labelSelectorFromObject } from '../../shared/selectors/label-selector-object.ts';
import { SelectorParseError } from '../../shared/selectors/selector-error.ts';

describe('metav1.LabelSelector as a selector', () => {
  test('a missing selector matches nothing; an empty one matches everything', () => {
    const nil = labelSelectorFromObject(undefined);
    assert.equal(nil.matchesNothing(), true);
    assert.equal(nil.empty(), false);
    assert.equal(nil.matches({ app: 'web' }), false);
    assert.equal(labelSelectorFromObject(null).matches({}), false);

    const empty = labelSelectorFromObject({});
    assert.equal(empty.empty(), true);
    assert.equal(empty.matchesNothing(), false);
    assert.equal(empty.matches({ app: 'web' }), true);
    assert.equal(labelSelectorFromObject({ matchLabels: {}, matchExpressions: [] }).empty(), true);
  });

  test('matchLabels and matchExpressions are ANDed', () => {
    const sel = labelSelectorFromObject({
      matchLabels: { app: 'web' },
      matchExpressions: [
        { key: 'tier', operator: 'In', values: ['frontend', 'edge'] },
        { key: 'env', operator: 'NotIn', values: ['prod'] },
        { key: 'team', operator: 'Exists' },
        { key: 'legacy', operator: 'DoesNotExist' },
      ],
    });
    assert.equal(sel.toString(), 'app=web,env notin (prod),!legacy,team,tier in (edge,frontend)');
    assert.equal(sel.matches({ app: 'web', tier: 'edge', team: 'a' }), true);
    assert.equal(sel.matches({ app: 'web', tier: 'edge', team: 'a', env: 'prod' }), false);
    assert.equal(sel.matches({ app: 'web', tier: 'edge', team: 'a', legacy: '' }), false);
    assert.equal(sel.matches({ app: 'web', tier: 'core', team: 'a' }), false);
  });

  test('invalid selectors throw kube\'s messages', () => {
    assert.throws(
      () => labelSelectorFromObject({ matchExpressions: [{ key: 'a', operator: 'Gt', values: ['1'] }] }),
      (e: unknown) => e instanceof SelectorParseError && e.message === '"Gt" is not a valid label selector operator',
    );
    assert.throws(
      () => labelSelectorFromObject({ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] }),
      (e: unknown) => e instanceof SelectorParseError && e.message === "values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't be empty",
    );
    assert.throws(
      () => labelSelectorFromObject({ matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] }),
      (e: unknown) => e instanceof SelectorParseError && e.message === 'values: Invalid value: []string{"x"}: values set must be empty for exists and does not exist',
    );
    assert.throws(() => labelSelectorFromObject({ matchLabels: { 'bad key': 'v' } }), /^SelectorParseError: key: Invalid value: "bad key": name part must consist/);
  });

  test('formatLabelSelector and formatLabels, as kubectl shows them', () => {
    assert.equal(formatLabelSelector({ matchLabels: { b: '2', a: '1' } }), 'a=1,b=2');
    assert.equal(formatLabelSelector({}), '<none>');
    assert.equal(formatLabelSelector(undefined), '<none>');
    assert.equal(formatLabelSelector({ matchExpressions: [{ key: 'a', operator: 'Bogus' }] }), '<error>');
    assert.equal(formatLabels({ z: '1', a: '2' }), 'a=2,z=1');
    assert.equal(formatLabels({}), '<none>');
    assert.equal(formatLabels(undefined), '<none>');
  });
});
