// Fencing, end to end: two replicas of a component that writes a ConfigMap every 10 ms while it leads
// (test/fixtures/fence-probe.ts, run by runComponent). The ConfigMap's watch is the record of who
// acted when: a replica frozen by SIGSTOP past its lease must not write once resumed, and a replica
// told to stop must have written its last before the other one writes its first.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startApiServer, type ApiServerProcess } from '../helpers/apiserver.ts';
import { call, openWatch } from '../helpers/http.ts';
import { logLines, startComponent, type ComponentProcess } from '../fixtures/component-process.ts';
import { watchLease } from '../fixtures/lease-watch.ts';

let api: ApiServerProcess;
const processes: ComponentProcess[] = [];

before(async () => { api = await startApiServer(); });
after(async () => {
  await Promise.all(processes.map((p) => p.kill()));
  await api?.cleanup();
});

const leaseArgs = ['--leader-elect-lease-duration', '2s', '--leader-elect-renew-deadline', '1500ms', '--leader-elect-retry-period', '500ms'];

async function startProbes(name: string, extraArgs: string[] = [], minWrites = 20) {
  const args = ['--master', api.url, '--secure-port', '0', ...leaseArgs, '--leader-elect-resource-name', name, '--configmap', name, ...extraArgs];
  const writes = await openWatch(api.url, `/api/v1/namespaces/default/configmaps?watch=1&fieldSelector=metadata.name%3D${name}`);
  const lease = await watchLease(api.url, name);
  const pair = await Promise.all([startComponent('test/fixtures/fence-probe.ts', args), startComponent('test/fixtures/fence-probe.ts', args)]);
  processes.push(...pair);
  const writers = () => writes.events.filter((e) => e.type !== 'BOOKMARK').map((e) => e.object.data?.writer as string);
  await writes.until(() => writers().length >= minWrites);
  const leader = pair.find((p) => p.identity === writers()[0])!;
  const standby = pair.find((p) => p !== leader)!;
  return { writes, lease, writers, leader, standby };
}

describe('fencing: a replica acts only while it holds the lease', () => {
  test('SIGSTOP just before a write, past the lease, then SIGCONT: the old leader exits 1 and never writes again', async () => {
    // The leader is frozen inside its pre-write block: on SIGCONT the very first thing it does is
    // attempt the write, before any timer or watch callback runs. Only the write fence can stop it.
    const { writes, lease, writers, leader, standby } = await startProbes('fence-stop', ['--block-before-write', '300ms'], 3);
    try {
      assert.ok(writers().every((w) => w === leader.identity), 'only the leader writes');
      await leader.nextLine(/^fence-probe blocking before write/);
      leader.signal('SIGSTOP');
      await writes.until(() => writers().includes(standby.identity), 10_000);
      const firstByStandby = writers().indexOf(standby.identity);
      await writes.until(() => writers().length >= firstByStandby + 3, 10_000);
      leader.signal('SIGCONT');
      const exit = await leader.exited;
      assert.equal(exit.code, 1, leader.output.slice(-5).join('\n'));
      assert.ok(logLines(leader, 'leaderelection lost').length >= 1);
      // Writes are delivered in commit order: once the standby has written more after the old
      // leader's exit, any write the old one made on resume would be in the list.
      const settled = writers().length;
      await writes.until(() => writers().length >= settled + 3, 10_000);
      const stale = writers().slice(firstByStandby).filter((w) => w !== standby.identity);
      assert.deepEqual(stale, [], 'the old leader wrote after losing its lease');
      assert.equal(lease.latest()?.holderIdentity, standby.identity);
    } finally {
      writes.close();
      lease.close();
    }
  });

  test('SIGTERM: the leader stops writing, releases, exits 0; the other starts writing only after that', async () => {
    // A handover on SIGTERM does not wait for the lease, so roomy timings cost nothing here and keep a
    // loaded machine from making the leader miss its renew deadline (and rightly exit 1) first.
    const { writes, lease, writers, leader, standby } = await startProbes('fence-term', ['--leader-elect-lease-duration', '8s', '--leader-elect-renew-deadline', '6s', '--leader-elect-retry-period', '1s']);
    try {
      leader.signal('SIGTERM');
      await writes.until(() => writers().includes(standby.identity), 5_000);
      assert.deepEqual(await leader.exited, { code: 0, signal: null });
      const firstByStandby = writers().indexOf(standby.identity);
      await writes.until(() => writers().length >= firstByStandby + 10, 5_000);
      assert.ok(writers().slice(0, firstByStandby).every((w) => w === leader.identity));
      assert.ok(writers().slice(firstByStandby).every((w) => w === standby.identity), 'writes of the two replicas interleaved');
      assert.ok(lease.states().some((s) => s.holderIdentity === ''), 'the lease was released');
    } finally {
      writes.close();
      lease.close();
    }
  });

  test('--leader-elect=false: works at once without a Lease, and stops on SIGTERM with exit 0', async () => {
    const name = 'fence-solo';
    const writes = await openWatch(api.url, `/api/v1/namespaces/default/configmaps?watch=1&fieldSelector=metadata.name%3D${name}`);
    try {
      const solo = await startComponent('test/fixtures/fence-probe.ts', ['--master', api.url, '--secure-port', '0', '--leader-elect=false', '--configmap', name]);
      processes.push(solo);
      await writes.until((events) => events.length >= 3);
      assert.match(await (await fetch(`${solo.url}/healthz?verbose`)).text(), /leader election disabled/);
      const leaseGet = await call(api.url, 'GET', `/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/fence-probe`);
      assert.equal(leaseGet.status, 404);
      solo.signal('SIGTERM');
      assert.deepEqual(await solo.exited, { code: 0, signal: null });
    } finally {
      writes.close();
    }
  });
});
