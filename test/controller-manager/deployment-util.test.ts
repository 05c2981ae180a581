// The Deployment controller's arithmetic: the template hash, maxSurge/maxUnavailable rounding, and
// the revision annotations a rollback reuses.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Deployment, ReplicaSet } from '../../shared/api/apps.ts';
import { computeHash, safeEncodeString } from '../../controller-manager/controllers/deployment/hash.ts';
import { equalIgnoreHash, maxSurge, maxUnavailable, resolveFenceposts } from '../../controller-manager/controllers/deployment/replicasets.ts';
import { setNewReplicaSetAnnotations } from '../../controller-manager/controllers/deployment/annotations.ts';

const deployment = (spec: Record<string, unknown>) => Deployment.parse({
  metadata: { name: 'd', annotations: { team: 'blue', 'kubectl.kubernetes.io/last-applied-configuration': '{}' } },
  spec: { selector: { matchLabels: { app: 'd' } }, template: { metadata: { labels: { app: 'd' } }, spec: { containers: [{ name: 'c', image: 'x' }] } }, ...spec },
});

describe('pod-template-hash', () => {
  test('SafeEncodeString maps each character into the consonant-and-digit alphabet', () => {
    // '0' is 48: 48 % 27 = 21 -> '4'; '1' -> '5'; '9' (57) -> 57 % 27 = 3 -> 'f'.
    assert.equal(safeEncodeString('019'), '45f');
  });

  test('stable, key-order independent, and changed by the template and the collision count', () => {
    const a = { metadata: { labels: { app: 'x', tier: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } };
    const b = { spec: { containers: [{ image: 'nginx', name: 'c' }] }, metadata: { labels: { tier: 'web', app: 'x' } } };
    const h = computeHash(a as never, undefined);
    assert.match(h, /^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
    assert.equal(computeHash(b as never, undefined), h);
    assert.notEqual(computeHash({ ...a, spec: { containers: [{ name: 'c', image: 'nginx:2' }] } } as never, undefined), h);
    assert.notEqual(computeHash(a as never, 1), h);
    assert.notEqual(computeHash(a as never, 1), computeHash(a as never, 2));
  });

  test('equalIgnoreHash ignores only the hash label', () => {
    const t = { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } };
    const hashed = { metadata: { labels: { app: 'x', 'pod-template-hash': 'abc' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } };
    assert.ok(equalIgnoreHash(t as never, hashed as never));
    assert.ok(!equalIgnoreHash(t as never, { ...hashed, spec: { containers: [{ name: 'c', image: 'other' }] } } as never));
  });
});

describe('maxSurge and maxUnavailable', () => {
  test('surge rounds up, unavailable rounds down', () => {
    assert.deepEqual(resolveFenceposts('25%', '25%', 10), { surge: 3, unavailable: 2 });
    assert.deepEqual(resolveFenceposts('30%', '30%', 5), { surge: 2, unavailable: 1 });
    assert.deepEqual(resolveFenceposts(2, 1, 5), { surge: 2, unavailable: 1 });
  });

  test('both resolving to zero allows one unavailable', () => {
    assert.deepEqual(resolveFenceposts('0%', '10%', 3), { surge: 0, unavailable: 1 });
  });

  test('Recreate has neither; maxUnavailable is capped at replicas', () => {
    assert.equal(maxSurge(deployment({ strategy: { type: 'Recreate' } })), 0);
    assert.equal(maxUnavailable(deployment({ strategy: { type: 'Recreate' } })), 0);
    assert.equal(maxUnavailable(deployment({ replicas: 2, strategy: { rollingUpdate: { maxSurge: 0, maxUnavailable: 5 } } })), 2);
    assert.equal(maxSurge(deployment({ replicas: 4 })), 1, 'default 25% of 4');
  });
});

describe('new ReplicaSet annotations', () => {
  const rs = (annotations?: Record<string, string>) => ReplicaSet.parse({
    metadata: { name: 'd-abc', annotations },
    spec: { selector: { matchLabels: { app: 'd' } }, template: { metadata: { labels: { app: 'd' } }, spec: { containers: [{ name: 'c', image: 'x' }] } } },
  });

  test('a new ReplicaSet gets the revision, replica annotations and the Deployment annotations except kubectl’s', () => {
    const target = rs();
    assert.ok(setNewReplicaSetAnnotations(deployment({ replicas: 4 }), target, 1, false));
    assert.deepEqual(target.metadata.annotations, {
      team: 'blue',
      'deployment.kubernetes.io/revision': '1',
      'deployment.kubernetes.io/desired-replicas': '4',
      'deployment.kubernetes.io/max-replicas': '5',
    });
  });

  test('reusing an old ReplicaSet (rollback) raises its revision and keeps the old one in revision-history', () => {
    const target = rs({ 'deployment.kubernetes.io/revision': '1', team: 'blue' });
    assert.ok(setNewReplicaSetAnnotations(deployment({}), target, 3, true));
    assert.equal(target.metadata.annotations?.['deployment.kubernetes.io/revision'], '3');
    assert.equal(target.metadata.annotations?.['deployment.kubernetes.io/revision-history'], '1');
    assert.ok(setNewReplicaSetAnnotations(deployment({}), target, 5, true));
    assert.equal(target.metadata.annotations?.['deployment.kubernetes.io/revision-history'], '1,3');
    // Nothing to change the second time round.
    assert.equal(setNewReplicaSetAnnotations(deployment({}), target, 5, true), false);
  });
});
