import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { humanDuration, shortHumanDuration, since } from '../../apiserver/tables/duration.ts';

const s = 1000;
const m = 60 * s;
const h = 60 * m;
const d = 24 * h;

describe('AGE formatting (duration.HumanDuration)', () => {
  const cases: [number, string][] = [
    [0, '0s'],
    [5 * s, '5s'],
    [59 * s, '59s'],
    [119 * s, '119s'],
    [2 * m, '2m'],
    [3 * m + 2 * s, '3m2s'],
    [9 * m + 59 * s, '9m59s'],
    [10 * m + 30 * s, '10m'],
    [179 * m, '179m'],
    [3 * h, '3h'],
    [5 * h + 3 * m, '5h3m'],
    [8 * h + 30 * m, '8h'],
    [47 * h, '47h'],
    [48 * h, '2d'],
    [2 * d + 3 * h, '2d3h'],
    [7 * d + 23 * h, '7d23h'],
    [8 * d, '8d'],
    [729 * d, '729d'],
    [730 * d, '2y'],
    [740 * d, '2y10d'],
    [9 * 365 * d, '9y'],
    [-1 * s, '0s'],
    [-1500, '0s'],
    [-2 * s, '<invalid>'],
  ];
  for (const [ms, want] of cases) test(`${ms}ms -> ${want}`, () => assert.equal(humanDuration(ms), want));
});

describe('duration.ShortHumanDuration', () => {
  const cases: [number, string][] = [
    [59 * s, '59s'], [60 * s, '1m'], [59 * m, '59m'], [h, '1h'], [23 * h, '23h'], [d, '1d'], [364 * d, '364d'], [365 * d, '1y'], [-3 * s, '<invalid>'],
  ];
  for (const [ms, want] of cases) test(`${ms}ms -> ${want}`, () => assert.equal(shortHumanDuration(ms), want));
});

test('since: the age of a timestamp, <unknown> when missing', () => {
  const now = new Date('2024-05-01T12:00:00Z');
  assert.equal(since('2024-04-29T09:00:00Z', now), '2d3h');
  assert.equal(since(undefined, now), '<unknown>');
  assert.equal(since(null, now), '<unknown>');
  assert.equal(since('', now), '<unknown>');
});
