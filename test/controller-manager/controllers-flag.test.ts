// --controllers with kube's syntax: '*' = every on-by-default controller, 'foo' on, '-foo' off, the
// first entry naming a controller decides, unknown names are errors; kube's long names
// ('replicaset-controller') and short ones ('replicaset') are the same controller.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { concurrencyFlagOf, enabledControllers } from '../../controller-manager/manager.ts';

const known = ['replicaset', 'deployment', 'endpoint', 'tokencleaner'];

describe('--controllers', () => {
  test("'*' enables all but the disabled-by-default ones", () => {
    assert.deepEqual(enabledControllers(['*'], known), ['replicaset', 'deployment', 'endpoint']);
    assert.deepEqual(enabledControllers(['*', 'tokencleaner'], known), ['replicaset', 'deployment', 'endpoint', 'tokencleaner']);
  });

  test("'-foo' disables, a bare name enables, without '*' only what is named runs", () => {
    assert.deepEqual(enabledControllers(['*', '-deployment'], known), ['replicaset', 'endpoint']);
    assert.deepEqual(enabledControllers(['replicaset'], known), ['replicaset']);
    assert.deepEqual(enabledControllers(['-deployment', 'deployment', '*'], known), ['replicaset', 'endpoint'], 'the first mention wins');
    assert.deepEqual(enabledControllers([], known), []);
  });

  test("kube's long names are aliases of the short ones", () => {
    assert.deepEqual(enabledControllers(['*', '-endpoints-controller', '-replicaset-controller'], known), ['deployment']);
    assert.deepEqual(enabledControllers(['deployment-controller'], known), ['deployment']);
  });

  test('unknown names are rejected; an empty registry works with the default', () => {
    assert.throws(() => enabledControllers(['*', '-nope'], known), /"-nope" is not in the list of known controllers/);
    assert.throws(() => enabledControllers(['nope'], []), /not in the list of known controllers/);
    assert.deepEqual(enabledControllers(['*'], []), []);
  });

  test("workers come from kube's --concurrent-*-syncs flag of each controller", () => {
    assert.deepEqual(concurrencyFlagOf('replicaset'), { flag: 'concurrent-replicaset-syncs', default: 5 });
    assert.deepEqual(concurrencyFlagOf('garbage-collector-controller'), { flag: 'concurrent-gc-syncs', default: 20 });
    assert.equal(concurrencyFlagOf('nodelifecycle'), undefined);
  });
});
