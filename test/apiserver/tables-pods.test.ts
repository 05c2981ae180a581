import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { printPod, type PodView } from '../../apiserver/tables/pods.ts';
import { tableFor } from '../../apiserver/tables/index.ts';

const now = new Date('2024-05-01T12:00:00Z');
const ago = (seconds: number) => new Date(now.getTime() - seconds * 1000).toISOString();
const ctx = { now, wide: true };

function pod(over: { metadata?: PodView['metadata']; spec?: PodView['spec']; status?: PodView['status'] } = {}): PodView {
  return {
    metadata: { name: 'web', namespace: 'default', creationTimestamp: ago(300), ...over.metadata },
    spec: { nodeName: 'node-a', containers: [{ name: 'app', image: 'nginx' }], ...over.spec },
    status: { phase: 'Running', podIPs: [{ ip: '10.0.0.5' }], ...over.status },
  };
}

const running = { name: 'app', ready: true, restartCount: 0, state: { running: { startedAt: ago(290) } } };

describe('pod rows', () => {
  test('Running 1/1', () => {
    const row = printPod(pod({ status: { phase: 'Running', podIPs: [{ ip: '10.0.0.5' }], containerStatuses: [running] } }), ctx);
    assert.deepEqual(row.cells, ['web', '1/1', 'Running', '0', '5m', '10.0.0.5', 'node-a', '<none>', '<none>']);
    assert.equal(row.conditions, undefined);
  });

  test('Pending and not yet scheduled', () => {
    const row = printPod(
      pod({
        metadata: { name: 'pending', creationTimestamp: ago(10) },
        spec: { nodeName: '', containers: [{ name: 'a' }, { name: 'b' }] },
        status: { phase: 'Pending', podIPs: [], conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable' }] },
      }),
      ctx,
    );
    assert.deepEqual(row.cells, ['pending', '0/2', 'Pending', '0', '10s', '<none>', '<none>', '<none>', '<none>']);
  });

  test('a waiting container reason (ContainerCreating, ImagePullBackOff) becomes the status', () => {
    for (const reason of ['ContainerCreating', 'ImagePullBackOff', 'ErrImagePull']) {
      const row = printPod(pod({ status: { phase: 'Pending', containerStatuses: [{ name: 'app', ready: false, restartCount: 0, state: { waiting: { reason } } }] } }), ctx);
      assert.equal(row.cells[2], reason);
      assert.equal(row.cells[1], '0/1');
    }
  });

  test('CrashLoopBackOff with restarts shows when the last one was', () => {
    const row = printPod(
      pod({
        status: {
          phase: 'Running',
          containerStatuses: [{
            name: 'app',
            ready: false,
            restartCount: 2,
            state: { waiting: { reason: 'CrashLoopBackOff' } },
            lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: ago(5) } },
          }],
        },
      }),
      ctx,
    );
    assert.deepEqual(row.cells.slice(0, 5), ['web', '0/1', 'CrashLoopBackOff', '2 (5s ago)', '5m']);
  });

  test('restarts across containers add up and the latest termination wins', () => {
    const row = printPod(
      pod({
        spec: { containers: [{ name: 'a' }, { name: 'b' }] },
        status: {
          phase: 'Running',
          containerStatuses: [
            { ...running, name: 'a', restartCount: 1, lastState: { terminated: { exitCode: 1, finishedAt: ago(600) } } },
            { ...running, name: 'b', restartCount: 3, lastState: { terminated: { exitCode: 1, finishedAt: ago(130) } } },
          ],
        },
      }),
      ctx,
    );
    assert.deepEqual(row.cells.slice(1, 4), ['2/2', 'Running', '4 (2m10s ago)']);
  });

  test('Terminating once a deletionTimestamp is set, unless the pod already finished', () => {
    const deleting = pod({ metadata: { name: 'web', creationTimestamp: ago(300), deletionTimestamp: ago(-30) }, status: { phase: 'Running', containerStatuses: [running] } });
    assert.equal(printPod(deleting, ctx).cells[2], 'Terminating');
    const done = pod({
      metadata: { name: 'web', creationTimestamp: ago(300), deletionTimestamp: ago(-30) },
      status: { phase: 'Succeeded', containerStatuses: [{ name: 'app', ready: false, state: { terminated: { exitCode: 0, reason: 'Completed' } } }] },
    });
    assert.equal(printPod(done, ctx).cells[2], 'Completed');
    const lost = pod({ metadata: { name: 'web', deletionTimestamp: ago(0) }, status: { phase: 'Running', reason: 'NodeLost' } });
    assert.equal(printPod(lost, ctx).cells[2], 'Unknown');
  });

  test('Completed, with the Completed row condition kube adds for finished pods', () => {
    const row = printPod(
      pod({ status: { phase: 'Succeeded', containerStatuses: [{ name: 'app', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } }] } }),
      ctx,
    );
    assert.deepEqual(row.cells.slice(1, 4), ['0/1', 'Completed', '0']);
    assert.deepEqual(row.conditions, [{ type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' }]);
    const failed = printPod(pod({ status: { phase: 'Failed', containerStatuses: [{ name: 'app', state: { terminated: { exitCode: 137 } } }] } }), ctx);
    assert.equal(failed.cells[2], 'ExitCode:137');
    assert.equal(failed.conditions?.[0].reason, 'Failed');
    const signalled = printPod(pod({ status: { phase: 'Failed', containerStatuses: [{ name: 'app', state: { terminated: { exitCode: 0, signal: 9 } } }] } }), ctx);
    assert.equal(signalled.cells[2], 'Signal:9');
  });

  test('a completed container next to a running one: Running if the pod is Ready, else NotReady', () => {
    const statuses = [{ name: 'a', ready: false, state: { terminated: { exitCode: 0, reason: 'Completed' } } }, { ...running, name: 'b' }];
    const ready = pod({ spec: { containers: [{ name: 'a' }, { name: 'b' }] }, status: { phase: 'Running', containerStatuses: statuses, conditions: [{ type: 'Ready', status: 'True' }] } });
    assert.deepEqual(printPod(ready, ctx).cells.slice(1, 3), ['1/2', 'Running']);
    const notReady = pod({ spec: { containers: [{ name: 'a' }, { name: 'b' }] }, status: { phase: 'Running', containerStatuses: statuses, conditions: [{ type: 'Ready', status: 'False' }] } });
    assert.equal(printPod(notReady, ctx).cells[2], 'NotReady');
  });

  test('init containers: Init:0/1, Init:<reason>, Init:ExitCode, and restarts counted while initializing', () => {
    const spec = { containers: [{ name: 'app' }], initContainers: [{ name: 'init' }] };
    const withInit = (state: object, restartCount = 0) =>
      printPod(pod({ spec, status: { phase: 'Pending', initContainerStatuses: [{ name: 'init', ready: false, restartCount, state }], containerStatuses: [{ name: 'app', ready: false, state: { waiting: { reason: 'PodInitializing' } } }] } }), ctx);
    assert.deepEqual(withInit({ running: { startedAt: ago(3) } }).cells.slice(1, 4), ['0/1', 'Init:0/1', '0']);
    assert.equal(withInit({ waiting: { reason: 'PodInitializing' } }).cells[2], 'Init:0/1');
    assert.equal(withInit({ waiting: { reason: 'ImagePullBackOff' } }).cells[2], 'Init:ImagePullBackOff');
    assert.deepEqual(withInit({ waiting: { reason: 'CrashLoopBackOff' } }, 3).cells.slice(2, 4), ['Init:CrashLoopBackOff', '3']);
    assert.equal(withInit({ terminated: { exitCode: 2 } }).cells[2], 'Init:ExitCode:2');
    assert.equal(withInit({ terminated: { exitCode: 1, reason: 'Error' } }).cells[2], 'Init:Error');
    // Finished init containers are skipped; the second one is the one still running.
    const two = printPod(
      pod({
        spec: { containers: [{ name: 'app' }], initContainers: [{ name: 'a' }, { name: 'b' }] },
        status: { phase: 'Pending', initContainerStatuses: [{ name: 'a', state: { terminated: { exitCode: 0, reason: 'Completed' } } }, { name: 'b', state: { running: {} } }] },
      }),
      ctx,
    );
    assert.equal(two.cells[2], 'Init:1/2');
  });

  test('a started sidecar (restartPolicy Always init container) counts as a container', () => {
    const row = printPod(
      pod({
        spec: { containers: [{ name: 'app' }], initContainers: [{ name: 'proxy', restartPolicy: 'Always' }] },
        status: {
          phase: 'Running',
          conditions: [{ type: 'Initialized', status: 'True' }],
          initContainerStatuses: [{ name: 'proxy', ready: true, started: true, restartCount: 1, state: { running: {} }, lastState: { terminated: { exitCode: 1, finishedAt: ago(40) } } }],
          containerStatuses: [running],
        },
      }),
      ctx,
    );
    assert.deepEqual(row.cells.slice(1, 4), ['2/2', 'Running', '1 (40s ago)']);
  });

  test('SchedulingGated comes from the PodScheduled condition', () => {
    const row = printPod(pod({ spec: {}, status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }] } }), ctx);
    assert.equal(row.cells[2], 'SchedulingGated');
  });

  test('wide cells: nominated node and readiness gates', () => {
    const row = printPod(
      pod({
        spec: { nodeName: '', containers: [{ name: 'app' }], readinessGates: [{ conditionType: 'a' }, { conditionType: 'b' }] },
        status: { phase: 'Pending', nominatedNodeName: 'node-b', conditions: [{ type: 'a', status: 'True' }, { type: 'b', status: 'False' }] },
      }),
      ctx,
    );
    assert.deepEqual(row.cells.slice(5), ['10.0.0.5', '<none>', 'node-b', '1/2']);
  });

  test('in a table: all nine columns, and without wide only the first five', () => {
    const table = tableFor('pods', '', [pod({ status: { phase: 'Running', containerStatuses: [running] } })], { includeObject: 'Metadata', now });
    assert.deepEqual((table.columnDefinitions ?? []).map((c) => c.name), ['Name', 'Ready', 'Status', 'Restarts', 'Age', 'IP', 'Node', 'Nominated Node', 'Readiness Gates']);
    assert.deepEqual((table.columnDefinitions ?? []).map((c) => c.priority), [0, 0, 0, 0, 0, 1, 1, 1, 1]);
    assert.equal((table.columnDefinitions ?? [])[0].format, 'name');
    assert.equal(table.rows[0].cells.length, 9);
    const narrow = tableFor('pods', '', [pod({ status: { phase: 'Running', containerStatuses: [running] } })], { includeObject: 'Metadata', now, wide: false });
    assert.equal((narrow.columnDefinitions ?? []).length, 5);
    assert.deepEqual(narrow.rows[0].cells, ['web', '1/1', 'Running', '0', '5m']);
  });
});
