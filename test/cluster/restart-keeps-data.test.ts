// Stopping the cluster keeps its data: `npm start` again on the same directory finds the objects
// created before (the API server's store lives in <data-dir>/data/apiserver). `down` from another
// terminal stops a running cluster, including its `up`.
import assert from 'node:assert/strict';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { clusterArgs, newDataDir, runCluster, startUp } from './cluster-process.ts';

const dataDir = newDataDir();
after(() => rmSync(dataDir, { recursive: true, force: true }));

test('objects survive a restart of the whole cluster; down stops it', async () => {
  const args = clusterArgs(dataDir, 1);
  const first = await startUp(args);
  await first.line(/^cluster ready in/);
  const created = await fetch(`${first.apiServerURL}/api/v1/namespaces/default/configmaps`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kept' }, data: { answer: '42' } }),
  });
  assert.equal(created.status, 201);
  first.child.kill('SIGINT');
  assert.equal(await first.exited, 0);

  const second = await startUp(args);
  await second.line(/^cluster ready in/);
  const res = await fetch(`${second.apiServerURL}/api/v1/namespaces/default/configmaps/kept`);
  assert.equal(res.status, 200);
  assert.equal(((await res.json()) as { data: { answer: string } }).data.answer, '42');
  const node = await fetch(`${second.apiServerURL}/api/v1/nodes/node-1`);
  assert.equal(node.status, 200, 'the node registered before is still there');

  const down = await runCluster('down', '--data-dir', dataDir);
  assert.equal(down.code, 0, down.stderr);
  assert.match(down.stdout, /the cluster is stopped/);
  assert.equal(await second.exited, 0, 'up exits when the cluster is brought down');
  assert.deepEqual(readdirSync(join(dataDir, 'pids')), []);
});
