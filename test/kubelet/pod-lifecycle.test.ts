// Pods on a simulated node: the sandbox waits for the node's podCIDR, the pod IP comes from it,
// containers run and serve their ports for real, init containers run first and in order, and
// restartPolicy Never/OnFailure pods end Succeeded or Failed with kube's statuses and events; pods
// bound to other nodes are left alone.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { condition, containerStatus, eventsAbout, httpGet, podSpec, setPodCIDR, startCluster, until, type Cluster, type Pod } from './harness.ts';

const NODE = 'kp-1';

describe('kubelet pod lifecycle', () => {
  let cluster: Cluster;
  before(async () => {
    // No podCIDR yet: the first test sets it. Pulls take 300 ms (the default is 100 ms).
    cluster = await startCluster({ nodeName: NODE, nodeIP: '127.1.2.1', args: ['--image-pull-duration', '300ms'] });
  });
  after(async () => cluster?.stop());

  const pod = (name: string) => cluster.pods.get('default', name);
  const phaseIs = (name: string, phase: string) => until(async () => {
    const p = await pod(name);
    return p.status?.phase === phase && p;
  }, `${name} ${phase}`);

  test('waits for the node\'s podCIDR, then runs: Running, Ready, an IP from the CIDR, ports answering', async () => {
    await cluster.pods.create('default', podSpec('web', NODE, {
      containers: [{ name: 'web', image: 'nginx:1.27', ports: [{ containerPort: 8080 }, { containerPort: 9090 }] }],
    }));
    // Network not ready: the sandbox cannot be made, the container is still being created.
    const waiting = await until(async () => {
      const p = await pod('web');
      return containerStatus(p, 'web')?.state.waiting?.reason === 'ContainerCreating' && p;
    }, 'web ContainerCreating');
    assert.equal(waiting.status?.phase, 'Pending');
    assert.equal(waiting.status?.podIP, undefined);
    assert.equal(condition(waiting, 'PodReadyToStartContainers')?.status, 'False');

    await setPodCIDR(cluster, NODE, '127.64.2.0/24');
    const running = await until(async () => {
      const p = await pod('web');
      return condition(p, 'Ready')?.status === 'True' && p;
    }, 'web Ready');
    const s = running.status!;
    assert.equal(s.phase, 'Running');
    assert.match(s.podIP ?? '', /^127\.64\.2\.(\d+)$/);
    assert.ok(Number(s.podIP!.split('.')[3]) >= 2, 'pod IPs start at .2');
    assert.deepEqual(s.podIPs, [{ ip: s.podIP }]);
    assert.equal(s.hostIP, '127.1.2.1');
    assert.ok(s.startTime);
    assert.equal(s.qosClass, 'BestEffort');
    for (const type of ['PodReadyToStartContainers', 'Initialized', 'ContainersReady', 'Ready', 'PodScheduled']) {
      assert.equal(condition(running, type)?.status, 'True', type);
      assert.ok(condition(running, type)?.lastTransitionTime, `${type} lastTransitionTime`);
    }
    const cs = containerStatus(running, 'web')!;
    assert.ok(cs.state.running?.startedAt);
    assert.equal(cs.ready, true);
    assert.equal(cs.started, true);
    assert.equal(cs.restartCount, 0);
    assert.match(cs.containerID ?? '', /^k8ts:\/\/[0-9a-f]{64}$/);
    assert.equal(cs.image, 'docker.io/library/nginx:1.27');
    assert.match(cs.imageID, /^docker\.io\/library\/nginx@sha256:[0-9a-f]{64}$/);

    for (const port of [8080, 9090]) {
      assert.deepEqual(await httpGet(`http://${s.podIP}:${port}/`), { status: 200, body: 'web\n' });
    }
    assert.deepEqual(await httpGet(`http://${s.podIP}:8080/healthz`), { status: 200, body: 'ok\n' });
    assert.deepEqual(await httpGet(`http://${s.podIP}:8081/`), { error: 'ECONNREFUSED' });

    const events = await until(async () => {
      const ev = await eventsAbout(cluster, 'web');
      return ev.some((e) => e.reason === 'Started') && ev;
    }, 'web events');
    const reasons = events.map((e) => e.reason);
    for (const r of ['Pulling', 'Pulled', 'Created', 'Started']) assert.ok(reasons.includes(r), `${r} in ${reasons}`);
    const byReason = Object.fromEntries(events.map((e) => [e.reason, e]));
    assert.equal(byReason.Pulling.message, 'Pulling image "nginx:1.27"');
    const pulled = /^Successfully pulled image "nginx:1\.27" in (\d+)ms \(\d+ms including waiting\)\. Image size: \d+ bytes\.$/.exec(byReason.Pulled.message ?? '');
    assert.ok(pulled, byReason.Pulled.message);
    assert.ok(Number(pulled[1]) >= 300, `the pull took the simulated --image-pull-duration (300ms): ${pulled[1]}ms`);
    assert.equal(byReason.Created.message, 'Created container: web');
    assert.equal(byReason.Started.message, 'Started container web');
    assert.equal(byReason.Started.involvedObject.fieldPath, 'spec.containers{web}');
    assert.equal(byReason.Started.source?.component, 'kubelet');
    assert.equal(byReason.Started.source?.host, NODE);
  });

  test('runs init containers first, one at a time, each to completion', async () => {
    await cluster.pods.create('default', podSpec('init', NODE, {
      initContainers: [
        { name: 'first', image: 'busybox:1.36', command: ['sh', '-c', 'sleep 0.5'] },
        { name: 'second', image: 'busybox:1.36', command: ['sh', '-c', 'sleep 0.5; exit 0'] },
      ],
      containers: [{ name: 'main', image: 'busybox:1.36', command: ['sleep', '3600'] }],
    }));
    const initializing = await until(async () => {
      const p = await pod('init');
      return containerStatus(p, 'first')?.state.running && p;
    }, 'first init container running');
    assert.equal(initializing.status?.phase, 'Pending');
    assert.equal(containerStatus(initializing, 'second')?.state.waiting?.reason, 'PodInitializing');
    assert.equal(containerStatus(initializing, 'main')?.state.waiting?.reason, 'PodInitializing');
    const initCond = condition(initializing, 'Initialized');
    assert.equal(initCond?.status, 'False');
    assert.equal(initCond?.reason, 'ContainersNotInitialized');
    assert.equal(initCond?.message, 'containers with incomplete status: [first second]');

    const running = await phaseIs('init', 'Running');
    const first = containerStatus(running, 'first')!.state.terminated!;
    const second = containerStatus(running, 'second')!.state.terminated!;
    const main = containerStatus(running, 'main')!.state.running!;
    assert.equal(first.reason, 'Completed');
    assert.equal(first.exitCode, 0);
    assert.equal(second.reason, 'Completed');
    assert.ok(Date.parse(first.finishedAt!) <= Date.parse(second.startedAt!), 'second starts after first finished');
    assert.ok(Date.parse(second.finishedAt!) <= Date.parse(main.startedAt!), 'main starts after the init containers');
    assert.equal(containerStatus(running, 'first')?.ready, true);
    assert.equal(condition(running, 'Initialized')?.status, 'True');
  });

  test('restartPolicy Never: exit 0 is Succeeded, exit 3 is Failed', async () => {
    await cluster.pods.create('default', podSpec('ok', NODE, { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox:1.36', command: ['sh', '-c', 'echo done; exit 0'] }] }));
    await cluster.pods.create('default', podSpec('bad', NODE, { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox:1.36', command: ['sh', '-c', 'exit 3'] }] }));
    const ok = await phaseIs('ok', 'Succeeded');
    const done = containerStatus(ok, 'c')!;
    assert.equal(done.state.terminated?.exitCode, 0);
    assert.equal(done.state.terminated?.reason, 'Completed');
    assert.equal(done.restartCount, 0);
    assert.equal(done.ready, false);
    assert.equal(condition(ok, 'Ready')?.status, 'False');
    assert.equal(condition(ok, 'Ready')?.reason, 'PodCompleted');
    const bad = await phaseIs('bad', 'Failed');
    assert.equal(containerStatus(bad, 'c')?.state.terminated?.exitCode, 3);
    assert.equal(containerStatus(bad, 'c')?.state.terminated?.reason, 'Error');
  });

  test('restartPolicy OnFailure: a failing container is restarted, a succeeding one ends the pod', async () => {
    await cluster.pods.create('default', podSpec('retry', NODE, { restartPolicy: 'OnFailure', containers: [{ name: 'c', image: 'busybox:1.36', command: ['sh', '-c', 'exit 1'] }] }));
    await cluster.pods.create('default', podSpec('once', NODE, { restartPolicy: 'OnFailure', containers: [{ name: 'c', image: 'busybox:1.36', command: ['true'] }] }));
    const restarted = await until(async () => {
      const p = await pod('retry');
      return (containerStatus(p, 'c')?.restartCount ?? 0) >= 1 && p;
    }, 'retry restarted');
    assert.equal(restarted.status?.phase, 'Running');
    assert.equal(containerStatus(restarted, 'c')?.lastState.terminated?.exitCode, 1);
    const once = await phaseIs('once', 'Succeeded');
    assert.equal(containerStatus(once, 'c')?.restartCount, 0);
  });

  test('init container failing with restartPolicy Never fails the pod without starting containers', async () => {
    await cluster.pods.create('default', podSpec('init-fail', NODE, {
      restartPolicy: 'Never',
      initContainers: [{ name: 'setup', image: 'busybox:1.36', command: ['false'] }],
      containers: [{ name: 'main', image: 'busybox:1.36' }],
    }));
    const failed = await phaseIs('init-fail', 'Failed');
    assert.equal(containerStatus(failed, 'setup')?.state.terminated?.exitCode, 1);
    assert.equal(containerStatus(failed, 'main')?.state.running, undefined);
  });

  test('runs only the pods bound to its node', async () => {
    await cluster.pods.create('default', podSpec('elsewhere', 'kp-other', { containers: [{ name: 'c', image: 'nginx:1.27' }] }));
    await cluster.pods.create('default', podSpec('mine', NODE, { containers: [{ name: 'c', image: 'nginx:1.27' }] }));
    await phaseIs('mine', 'Running');
    // The kubelet gets its pods in the order the API server made them: had it seen 'elsewhere', it would hold it by now.
    const res = await httpGet(`${cluster.kubelet.url}/pods`);
    assert.ok('body' in res, 'the kubelet\'s /pods');
    const names = (JSON.parse(res.body) as { items: Pod[] }).items.map((p) => p.metadata.name);
    assert.ok(names.includes('mine') && !names.includes('elsewhere'), `the kubelet runs ${names}`);
    const other = await pod('elsewhere');
    assert.equal(other.status?.hostIP, undefined, 'no status from this kubelet');
    assert.equal(other.status?.containerStatuses, undefined);
  });
});
