// Two real kube-controller-manager processes against a real API server, with short leader election
// timings (lease 2s, renew deadline 1.5s, retry 500ms): exactly one leads; when the leader is killed
// the standby takes over once the lease expires; when it is terminated it hands the lease over at
// once; when it is frozen (SIGSTOP) past its lease it loses it, and on SIGCONT it exits non-zero
// without writing the Lease again.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { request } from 'undici';
import { startApiServer, type ApiServerProcess } from '../helpers/apiserver.ts';
import { call } from '../helpers/http.ts';
import { logLines, startComponent, type ComponentProcess } from '../fixtures/component-process.ts';
import { eventually, watchLease } from '../fixtures/lease-watch.ts';

let api: ApiServerProcess;
const processes: ComponentProcess[] = [];

before(async () => { api = await startApiServer(); });
after(async () => {
  await Promise.all(processes.map((p) => p.kill()));
  await api?.cleanup();
});

const text = async (url: string) => (await request(url)).body.text();

async function startPair(lease: string) {
  const args = ['--master', api.url, '--secure-port', '0', '--leader-elect-lease-duration', '2s', '--leader-elect-renew-deadline', '1500ms',
    '--leader-elect-retry-period', '500ms', '--leader-elect-resource-name', lease];
  const watch = await watchLease(api.url, lease);
  const pair = await Promise.all([startComponent('controller-manager/main.ts', args), startComponent('controller-manager/main.ts', args)]);
  processes.push(...pair);
  const { state, index } = await watch.until((s) => pair.some((p) => p.identity === s.holderIdentity));
  const leader = pair.find((p) => p.identity === state.holderIdentity)!;
  const standby = pair.find((p) => p !== leader)!;
  return { watch, leader, standby, acquiredAt: index, transitions: state.leaseTransitions };
}

describe('kube-controller-manager leader election (two processes)', () => {
  test('exactly one replica holds the lease, renews it, and says so in /healthz, /metrics and an Event', async () => {
    const { watch, leader, standby, acquiredAt } = await startPair('kcm-one');
    try {
      // Four renewals later (two seconds), the same replica still holds it and no transition happened.
      await watch.until(() => watch.states().length >= acquiredAt + 5, 10_000);
      const since = watch.states().slice(acquiredAt);
      assert.ok(since.every((s) => s.holderIdentity === leader.identity), 'the lease changed hands while both replicas ran');
      assert.equal(new Set(since.map((s) => s.leaseTransitions)).size, 1);
      assert.equal(new Set(since.map((s) => s.acquireTime)).size, 1, 'acquireTime stays while the leader renews');
      assert.ok(new Set(since.map((s) => s.renewTime)).size >= 5, 'renewTime advances with each renewal');
      assert.match(since[0].renewTime!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
      assert.equal(since[0].leaseDurationSeconds, 2);

      assert.match(await text(`${leader.url}/metrics`), /leader_election_master_status\{name="kcm-one"\} 1/);
      assert.match(await text(`${standby.url}/metrics`), /leader_election_master_status\{name="kcm-one"\} 0/);
      assert.equal(await text(`${leader.url}/healthz`), 'ok');
      assert.match(await text(`${leader.url}/healthz?verbose`), new RegExp(`leader: ${leader.identity} \\(this replica: ${leader.identity}, leading\\)`));
      assert.match(await text(`${standby.url}/healthz?verbose`), new RegExp(`leader: ${leader.identity} \\(this replica: ${standby.identity}, standby\\)`));

      const event = await eventually(async () => {
        const events = (await call(api.url, 'GET', '/api/v1/namespaces/kube-system/events')).body.items as any[];
        return events.find((e) => e.involvedObject.kind === 'Lease' && e.involvedObject.name === 'kcm-one' && e.message === `${leader.identity} became leader`);
      }, 5_000, 'the LeaderElection event');
      assert.equal(event.reason, 'LeaderElection');
      assert.equal(event.type, 'Normal');
    } finally {
      watch.close();
    }
  });

  test('SIGKILL of the leader: the standby takes over once the lease has expired', async () => {
    const { watch, leader, standby, acquiredAt, transitions } = await startPair('kcm-kill');
    try {
      await watch.until(() => watch.states().length > acquiredAt + 1); // renewing
      const t0 = performance.now();
      leader.signal('SIGKILL');
      const { state } = await watch.until((s) => s.holderIdentity === standby.identity, 10_000, acquiredAt);
      const takeoverMs = performance.now() - t0;
      console.log(`# SIGKILL: standby took over ${takeoverMs.toFixed(0)} ms after the leader was killed (lease 2s, retry 500ms)`);
      // It waited for the lease to run out (2s after the last renewal it saw, which is at most 500ms old).
      assert.ok(takeoverMs >= 1_000, `took over after only ${takeoverMs} ms, before the lease expired`);
      assert.ok(takeoverMs < 4_000, `took ${takeoverMs} ms`);
      assert.equal(state.leaseTransitions, transitions + 1);
      assert.notEqual(state.acquireTime, watch.states()[acquiredAt].acquireTime);
      assert.match(await eventually(async () => {
        const body = await text(`${standby.url}/metrics`);
        return /master_status\{name="kcm-kill"\} 1/.test(body) ? body : undefined;
      }, 5_000, 'the new leader metric'), /leader_election_master_status\{name="kcm-kill"\} 1/);
    } finally {
      watch.close();
    }
  });

  test('SIGTERM of the leader: it releases the lease and exits 0; the standby takes over in under a second', async () => {
    const { watch, leader, standby, acquiredAt, transitions } = await startPair('kcm-term');
    try {
      await watch.until(() => watch.states().length > acquiredAt + 1);
      const t0 = performance.now();
      leader.signal('SIGTERM');
      const { state, index } = await watch.until((s) => s.holderIdentity === standby.identity, 5_000, acquiredAt);
      const takeoverMs = performance.now() - t0;
      console.log(`# SIGTERM: standby took over ${takeoverMs.toFixed(0)} ms after the leader was told to stop`);
      assert.ok(takeoverMs < 1_000, `took ${takeoverMs} ms`);
      // ReleaseOnCancel: holderIdentity emptied, leaseDurationSeconds 1, transitions unchanged; then the standby's +1.
      const released = watch.states().slice(acquiredAt, index).find((s) => s.holderIdentity === '');
      assert.ok(released, 'the leader released the lease');
      assert.equal(released.leaseDurationSeconds, 1);
      assert.equal(released.leaseTransitions, transitions);
      assert.equal(state.leaseTransitions, transitions + 1);
      assert.deepEqual(await leader.exited, { code: 0, signal: null });
      assert.equal(logLines(leader, 'released leader lease').length, 1);
    } finally {
      watch.close();
    }
  });

  test('SIGSTOP of the leader past its lease: the standby takes over; on SIGCONT the old leader exits non-zero without acting', async () => {
    const { watch, leader, standby, acquiredAt, transitions } = await startPair('kcm-stop');
    try {
      await watch.until(() => watch.states().length > acquiredAt + 1);
      const t0 = performance.now();
      leader.signal('SIGSTOP');
      const { index } = await watch.until((s) => s.holderIdentity === standby.identity, 10_000, acquiredAt);
      console.log(`# SIGSTOP: standby took over ${(performance.now() - t0).toFixed(0)} ms after the leader was frozen`);
      // The new leader renews at least once before the old one wakes.
      await watch.until(() => watch.states().length > index + 1, 5_000);
      leader.signal('SIGCONT');
      const exit = await Promise.race([leader.exited, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('old leader did not exit')), 5_000))]);
      assert.notEqual(exit.code, 0, `old leader exited with ${JSON.stringify(exit)}`);
      assert.equal(exit.signal, null);
      assert.equal(logLines(leader, 'leaderelection lost').length >= 1, true, leader.output.join('\n'));
      // Everything written since the takeover is the new leader's, and it keeps renewing after the old one is gone.
      const after = watch.states().length;
      await watch.until(() => watch.states().length > after, 5_000);
      const since = watch.states().slice(index);
      assert.ok(since.every((s) => s.holderIdentity === standby.identity), `old leader wrote the lease again: ${JSON.stringify(since)}`);
      assert.ok(since.every((s) => s.leaseTransitions === transitions + 1));
      assert.equal(standby.child.exitCode, null);
    } finally {
      watch.close();
    }
  });
});
