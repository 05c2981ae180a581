// kube-scheduler as its own process (scheduler/main.ts through the component runner): it serves
// /healthz, schedules while it leads (with and without leader election), and exits 0 on SIGTERM;
// bad flags exit 1.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { repoRoot } from '../helpers/apiserver.ts';
import { call } from '../helpers/http.ts';
import { isBound, nodeObject, podObject, resetCluster, startCluster, waitForPod, type TestCluster } from './fixtures.ts';

let cluster: TestCluster;
before(async () => { cluster = await startCluster(); });
after(async () => { await cluster.cleanup(); });

async function startSchedulerProcess(args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scheduler/main.ts', '--master', cluster.server.url, '--secure-port', '0', ...args], {
    cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LOG_LEVEL: 'warn' },
  });
  const output: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (l) => output.push(l));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      output.push(line);
      const m = /k8ts-kube-scheduler serving on (\S+)/.exec(line);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`scheduler exited with ${code}:\n${output.join('\n')}`)));
  });
  return { child, url, output, exited };
}

for (const leaderElect of [false, true]) {
  test(`scheduler process (--leader-elect=${leaderElect}) schedules, serves /healthz, exits 0 on SIGTERM`, async () => {
    await resetCluster(cluster);
    await cluster.nodes.create('', nodeObject('worker'));
    const proc = await startSchedulerProcess([`--leader-elect=${leaderElect}`]);
    try {
      assert.equal((await call(proc.url, 'GET', '/healthz')).status, 200);
      await cluster.pods.create('default', podObject(`via-process-${leaderElect}`, { cpu: '100m' }));
      const pod = await waitForPod(cluster, 'default', `via-process-${leaderElect}`, isBound, 20_000);
      assert.equal(pod.spec.nodeName, 'worker');
      if (leaderElect) {
        const lease = await call(cluster.server.url, 'GET', '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kube-scheduler');
        assert.equal(lease.status, 200);
        assert.match(lease.body.spec.holderIdentity, /_/);
      }
    } finally {
      proc.child.kill('SIGTERM');
      assert.equal(await proc.exited, 0, proc.output.join('\n'));
    }
  });
}

test('invalid scheduler flags exit 1', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'scheduler/main.ts', '--master', cluster.server.url, '--percentage-of-nodes-to-score', '150'], { cwd: repoRoot, encoding: 'utf8' });
  assert.equal(r.status, 1);
  assert.match(r.stderr + r.stdout, /percentage-of-nodes-to-score must be between 0 and 100/);
});
