// `npm start` end to end: the cluster comes up (every process ready, nodes Ready), `status` shows the
// processes and who leads, a second `up` refuses, `kill` leaves a process dead (no auto-restart),
// `restart` brings it back, and Ctrl-C (SIGINT to `up`) stops every process.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { isAlive } from '../../scripts/cluster/processes.ts';
import { clusterArgs, newDataDir, parseStatus, runCluster, startUp, type UpProcess } from './cluster-process.ts';

const NAMES = ['apiserver', 'scheduler-1', 'scheduler-2', 'controller-manager-1', 'controller-manager-2', 'kubelet-node-1', 'kube-proxy-node-1', 'kubelet-node-2', 'kube-proxy-node-2'];

const waitUntil = async (what: string, probe: () => boolean | Promise<boolean>, timeoutMs = 30_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

describe('scripts/cluster.ts', () => {
  const dataDir = newDataDir();
  const args = clusterArgs(dataDir, 2);
  const status = async () => {
    const r = await runCluster('status', '--data-dir', dataDir);
    assert.equal(r.code, 0, r.stderr);
    return { rows: parseStatus(r.stdout), stdout: r.stdout };
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

  test('up shows every process as it becomes ready, then how to use the cluster', () => {
    for (const name of NAMES) assert.ok(up.output.some((l) => l.startsWith(`✓ ${name} `)), `no ready line for ${name}`);
    assert.ok(up.output.some((l) => /kubelet-node-2 .*\(node node-2 Ready\)/.test(l)));
    assert.ok(up.output.some((l) => l.includes(`export KUBECONFIG=${join(dataDir, 'kubeconfig')}`)));
    assert.ok(up.output.some((l) => l.trim() === `curl ${up.apiServerURL}/api/v1/nodes`), 'how to curl the API');
    assert.ok(up.output.some((l) => l.includes('kubectl get nodes')), 'how to use kubectl');
    assert.ok(up.output.some((l) => l.includes(`npm start -- kill scheduler-1 --data-dir ${dataDir}`)), 'how to kill a process');
    assert.ok(up.output.some((l) => l.includes('--leader-elect-lease-duration 4s')), '--fast values are printed');
    for (const name of NAMES) assert.ok(existsSync(join(dataDir, 'logs', `${name}.log`)) && existsSync(join(dataDir, 'pids', `${name}.pid`)), name);
  });

  test('status lists each process alive, one leader and one standby per Lease, and the nodes', async () => {
    const { rows, stdout } = await status();
    assert.deepEqual([...rows.keys()], NAMES);
    for (const [name, row] of rows) assert.ok(row.alive && row.pid && isAlive(row.pid), `${name} alive`);
    for (const kind of ['scheduler', 'controller-manager']) {
      assert.deepEqual([rows.get(`${kind}-1`)!.role, rows.get(`${kind}-2`)!.role].sort(), ['leader', 'standby'], kind);
    }
    assert.match(stdout, /kube-scheduler\s+scheduler-[12] /);
    assert.match(stdout, /kube-controller-manager\s+controller-manager-[12] /);
    assert.match(stdout, /node-1\s+True\s+127\.140\.\d+\.0\/24/);
  });

  test('a second up on the same directory refuses', async () => {
    const r = await runCluster('up', ...args);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /already running/);
  });

  test('kill SIGKILLs one process, which stays dead; restart starts it again', async () => {
    const pid = (await status()).rows.get('scheduler-1')!.pid!;
    const killed = await runCluster('kill', 'scheduler-1', '--data-dir', dataDir);
    assert.equal(killed.code, 0, killed.stderr);
    assert.match(killed.stdout, new RegExp(`sent SIGKILL to scheduler-1 \\(pid ${pid}\\)`));
    await up.line(/✗ scheduler-1 .*exited \(SIGKILL\)/);
    await new Promise((r) => setTimeout(r, 1_500)); // long enough for a supervisor that revives to have done so
    assert.equal((await status()).rows.get('scheduler-1')!.alive, false);

    const restarted = await runCluster('restart', 'scheduler-1', '--data-dir', dataDir);
    assert.equal(restarted.code, 0, restarted.stderr);
    const row = (await status()).rows.get('scheduler-1')!;
    assert.ok(row.alive && row.pid !== pid);
    await up.line(/↻ scheduler-1 .*started again/);
  });

  test('kill --signal TERM stops a leader gracefully; the standby leads', async () => {
    const { rows } = await status();
    const leader = rows.get('controller-manager-1')!.role === 'leader' ? 'controller-manager-1' : 'controller-manager-2';
    const standby = leader.endsWith('1') ? 'controller-manager-2' : 'controller-manager-1';
    const r = await runCluster('kill', leader, '--signal', 'TERM', '--data-dir', dataDir);
    assert.equal(r.code, 0, r.stderr);
    await waitUntil(`${leader} to exit`, () => !isAlive(rows.get(leader)!.pid));
    await waitUntil(`${standby} to lead`, async () => (await status()).rows.get(standby)!.role === 'leader');
    assert.equal((await runCluster('kill', leader, '--data-dir', dataDir)).code, 1, 'killing a dead process is an error');
  });

  test('kill and restart refuse unknown names', async () => {
    const r = await runCluster('kill', 'scheduler-9', '--data-dir', dataDir);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no process "scheduler-9"/);
  });

  test('Ctrl-C (SIGINT to up) stops every process and exits 0', async () => {
    const pids = readdirSync(join(dataDir, 'pids')).map((f) => ({ f, pid: Number(readFileSync(join(dataDir, 'pids', f), 'utf8').trim()) }));
    assert.ok(pids.length >= NAMES.length - 1);
    up.child.kill('SIGINT');
    assert.equal(await up.exited, 0);
    // Graceful: every process exited on its SIGTERM, none had to be SIGKILLed after the grace period.
    assert.ok(!up.output.some((l) => l.startsWith('killed (no exit within')), up.output.join('\n'));
    for (const { f, pid } of pids) assert.equal(isAlive(pid), false, `${f} (pid ${pid}) still alive`);
    assert.deepEqual(readdirSync(join(dataDir, 'pids')), [], 'pid files removed');
    const r = await runCluster('status', '--data-dir', dataDir);
    assert.ok(parseStatus(r.stdout).size > 0 && [...parseStatus(r.stdout).values()].every((row) => !row.alive));
  });
});
