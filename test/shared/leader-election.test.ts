// LeaderElector in-process against a real API server: the Lease it writes (client-go's record and
// formats), standby and handover on cancel, takeover of an expired lease measured on the candidate's
// own clock, losing the lease to another writer, and the synchronous fence at the renew deadline.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { register } from 'prom-client';
import { ApiClient } from '../../shared/client/api-client.ts';
import { FencedApiClient, NotLeaderError } from '../../shared/component-runner.ts';
import { LeaderElector, microTime, type LeaderElectionConfig } from '../../shared/leader-election.ts';
import { createLogger } from '../../shared/log.ts';
import { startApiServer, type ApiServerProcess } from '../helpers/apiserver.ts';
import { call } from '../helpers/http.ts';
import { eventually, watchLease } from '../fixtures/lease-watch.ts';

let api: ApiServerProcess;
let client: ApiClient;
const logger = createLogger('test', 'silent');

before(async () => {
  api = await startApiServer();
  client = new ApiClient({ servers: [api.url] });
});
after(async () => {
  await client?.close();
  await api?.cleanup();
});

const MICROTIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;
const leasePath = (name: string) => `/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/${name}`;

/** An elector with fast timings whose callbacks are recorded, running until `stop()`. */
function candidate(name: string, identity: string, extra: Partial<LeaderElectionConfig> = {}) {
  const calls: string[] = [];
  let leadSignal: AbortSignal | undefined;
  let startedLeading!: () => void;
  const leading = new Promise<void>((resolve) => { startedLeading = resolve; });
  const elector = new LeaderElector({
    client, namespace: 'kube-system', name, identity, logger,
    leaseDurationMs: 2_000, renewDeadlineMs: 1_500, retryPeriodMs: 500,
    callbacks: {
      onStartedLeading: (signal) => { calls.push('started'); leadSignal = signal; startedLeading(); },
      onStoppedLeading: () => calls.push('stopped'),
      onNewLeader: (id) => calls.push(`new:${id}`),
    },
    ...extra,
  });
  const controller = new AbortController();
  const done = elector.run(controller.signal);
  return { elector, calls, leading, done, get leadSignal() { return leadSignal!; }, stop: () => { controller.abort(); return done; } };
}

describe('LeaderElector', () => {
  test('writes client-go\'s record, keeps a standby waiting, and hands over on cancel in well under a second', async () => {
    const watch = await watchLease(api.url, 'le-basic');
    const a = candidate('le-basic', 'replica-a');
    await a.leading;
    const created = (await call(api.url, 'GET', leasePath('le-basic'))).body;
    assert.equal(created.spec.holderIdentity, 'replica-a');
    assert.equal(created.spec.leaseDurationSeconds, 2);
    assert.equal(created.spec.leaseTransitions, 0);
    assert.match(created.spec.acquireTime, MICROTIME);
    assert.equal(created.spec.renewTime, created.spec.acquireTime);
    assert.deepEqual(a.calls, ['new:replica-a', 'started']);
    assert.match(await register.getSingleMetricAsString('leader_election_master_status'), /\{name="le-basic"\} 1/);

    const b = candidate('le-basic', 'replica-b');
    // Two renewals by a later: b saw them and did not take over.
    const { index } = await watch.until((s) => s.renewTime !== created.spec.renewTime);
    await watch.until((s) => s.renewTime !== watch.states()[index].renewTime, 5_000, index + 1);
    assert.equal(b.elector.isLeader(), false);
    assert.equal(b.elector.holder, 'replica-a');
    assert.deepEqual(b.calls, ['new:replica-a']);
    assert.ok(watch.states().every((s) => s.acquireTime === created.spec.acquireTime && s.holderIdentity === 'replica-a'));

    const t0 = performance.now();
    await a.stop();
    assert.equal(a.leadSignal.aborted, true);
    assert.deepEqual(a.calls, ['new:replica-a', 'started', 'stopped']);
    await b.leading;
    const handoverMs = performance.now() - t0;
    assert.ok(handoverMs < 1_000, `handover took ${handoverMs} ms`);
    const { state: taken, index: takenAt } = await watch.until((s) => s.holderIdentity === 'replica-b');
    assert.equal(taken.leaseTransitions, 1);
    const released = watch.states().slice(0, takenAt).find((s) => s.holderIdentity === '');
    assert.ok(released, 'the lease was released before b took it');
    assert.equal(released.leaseDurationSeconds, 1);
    assert.equal(released.leaseTransitions, 0);
    assert.match(await register.getSingleMetricAsString('leader_election_master_status'), /\{name="le-basic"\} 1/);
    await b.stop();
    watch.close();
  });

  test('an expired lease is taken over leaseDuration after the candidate first saw it, whatever its renewTime says', async () => {
    const ancient = '2001-01-01T00:00:00.000000Z';
    const created = await call(api.url, 'POST', '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases', {
      apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'le-expired' },
      spec: { holderIdentity: 'ghost', leaseDurationSeconds: 1, acquireTime: ancient, renewTime: ancient, leaseTransitions: 4 },
    });
    assert.equal(created.status, 201);
    const t0 = performance.now();
    const c = candidate('le-expired', 'replica-c');
    await c.leading;
    const waitedMs = performance.now() - t0;
    // client-go does not trust other clocks: it waits the lease's duration from its own first sighting.
    assert.ok(waitedMs >= 1_000 && waitedMs < 2_500, `took over after ${waitedMs} ms`);
    const lease = (await call(api.url, 'GET', leasePath('le-expired'))).body;
    assert.equal(lease.spec.holderIdentity, 'replica-c');
    assert.equal(lease.spec.leaseTransitions, 5);
    assert.notEqual(lease.spec.acquireTime, ancient);
    assert.deepEqual(c.calls, ['new:ghost', 'new:replica-c', 'started']);
    await c.stop();
  });

  test('candidates racing for a released lease: the optimistic update lets exactly one take it', async () => {
    const now = microTime(new Date());
    const created = await call(api.url, 'POST', '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases', {
      apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'le-race' },
      spec: { holderIdentity: 'ghost', leaseDurationSeconds: 60, acquireTime: now, renewTime: now, leaseTransitions: 2 },
    });
    assert.equal(created.status, 201);
    const watch = await watchLease(api.url, 'le-race');
    const racers = Array.from({ length: 4 }, (_, i) => candidate('le-race', `racer-${i}`));
    try {
      await eventually(async () => (racers.every((r) => r.calls.includes('new:ghost')) ? true : undefined), 5_000, 'every racer to see the holder');
      // Released as client-go releases: every racer learns it from its watch in the same moment and
      // tries to take it. Each PUT carries the revision it read, so all but the first get 409 Conflict.
      const lease = (await call(api.url, 'GET', leasePath('le-race'))).body;
      const release = await call(api.url, 'PUT', leasePath('le-race'), { ...lease, spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1 } });
      assert.equal(release.status, 200);
      await Promise.race(racers.map((r) => r.leading));
      const { index } = await watch.until((s) => s.holderIdentity.startsWith('racer-'));
      // Two renewals later, still one holder and one transition.
      await watch.until(() => watch.states().length > index + 2, 5_000);
      const taken = watch.states().slice(index);
      assert.equal(new Set(taken.map((s) => s.holderIdentity)).size, 1, JSON.stringify(taken));
      assert.ok(taken.every((s) => s.leaseTransitions === 3), JSON.stringify(taken));
      const leaders = racers.filter((r) => r.calls.includes('started'));
      assert.deepEqual(leaders.map((r) => r.elector.isLeader()), [true], 'exactly one racer ever started leading');
      assert.equal(leaders[0].elector.holder, taken[0].holderIdentity);
    } finally {
      await Promise.all(racers.map((r) => r.stop()));
      watch.close();
    }
  });

  test('a leader whose lease is overwritten by another holder stops at once (from the watch, not at its deadline)', async () => {
    const d = candidate('le-stolen', 'replica-d');
    await d.leading;
    const lease = (await call(api.url, 'GET', leasePath('le-stolen'))).body;
    const t0 = performance.now();
    const put = await call(api.url, 'PUT', leasePath('le-stolen'), { ...lease, spec: { ...lease.spec, holderIdentity: 'intruder', leaseTransitions: 1 } });
    assert.equal(put.status, 200);
    await d.done;
    const stoppedMs = performance.now() - t0;
    assert.ok(stoppedMs < 500, `stopped after ${stoppedMs} ms`);
    assert.equal(d.leadSignal.aborted, true);
    assert.deepEqual(d.calls, ['new:replica-d', 'started', 'new:intruder', 'stopped']);
    assert.equal((await call(api.url, 'GET', leasePath('le-stolen'))).body.spec.holderIdentity, 'intruder');
  });

  test('past the renew deadline (thread frozen), the first write attempt is refused and leadership ends synchronously', async () => {
    const e = candidate('le-frozen', 'replica-e');
    await e.leading;
    const fenced = new FencedApiClient({ servers: [api.url] }, () => e.elector.isLeader());
    await fenced.request('POST', '/api/v1/namespaces/default/configmaps', { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'fence-before' } } });
    // Freeze this thread past the renew deadline (1.5 s) as SIGSTOP would: no timer or I/O callback runs.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1_700);
    assert.equal(e.leadSignal.aborted, false, 'nothing ran during the freeze');
    const write = fenced.request('POST', '/api/v1/namespaces/default/configmaps', { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'fence-after' } } });
    // Still in the same synchronous stretch: the write's check ended leadership.
    assert.equal(e.leadSignal.aborted, true);
    assert.deepEqual(e.calls, ['new:replica-e', 'started', 'stopped']);
    await assert.rejects(write, NotLeaderError);
    await e.done;
    assert.equal((await call(api.url, 'GET', '/api/v1/namespaces/default/configmaps/fence-before')).status, 200);
    assert.equal((await call(api.url, 'GET', '/api/v1/namespaces/default/configmaps/fence-after')).status, 404);
    assert.match(await register.getSingleMetricAsString('leader_election_master_status'), /\{name="le-frozen"\} 0/);
    await fenced.close();
  });

  test('rejects timings client-go rejects, and formats MicroTime with six fractional digits', () => {
    const base = { client, namespace: 'kube-system', name: 'x', identity: 'i', callbacks: { onStartedLeading() {}, onStoppedLeading() {} } };
    assert.throws(() => new LeaderElector({ ...base, leaseDurationMs: 10_000, renewDeadlineMs: 10_000 }), /leaseDuration must be greater than renewDeadline/);
    assert.throws(() => new LeaderElector({ ...base, renewDeadlineMs: 2_000, retryPeriodMs: 2_000 }), /renewDeadline must be greater than retryPeriod\*JitterFactor/);
    assert.throws(() => new LeaderElector({ ...base, identity: '' }), /identity is empty/);
    assert.equal(microTime(new Date('2024-05-06T07:08:09.123Z')), '2024-05-06T07:08:09.123000Z');
  });
});
