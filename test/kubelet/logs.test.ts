// Container logs: the kubelet keeps each run's output, and the API server's pods/log proxies to the
// pod's kubelet, so the real `kubectl logs` works (-c, --tail, --timestamps, -f, --previous). Errors
// come back as kube's Status objects.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { call } from '../helpers/http.ts';
import { eventually, kubectlFor, kubectlMissing, type Kubectl } from '../helpers/kubectl.ts';
import { containerStatus, podSpec, startCluster, until, type Cluster } from './harness.ts';

const NODE = 'kl-1';

describe('container logs', () => {
  let cluster: Cluster;
  let kubectl: Kubectl;
  before(async () => {
    cluster = await startCluster({ nodeName: NODE, nodeIP: '127.1.6.1', podCIDR: '127.64.6.0/24', args: ['--container-restart-backoff', '1s'] });
    kubectl = kubectlFor(cluster.apiserver.url);
    await cluster.pods.create('default', podSpec('talk', NODE, {
      containers: [
        { name: 'counter', image: 'busybox:1.36', command: ['sh', '-c', 'i=0; while true; do echo "line $i"; i=$((i+1)); sleep 0.2; done'] },
        { name: 'quiet', image: 'busybox:1.36', command: ['sh', '-c', 'echo hello from quiet; echo to stderr >&2; sleep 3600'] },
      ],
    }));
    await cluster.pods.create('default', podSpec('crashy', NODE, {
      containers: [{ name: 'c', image: 'busybox:1.36', command: ['sh', '-c', 'echo "run at $(date +%s%N)"; sleep 0.3; exit 2'] }],
    }));
    await until(async () => (await cluster.pods.get('default', 'talk')).status?.phase === 'Running', 'talk running');
  });
  after(async () => cluster?.stop());

  const logPath = (pod: string, query = '') => `/api/v1/namespaces/default/pods/${pod}/log${query}`;

  test('pods/log answers with the container\'s output', async () => {
    const res = await until(async () => {
      const r = await call(cluster.apiserver.url, 'GET', logPath('talk', '?container=quiet'));
      return r.status === 200 && r;
    }, 'quiet logs');
    assert.equal(res.body, 'hello from quiet\nto stderr\n');
  });

  test('errors are Status objects: no container named, an unknown container, a waiting container', async () => {
    const noName = await call(cluster.apiserver.url, 'GET', logPath('talk'));
    assert.equal(noName.status, 400);
    assert.equal(noName.body.kind, 'Status');
    assert.equal(noName.body.reason, 'BadRequest');
    assert.equal(noName.body.message, 'a container name must be specified for pod talk, choose one of: [counter quiet]');
    const unknown = await call(cluster.apiserver.url, 'GET', logPath('talk', '?container=nope'));
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.message, 'container nope is not valid for pod talk');
    const missing = await call(cluster.apiserver.url, 'GET', logPath('absent'));
    assert.equal(missing.status, 404);
    assert.equal(missing.body.message, 'pods "absent" not found');
    const badTail = await call(cluster.apiserver.url, 'GET', logPath('talk', '?container=quiet&tailLines=-2'));
    assert.equal(badTail.status, 422);
    assert.equal(badTail.body.message, 'PodLogOptions "talk" is invalid: tailLines: Invalid value: -2: must be greater than or equal to 0');
    await cluster.pods.create('default', podSpec('nopull', NODE, { containers: [{ name: 'c', image: 'nonexistent/image:1' }] }));
    const waiting = await until(async () => {
      const r = await call(cluster.apiserver.url, 'GET', logPath('nopull'));
      return r.status === 400 && /waiting to start/.test(r.body.message) && r;
    }, 'waiting container error');
    assert.match(waiting.body.message, /^container "c" in pod "nopull" is waiting to start: (image can't be pulled|trying and failing to pull image|ContainerCreating)$/);
  });

  test('kubectl logs: -c, --tail, --timestamps', { skip: kubectlMissing }, async () => {
    const all = await until(async () => {
      const out = await kubectl.run('logs', 'talk', '-c', 'counter');
      return out.split('\n').length > 4 && out;
    }, 'a few lines');
    assert.match(all, /^line 0\nline 1\nline 2\n/);
    const tail = await kubectl.run('logs', 'talk', '-c', 'counter', '--tail', '2');
    const tailLines = tail.trimEnd().split('\n');
    assert.equal(tailLines.length, 2);
    assert.match(tailLines[1], /^line \d+$/);
    const stamped = await kubectl.run('logs', 'talk', '-c', 'quiet', '--timestamps');
    assert.match(stamped, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z hello from quiet\n/);
  });

  test('kubectl logs -f follows new lines', { skip: kubectlMissing }, async () => {
    const follow = kubectl.start('logs', '-f', 'talk', '-c', 'counter', '--tail', '1');
    try {
      let first = -1;
      await eventually(() => {
        const numbers = [...follow.output().matchAll(/line (\d+)/g)].map((m) => Number(m[1]));
        if (first < 0 && numbers.length) first = numbers[0];
        return numbers.length >= 4 && numbers.every((n, i) => n === first + i);
      }, 'four consecutive followed lines');
    } finally {
      follow.stop();
    }
  });

  test('kubectl logs --previous shows the run before the current one', { skip: kubectlMissing }, async () => {
    await until(async () => (containerStatus(await cluster.pods.get('default', 'crashy'), 'c')?.restartCount ?? 0) >= 1, 'crashy restarted');
    const previous = await kubectl.run('logs', 'crashy', '--previous');
    assert.match(previous, /^run at \d+\n$/);
    const current = await until(async () => {
      const r = await kubectl.tryRun('logs', 'crashy');
      return r.code === 0 && r.stdout;
    }, 'current logs');
    assert.match(current, /^run at \d+\n$/);
    const none = await kubectl.tryRun('logs', 'talk', '-c', 'quiet', '--previous');
    assert.notEqual(none.code, 0);
    assert.match(none.stderr, /previous terminated container "quiet" in pod "talk" not found/);
  });
});
