import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { tableFor } from '../../apiserver/tables/index.ts';

const now = new Date('2024-05-01T12:00:00Z');
const ago = (seconds: number) => new Date(now.getTime() - seconds * 1000).toISOString();
const rowsOf = (plural: string, group: string, objects: unknown[]) => tableFor(plural, group, objects, { includeObject: 'None', now }).rows.map((r) => r.cells);
const columnsOf = (plural: string, group: string) => (tableFor(plural, group, [], { includeObject: 'None', now }).columnDefinitions ?? []).map((c) => `${c.name}${c.priority ? '*' : ''}`);

const template = {
  metadata: { labels: { app: 'web' } },
  spec: { containers: [{ name: 'nginx', image: 'nginx:1.27' }, { name: 'sidecar', image: 'busybox' }], nodeSelector: { 'kubernetes.io/os': 'linux' } },
};

describe('deployments', () => {
  test('columns', () => {
    assert.deepEqual(columnsOf('deployments', 'apps'), ['Name', 'Ready', 'Up-to-date', 'Available', 'Age', 'Containers*', 'Images*', 'Selector*']);
  });

  test('READY is ready/desired; UP-TO-DATE and AVAILABLE are numbers; wide cells', () => {
    const d = {
      metadata: { name: 'web', creationTimestamp: ago(2 * 86400 + 3 * 3600) },
      spec: { replicas: 3, selector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['db'] }] }, template },
      status: { replicas: 3, updatedReplicas: 3, readyReplicas: 2, availableReplicas: 2 },
    };
    assert.deepEqual(rowsOf('deployments', 'apps', [d]), [['web', '2/3', 3, 2, '2d3h', 'nginx,sidecar', 'nginx:1.27,busybox', 'app=web,tier notin (db)']]);
  });

  test('a new deployment without status, and an invalid selector', () => {
    const d = { metadata: { name: 'new', creationTimestamp: ago(1) }, spec: { replicas: 2, selector: { matchExpressions: [{ key: 'a', operator: 'Bogus' }] }, template } };
    assert.deepEqual(rowsOf('deployments', 'apps', [d])[0].slice(1, 5), ['0/2', 0, 0, '1s']);
    assert.equal(rowsOf('deployments', 'apps', [d])[0][7], '<invalid>');
  });
});

describe('replicasets and daemonsets', () => {
  test('replicaset: DESIRED CURRENT READY as integers', () => {
    assert.deepEqual(columnsOf('replicasets', 'apps'), ['Name', 'Desired', 'Current', 'Ready', 'Age', 'Containers*', 'Images*', 'Selector*']);
    const rs = { metadata: { name: 'web-5d4f', creationTimestamp: ago(90) }, spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template }, status: { replicas: 3, readyReplicas: 1 } };
    assert.deepEqual(rowsOf('replicasets', 'apps', [rs]), [['web-5d4f', 3, 3, 1, '90s', 'nginx,sidecar', 'nginx:1.27,busybox', 'app=web']]);
  });

  test('daemonset: counts, node selector, selector', () => {
    assert.deepEqual(columnsOf('daemonsets', 'apps'), ['Name', 'Desired', 'Current', 'Ready', 'Up-to-date', 'Available', 'Node Selector', 'Age', 'Containers*', 'Images*', 'Selector*']);
    const ds = {
      metadata: { name: 'proxy', creationTimestamp: ago(600) },
      spec: { selector: { matchLabels: { app: 'proxy' } }, template },
      status: { desiredNumberScheduled: 2, currentNumberScheduled: 2, numberReady: 1, updatedNumberScheduled: 2, numberAvailable: 1 },
    };
    assert.deepEqual(rowsOf('daemonsets', 'apps', [ds]), [['proxy', 2, 2, 1, 2, 1, 'kubernetes.io/os=linux', '10m', 'nginx,sidecar', 'nginx:1.27,busybox', 'app=proxy']]);
  });


});

describe('jobs', () => {
  test('jobs: STATUS COMPLETIONS DURATION', () => {
    assert.deepEqual(columnsOf('jobs', 'batch'), ['Name', 'Status', 'Completions', 'Duration', 'Age', 'Containers*', 'Images*', 'Selector*']);
    const job = (over: object) => ({ metadata: { name: 'pi', creationTimestamp: ago(120) }, spec: { completions: 1, parallelism: 1, template, selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'u1' } } }, ...over });
    const complete = job({ status: { succeeded: 1, startTime: ago(100), completionTime: ago(90), conditions: [{ type: 'SuccessCriteriaMet', status: 'True' }, { type: 'Complete', status: 'True' }] } });
    assert.deepEqual(rowsOf('jobs', 'batch', [complete])[0], ['pi', 'Complete', '1/1', '10s', '2m', 'nginx,sidecar', 'nginx:1.27,busybox', 'batch.kubernetes.io/controller-uid=u1']);
    const runningJob = job({ status: { startTime: ago(100) } });
    assert.deepEqual(rowsOf('jobs', 'batch', [runningJob])[0].slice(1, 4), ['Running', '0/1', '100s']);
    const failed = job({ status: { failed: 6, startTime: ago(100), conditions: [{ type: 'Failed', status: 'True' }] } });
    assert.equal(rowsOf('jobs', 'batch', [failed])[0][1], 'Failed');
    const suspended = job({ status: { conditions: [{ type: 'Suspended', status: 'True' }] } });
    assert.deepEqual(rowsOf('jobs', 'batch', [suspended])[0].slice(1, 4), ['Suspended', '0/1', '']);
    const deleting = job({ metadata: { name: 'pi', creationTimestamp: ago(120), deletionTimestamp: ago(0) }, status: { startTime: ago(100) } });
    assert.equal(rowsOf('jobs', 'batch', [deleting])[0][1], 'Terminating');
    const workQueue = job({ spec: { parallelism: 3, template }, status: { succeeded: 1, startTime: ago(100) } });
    assert.equal(rowsOf('jobs', 'batch', [workQueue])[0][2], '1/1 of 3');
  });

});
