// Restarts and probes: CrashLoopBackOff with a back-off doubling up to its cap, liveness probes that kill
// and restart, no status writes while nothing changes, readiness after initialDelaySeconds and
// successThreshold, readiness that follows an exec probe both ways, startup probes gating the others, and
// images that do not exist (ErrImagePull, then ImagePullBackOff). The kubelet runs with a 1s
// back-off (--container-restart-backoff) so the loop is quick to watch.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { call, openWatch, type WatchEvent } from '../helpers/http.ts';
import { condition, containerStatus, eventsAbout, podSpec, startCluster, until, type Cluster, type Pod, type PodSpecInput } from './harness.ts';

const NODE = 'kr-1';

describe('kubelet restarts and probes', () => {
  let cluster: Cluster;
  before(async () => {
    cluster = await startCluster({ nodeName: NODE, nodeIP: '127.1.3.1', podCIDR: '127.64.3.0/24', args: ['--container-restart-backoff', '1s', '--container-restart-backoff-max', '4s'] });
  });
  after(async () => cluster?.stop());

  const pod = (name: string) => cluster.pods.get('default', name);
  const create = (name: string, spec: PodSpecInput) => cluster.pods.create('default', podSpec(name, NODE, spec));
  const eventWith = (name: string, reason: string, pattern: RegExp) => until(async () => {
    const ev = await eventsAbout(cluster, name);
    return ev.find((e) => e.reason === reason && pattern.test(e.message ?? ''));
  }, `${reason} event for ${name} matching ${pattern}`);

  // First, while no other pod runs on the node: the API server's request count is this pod's alone.
  test('a passing liveness probe leaves the container alone, and an unchanged status is not written again', async () => {
    await create('healthy', {
      containers: [{ name: 'c', image: 'nginx:1.27', ports: [{ containerPort: 8080 }], livenessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 1, failureThreshold: 1 }, readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1 } }],
    });
    await until(async () => condition(await pod('healthy'), 'Ready')?.status === 'True', 'healthy Ready');
    const statusWrites = async () => {
      const res = await call(cluster.apiserver.url, 'GET', '/metrics', undefined, 'application/json', { accept: 'text/plain' });
      return String(res.body).split('\n').filter((l) => l.startsWith('apiserver_request_total{') && l.includes('verb="PATCH"') && l.includes('resource="pods"') && l.includes('subresource="status"'))
        .reduce((n, l) => n + Number(l.split(' ').at(-1)), 0);
    };
    const before = await statusWrites();
    assert.ok(before >= 1, 'the status was written through pods/status');
    // Three more periods of each probe: no restart, and nothing new to report.
    await new Promise((r) => setTimeout(r, 3000));
    assert.equal(containerStatus(await pod('healthy'), 'c')?.restartCount, 0);
    assert.equal(await statusWrites(), before, 'no status write while nothing changed');
  });

  test('exit 1 with restartPolicy Always goes into CrashLoopBackOff, its back-off doubling up to the cap', async () => {
    const created = await create('crash', { containers: [{ name: 'c', image: 'busybox:1.36', command: ['sh', '-c', 'echo starting; exit 1'] }] });
    const watch = await openWatch(cluster.apiserver.url, `/api/v1/namespaces/default/pods?watch=1&fieldSelector=metadata.name%3Dcrash&resourceVersion=${created.metadata.resourceVersion}`);
    /** The back-off shown in each CrashLoopBackOff, by the restart count it waited at. */
    const backOffs = (events: WatchEvent[]) => {
      const byRestart = new Map<number, string>();
      for (const e of events) {
        const s = containerStatus(e.object as Pod, 'c');
        const delay = s?.state.waiting?.reason === 'CrashLoopBackOff' && /^back-off (\S+) /.exec(s.state.waiting.message ?? '')?.[1];
        if (delay) byRestart.set(s.restartCount, delay);
      }
      return [...byRestart.values()];
    };
    let events: WatchEvent[];
    try {
      events = await watch.until((evs) => backOffs(evs).length >= 4, 30_000);
    } finally {
      watch.close();
    }
    // The first crash restarts at once (kube's flowcontrol back-off); then 1s, doubling, capped at 4s (--container-restart-backoff(-max)).
    assert.deepEqual(backOffs(events).slice(0, 4), ['1s', '2s', '4s', '4s']);
    const looping = events.map((e) => e.object as Pod).find((p) => containerStatus(p, 'c')?.state.waiting?.reason === 'CrashLoopBackOff')!;
    const cs = containerStatus(looping, 'c')!;
    assert.match(cs.state.waiting?.message ?? '', new RegExp(`^back-off 1s restarting failed container=c pod=crash_default\\(${looping.metadata.uid}\\)$`));
    assert.equal(cs.restartCount, 1);
    assert.equal(cs.lastState.terminated?.exitCode, 1);
    assert.equal(cs.lastState.terminated?.reason, 'Error');
    assert.equal(cs.ready, false);
    assert.equal(looping.status?.phase, 'Running');
    assert.equal(condition(looping, 'Ready')?.status, 'False');
    assert.equal(condition(looping, 'Ready')?.message, 'containers with unready status: [c]');
    await eventWith('crash', 'BackOff', new RegExp(`^Back-off restarting failed container c in pod crash_default\\(${looping.metadata.uid}\\)$`));
  });

  test('a failing liveness probe (httpGet to a port nobody serves) kills and restarts the container', async () => {
    await create('live', {
      containers: [{ name: 'c', image: 'nginx:1.27', ports: [{ containerPort: 8080 }], livenessProbe: { httpGet: { path: '/healthz', port: 8081 }, periodSeconds: 1, failureThreshold: 2 } }],
    });
    const restarted = await until(async () => {
      const p = await pod('live');
      return (containerStatus(p, 'c')?.restartCount ?? 0) >= 1 && p;
    }, 'restart after liveness failures');
    assert.equal(containerStatus(restarted, 'c')?.lastState.terminated?.exitCode, 143);
    const ip = restarted.status?.podIP;
    await eventWith('live', 'Unhealthy', new RegExp(`^Liveness probe failed: Get "http://${ip?.replace(/\./g, '\\.')}:8081/healthz": dial tcp ${ip?.replace(/\./g, '\\.')}:8081: connect: connection refused$`));
    await eventWith('live', 'Killing', /^Container c failed liveness probe, will be restarted$/);
  });

  test('readiness waits initialDelaySeconds, then successThreshold passes in a row', async () => {
    await create('delayed', {
      containers: [{ name: 'c', image: 'nginx:1.27', ports: [{ containerPort: 8080 }], readinessProbe: { tcpSocket: { port: 8080 }, initialDelaySeconds: 2, periodSeconds: 1, successThreshold: 2 } }],
    });
    const ready = await until(async () => {
      const p = await pod('delayed');
      return condition(p, 'Ready')?.status === 'True' && p;
    }, 'delayed Ready');
    const startedAt = Date.parse(containerStatus(ready, 'c')!.state.running!.startedAt!);
    const readyAt = Date.parse(condition(ready, 'Ready')!.lastTransitionTime!);
    // First probe 2 s after the start, the second success 1 s later (both times have second resolution).
    assert.ok(readyAt - startedAt >= 3000, `Ready ${readyAt - startedAt} ms after the container started`);
  });

  test('readiness follows an exec probe both ways', async () => {
    await create('ready', {
      containers: [{
        name: 'c', image: 'busybox:1.36',
        command: ['sh', '-c', 'touch /tmp/ready; sleep 2; rm /tmp/ready; sleep 2; touch /tmp/ready; sleep 3600'],
        readinessProbe: { exec: { command: ['cat', '/tmp/ready'] }, periodSeconds: 1, failureThreshold: 1 },
      }],
    });
    const readyAt = (want: string) => until(async () => {
      const p = await pod('ready');
      return condition(p, 'Ready')?.status === want && p;
    }, `Ready=${want}`, 10_000, 50);
    const up = await readyAt('True');
    assert.equal(containerStatus(up, 'c')?.ready, true);
    const down = await readyAt('False');
    assert.equal(containerStatus(down, 'c')?.ready, false);
    assert.equal(condition(down, 'ContainersReady')?.status, 'False');
    assert.equal(down.status?.phase, 'Running');
    await readyAt('True');
    assert.equal(containerStatus(await pod('ready'), 'c')?.restartCount, 0);
    await eventWith('ready', 'Unhealthy', /^Readiness probe failed: cat: can't open '\/tmp\/ready': No such file or directory$/);
  });

  test('a startup probe holds back started, readiness and liveness until it passes', async () => {
    await create('slow', {
      containers: [{
        name: 'c', image: 'busybox:1.36', command: ['sh', '-c', 'sleep 2; touch /tmp/started; sleep 3600'],
        startupProbe: { exec: { command: ['test', '-f', '/tmp/started'] }, periodSeconds: 1, failureThreshold: 10 },
        livenessProbe: { exec: { command: ['test', '-f', '/tmp/started'] }, periodSeconds: 1, failureThreshold: 1 },
      }],
    });
    const starting = await until(async () => {
      const p = await pod('slow');
      return containerStatus(p, 'c')?.state.running && p;
    }, 'slow running');
    assert.equal(containerStatus(starting, 'c')?.started, false);
    assert.equal(containerStatus(starting, 'c')?.ready, false);
    const started = await until(async () => {
      const p = await pod('slow');
      return containerStatus(p, 'c')?.started && p;
    }, 'slow started');
    assert.equal(containerStatus(started, 'c')?.ready, true);
    assert.equal(containerStatus(started, 'c')?.restartCount, 0, 'liveness did not run before startup passed');
  });

  test('an image that does not exist: ErrImagePull, then ImagePullBackOff', async () => {
    await create('noimage', { containers: [{ name: 'c', image: 'registry.example/doesnotexist:1.0' }] });
    const pulled = await until(async () => {
      const p = await pod('noimage');
      return containerStatus(p, 'c')?.state.waiting?.reason === 'ErrImagePull' && p;
    }, 'ErrImagePull', 10_000, 25);
    assert.match(containerStatus(pulled, 'c')?.state.waiting?.message ?? '', /not found/);
    assert.equal(pulled.status?.phase, 'Pending');
    await until(async () => containerStatus(await pod('noimage'), 'c')?.state.waiting?.reason === 'ImagePullBackOff', 'ImagePullBackOff');
    const back = containerStatus(await pod('noimage'), 'c');
    assert.equal(back?.state.waiting?.message, 'Back-off pulling image "registry.example/doesnotexist:1.0"');
    await eventWith('noimage', 'Failed', /^Failed to pull image "registry\.example\/doesnotexist:1\.0": /);
    await eventWith('noimage', 'Failed', /^Error: ErrImagePull$/);
    await eventWith('noimage', 'BackOff', /^Back-off pulling image "registry\.example\/doesnotexist:1\.0"$/);
  });
});
