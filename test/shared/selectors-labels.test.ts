import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { everything, nothing, parseLabelSelector, selectorFromSet } from '../../shared/selectors/labels.ts';
import { SelectorParseError } from '../../shared/selectors/selector-error.ts';
import { StatusError } from '../../shared/errors.ts';

const sel = (s: string) => parseLabelSelector(s);
const parseError = (s: string): SelectorParseError => {
  try {
    parseLabelSelector(s);
  } catch (e) {
    assert.ok(e instanceof SelectorParseError, `expected SelectorParseError for ${JSON.stringify(s)}, got ${String(e)}`);
    return e;
  }
  assert.fail(`${JSON.stringify(s)} parsed, expected an error`);
};

describe('label selector operators', () => {
  const labels = { app: 'web', tier: 'frontend', n: '5' };

  test('= and == require the key with that value', () => {
    assert.equal(sel('app=web').matches(labels), true);
    assert.equal(sel('app==web').matches(labels), true);
    assert.equal(sel('app=db').matches(labels), false);
    assert.equal(sel('missing=web').matches(labels), false);
  });

  test('!= matches a different value and objects without the key', () => {
    assert.equal(sel('app!=db').matches(labels), true);
    assert.equal(sel('app!=web').matches(labels), false);
    assert.equal(sel('missing!=x').matches(labels), true);
    assert.equal(sel('missing!=x').matches(undefined), true);
  });

  test('in and notin (notin also matches objects without the key)', () => {
    assert.equal(sel('tier in (frontend, backend)').matches(labels), true);
    assert.equal(sel('tier in (backend)').matches(labels), false);
    assert.equal(sel('missing in (x)').matches(labels), false);
    assert.equal(sel('tier notin (backend)').matches(labels), true);
    assert.equal(sel('tier notin (frontend,backend)').matches(labels), false);
    assert.equal(sel('missing notin (x)').matches(labels), true);
  });

  test('exists and does-not-exist', () => {
    assert.equal(sel('app').matches(labels), true);
    assert.equal(sel('missing').matches(labels), false);
    assert.equal(sel('!missing').matches(labels), true);
    assert.equal(sel('!app').matches(labels), false);
    assert.equal(sel('!app').matches(undefined), true);
  });

  test('gt and lt compare integers and never match non-integers or missing keys', () => {
    assert.equal(sel('n>4').matches(labels), true);
    assert.equal(sel('n>5').matches(labels), false);
    assert.equal(sel('n<6').matches(labels), true);
    assert.equal(sel('app>1').matches(labels), false);
    assert.equal(sel('missing<100').matches(labels), false);
  });

  test('comma-separated requirements are ANDed', () => {
    assert.equal(sel('app=web,tier=frontend').matches(labels), true);
    assert.equal(sel('app=web,tier=backend').matches(labels), false);
    assert.equal(sel('app,!missing,tier in (frontend)').matches(labels), true);
  });

  test('keys that look like Object.prototype members are not present labels', () => {
    assert.equal(sel('constructor').matches({}), false);
    assert.equal(sel('toString!=x').matches({}), true);
  });
});

describe('label selector parsing', () => {
  test('whitespace around tokens is ignored; values and keywords are separated by it', () => {
    const s = sel('  app  =  web ,\ttier\nin ( a , b ) , !\rx ');
    assert.equal(s.toString(), 'app=web,tier in (a,b),!x');
    assert.equal(s.matches({ app: 'web', tier: 'b' }), true);
  });

  test('requirements are sorted by key and in/notin values are a sorted set', () => {
    assert.equal(sel('z=1,a in (c,b,c),m').toString(), 'a in (b,c),m,z=1');
  });

  test('empty values: a=, a in (), a in (x,,y)', () => {
    assert.equal(sel('a=').matches({ a: '' }), true);
    assert.equal(sel('a=').matches({ a: 'x' }), false);
    assert.equal(sel('a in ()').requirements()[0].values.join('|'), '');
    assert.deepEqual(sel('x in (foo,,baz)').requirements()[0].values, ['', 'baz', 'foo']);
    assert.equal(sel('x in (foo,,baz)').toString(), 'x in (,baz,foo)');
  });

  test('"in" and "notin" are ordinary words where a value or key is expected', () => {
    const s = sel('in in (in, notin)');
    assert.equal(s.matches({ in: 'notin' }), true);
    assert.equal(s.requirements()[0].operator, 'in');
  });

  test('prefixed keys and every operator spelling round-trip through toString', () => {
    const text = 'example.com/app=web,k8s.io/x!=y,a==b,c notin (d),e>3,f<9,g,!h';
    const s = sel(text);
    assert.equal(parseLabelSelector(s.toString()).toString(), s.toString());
    assert.deepEqual(s.requirements().map((r) => r.key), ['a', 'c', 'e', 'example.com/app', 'f', 'g', 'h', 'k8s.io/x']);
    assert.equal(s.requirements().find((r) => r.key === 'e')?.operator, 'gt');
    assert.equal(s.requirements().find((r) => r.key === 'h')?.operator, '!');
    assert.equal(s.requirements().find((r) => r.key === 'a')?.operator, '==');
  });

  test('the empty string is the empty selector, which matches everything', () => {
    const s = sel('');
    assert.equal(s.empty(), true);
    assert.equal(s.matchesNothing(), false);
    assert.equal(s.matches(undefined), true);
    assert.equal(sel('   ').empty(), true);
  });

  test('requiresExactMatch reports a pinned value only', () => {
    assert.equal(sel('a=1,b in (2),c in (3,4),d!=5').requiresExactMatch('a'), '1');
    assert.equal(sel('a=1,b in (2)').requiresExactMatch('b'), '2');
    assert.equal(sel('c in (3,4)').requiresExactMatch('c'), undefined);
    assert.equal(sel('d!=5').requiresExactMatch('d'), undefined);
  });
});

describe('label selector errors carry kube messages and are 400 BadRequest', () => {
  test('the error is a StatusError with code 400 and reason BadRequest', () => {
    const e = parseError('a in');
    assert.ok(e instanceof StatusError);
    assert.equal(e.code, 400);
    assert.equal(e.toStatus().reason, 'BadRequest');
  });

  const cases: [string, string][] = [
    ['a in', "unable to parse requirement: found '' expected: '('"],
    ['a in (', "unable to parse requirement: found '', expected: ',', ')' or identifier"],
    ['a in (b,c', "unable to parse requirement: found '', expected: ',' or ')'"],
    ['a in (b c)', "unable to parse requirement: found 'c', expected: ',' or ')'"],
    ['a b', "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"],
    ['a=(b)', "unable to parse requirement: found '(', expected: identifier"],
    ['a=b c', "found 'c', expected: ',' or 'end of string'"],
    ['=a', "found '=', expected: !, identifier, or 'end of string'"],
    ['a,', "found '', expected: identifier after ','"],
    ['a,,b', "found ',', expected: identifier after ','"],
    ['!a=b', "found '=', expected: ',' or 'end of string'"],
    ['!', "unable to parse requirement: found '', expected: identifier"],
    ['a>x', `unable to parse requirement: values[0]: Invalid value: "x": for 'Gt', 'Lt' operators, the value must be an integer`],
  ];
  for (const [input, message] of cases) {
    test(`${JSON.stringify(input)} -> ${message}`, () => assert.equal(parseError(input).message, message));
  }

  test('invalid keys are reported with the qualified-name rules and a <nil> path', () => {
    assert.equal(
      parseError('a_=b').message,
      `unable to parse requirement: <nil>: Invalid value: "a_": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
    );
    assert.match(parseError('x/y/z').message, /^unable to parse requirement: <nil>: Invalid value: "x\/y\/z": a qualified name must consist of/);
    assert.match(parseError('Bad.Prefix/a').message, /prefix part a lowercase RFC 1123 subdomain must consist of/);
    assert.match(parseError('/a').message, /prefix part must be non-empty/);
    assert.match(parseError(`${'k'.repeat(64)}=v`).message, /name part must be no more than 63 characters/);
  });

  test('invalid values are reported under values[i][key]', () => {
    assert.equal(
      parseError('app=b@d').message,
      `unable to parse requirement: values[0][app]: Invalid value: "b@d": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`,
    );
    assert.match(parseError(`a=${'v'.repeat(64)}`).message, /values\[0\]\[a\]: Invalid value: "v{64}": must be no more than 63 characters$/);
    assert.match(parseError('a in (ok,-bad)').message, /values\[0\]\[a\]: Invalid value: "-bad"/);
  });
});

describe('selectors built in code', () => {
  test('everything() and nothing() are the two edge cases', () => {
    assert.equal(everything().matches({ a: 'b' }), true);
    assert.equal(everything().empty(), true);
    assert.equal(nothing().matches({ a: 'b' }), false);
    assert.equal(nothing().matches(undefined), false);
    assert.equal(nothing().empty(), false);
    assert.equal(nothing().matchesNothing(), true);
    assert.equal(nothing().toString(), '');
  });

  test('selectorFromSet matches supersets and sorts its requirements', () => {
    const s = selectorFromSet({ b: '2', a: '1' });
    assert.equal(s.toString(), 'a=1,b=2');
    assert.equal(s.matches({ a: '1', b: '2', c: '3' }), true);
    assert.equal(s.matches({ a: '1' }), false);
    assert.equal(selectorFromSet({}).empty(), true);
  });

  test('add returns a new sorted selector and leaves the original alone', () => {
    const base = sel('b=1');
    const more = base.add({ key: 'a', operator: 'exists', values: [] });
    assert.equal(more.toString(), 'a,b=1');
    assert.equal(base.toString(), 'b=1');
  });
});
