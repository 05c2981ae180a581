// `npm start -- --ha` end to end: three etcd members and three API servers come up with the usual
// components; `status` names the etcd leader; a pod runs; with the kubeconfig's API server killed the
// components go on through the other two (a pod created then runs too); Ctrl-C stops etcd as well,
// and a second `up` finds the data in the etcd members' directories.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { isAlive } from '../../scripts/cluster/processes.ts';
import { etcdSkipReason } from '../helpers/etcd.ts';
import { newDataDir, parseStatus, runCluster, startUp, type UpProcess } from './cluster-process.ts';

const PORT_BASE = 24080;
const API = [0, 1, 2].map((i) => `http://127.0.0.1:${PORT_BASE + i}`);

async function createPod(server: string, name: string): Promise<void> {
  const res = await fetch(`${server}/api/v1/namespaces/default/pods`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { terminationGracePeriodSeconds: 0, containers: [{ name: 'c', image: 'nginx:1.27' }] } }),
  });
  assert.equal(res.status, 201, await res.text());
}

async function waitRunning(server: string, name: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let phase: string | undefined;
  while (Date.now() < deadline) {
    const res = await fetch(`${server}/api/v1/namespaces/default/pods/${name}`);
    phase = ((await res.json()) as { status?: { phase?: string } }).status?.phase;
    if (phase === 'Running') return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`pod ${name} is ${phase ?? 'not there'} after ${timeoutMs} ms`);
}

describe('scripts/cluster.ts --ha', { skip: etcdSkipReason() }, () => {
  const dataDir = newDataDir();
  const args = [
    '--ha', '--fast', '--nodes', '1', '--data-dir', dataDir, '--port-base', String(PORT_BASE),
    '--node-ip', '127.1.244.1', '--cluster-cidr', '127.160.0.0/16', '--service-cluster-ip-range', '127.161.0.0/16',
  ];
  const status = async () => {
    const r = await runCluster('status', '--data-dir', dataDir);
    assert.equal(r.code, 0, r.stderr);
    return parseStatus(r.stdout);
  };
  let up: UpProcess;

  before(async () => {
    up = await startUp(args);
    await up.line(/^cluster ready in/);
  });
  after(async () => {
    if (up.child.exitCode === null) {
      up.child.kill('SIGINT');
      await up.exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('etcd members first, then three API servers, then the components; status names one etcd leader', async () => {
    const ready = up.output.filter((l) => l.startsWith('✓ ')).map((l) => l.split(/\s+/)[1]);
    assert.deepEqual(ready.slice(0, 3).sort(), ['etcd-1', 'etcd-2', 'etcd-3']);
    assert.deepEqual(ready.slice(3, 6).sort(), ['apiserver-1', 'apiserver-2', 'apiserver-3']);
    assert.ok(readFileSync(join(dataDir, 'kubeconfig'), 'utf8').includes(`server: ${API[0]}`));
    const rows = await status();
    assert.deepEqual(['etcd-1', 'etcd-2', 'etcd-3'].map((n) => rows.get(n)!.role).sort(), ['follower', 'follower', 'leader']);
    for (const [name, row] of rows) assert.ok(row.alive, `${name} alive`);
  });

  test('a pod created through the second API server runs', async () => {
    await createPod(API[1], 'first');
    await waitRunning(API[1], 'first');
  });

  test('with the kubeconfig\'s API server killed, the components go on through the others', async () => {
    const killed = await runCluster('kill', 'apiserver-1', '--data-dir', dataDir);
    assert.equal(killed.code, 0, killed.stderr);
    await up.line(/✗ apiserver-1 .*exited \(SIGKILL\)/);
    await createPod(API[2], 'second');
    await waitRunning(API[2], 'second');
    assert.equal((await status()).get('apiserver-1')!.alive, false);
    const restarted = await runCluster('restart', 'apiserver-1', '--data-dir', dataDir);
    assert.equal(restarted.code, 0, restarted.stderr);
  });

  test('Ctrl-C stops etcd too; up again on the same directory keeps the data', async () => {
    const pids = readdirSync(join(dataDir, 'pids')).map((f) => Number(readFileSync(join(dataDir, 'pids', f), 'utf8').trim()));
    up.child.kill('SIGINT');
    assert.equal(await up.exited, 0);
    assert.match(up.output.join('\n'), /stopping etcd-1, etcd-2, etcd-3/);
    for (const pid of pids) assert.equal(isAlive(pid), false, `pid ${pid} still alive`);

    up = await startUp(args);
    await up.line(/^cluster ready in/);
    const res = await fetch(`${API[2]}/api/v1/namespaces/default/pods/second`);
    assert.equal(res.status, 200, 'the pod created before the restart is still stored');
  });
});
