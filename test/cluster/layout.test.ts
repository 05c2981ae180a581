// What `npm start` runs: the command line, the processes with their flags, ports and addresses.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planCluster } from '../../scripts/cluster/layout.ts';
import { parseCommandLine } from '../../scripts/cluster/options.ts';

const argsOf = (layout: ReturnType<typeof planCluster>, name: string) => layout.processes.find((p) => p.name === name)!.args.join(' ');

test('sub-commands and their target may come before or after the flags', () => {
  assert.equal(parseCommandLine([]).command, 'up');
  const kill = parseCommandLine(['--data-dir', '/tmp/x', 'kill', 'scheduler-1', '--signal', 'TERM']);
  assert.deepEqual([kill.command, kill.target, kill.flags.signal, kill.dataDir], ['kill', 'scheduler-1', 'TERM', '/tmp/x']);
  assert.equal(parseCommandLine(['--fast', 'status']).flags.fast, true);
  assert.throws(() => parseCommandLine(['restart']), /needs the name/);
  assert.throws(() => parseCommandLine(['frobnicate']), /unknown command/);
  assert.throws(() => parseCommandLine(['up', '--nodes', '0']), /--nodes/);
  assert.throws(() => parseCommandLine(['--bogus']), /unknown flag/);
});

test('the default cluster: kube ports, node addresses on loopback, the local CIDRs', () => {
  const layout = planCluster(parseCommandLine([]).flags, '/d');
  assert.deepEqual(layout.processes.map((p) => p.name), [
    'apiserver', 'scheduler-1', 'scheduler-2', 'controller-manager-1', 'controller-manager-2',
    'kubelet-node-1', 'kube-proxy-node-1', 'kubelet-node-2', 'kube-proxy-node-2', 'kubelet-node-3', 'kube-proxy-node-3',
  ]);
  assert.equal(layout.apiServerURL, 'http://127.0.0.1:8080');
  assert.match(argsOf(layout, 'apiserver'), /--port 8080 --data-dir \/d\/data\/apiserver --service-cluster-ip-range 127\.96\.0\.0\/12$/);
  assert.match(argsOf(layout, 'scheduler-2'), /--kubeconfig \/d\/kubeconfig .*--secure-port 10359$/);
  assert.match(argsOf(layout, 'controller-manager-1'), /--secure-port 10257 --cluster-cidr 127\.64\.0\.0\/11$/);
  assert.equal(argsOf(layout, 'kubelet-node-3'), '--kubeconfig /d/kubeconfig --hostname-override node-3 --node-ip 127.1.0.3 --port 10450');
  assert.equal(argsOf(layout, 'kube-proxy-node-2'), '--kubeconfig /d/kubeconfig --hostname-override node-2 --bind-address 127.1.0.2 --healthz-bind-address 127.1.0.2:10356');
  const ports = layout.processes.map((p) => `${new URL(p.url).hostname}:${new URL(p.url).port}`);
  assert.equal(new Set(ports).size, ports.length, 'no two processes share an address');
  assert.deepEqual(layout.fastSettings, []);
});

test('--fast sets the short timings through the components\' own flags; --port-base moves every port', () => {
  const layout = planCluster(parseCommandLine(['--fast', '--port-base', '18080', '--nodes', '5']).flags, '/d');
  assert.match(argsOf(layout, 'scheduler-1'), /--leader-elect-lease-duration 4s --leader-elect-renew-deadline 3s --leader-elect-retry-period 1s/);
  assert.match(argsOf(layout, 'controller-manager-2'), /--node-monitor-grace-period 8s --node-monitor-period 1s/);
  assert.match(argsOf(layout, 'apiserver'), /--default-not-ready-toleration-seconds 5 --default-unreachable-toleration-seconds 5/);
  assert.match(argsOf(layout, 'kubelet-node-5'), /--node-ip 127\.1\.0\.5 --port 20650 .*--node-lease-renew-interval 1s/);
  assert.equal(layout.apiServerURL, 'http://127.0.0.1:18080');
  assert.equal(layout.fastSettings.length, 4);
  assert.throws(() => planCluster(parseCommandLine(['--port-base', '60000', '--nodes', '50']).flags, '/d'), /above 65535/);
  assert.throws(() => planCluster(parseCommandLine(['--port-base', '28080']).flags, '/d'), /NodePort range/);
});

test('--ha: three etcd members and three API servers on them; every component lists all three API servers', () => {
  const layout = planCluster(parseCommandLine(['--ha', '--port-base', '24080', '--nodes', '2']).flags, '/d');
  assert.deepEqual(layout.processes.slice(0, 6).map((p) => p.name), ['etcd-1', 'etcd-2', 'etcd-3', 'apiserver-1', 'apiserver-2', 'apiserver-3']);
  assert.deepEqual(layout.apiServerURLs, ['http://127.0.0.1:24080', 'http://127.0.0.1:24081', 'http://127.0.0.1:24082']);
  assert.equal(layout.apiServerURL, 'http://127.0.0.1:24080', 'the kubeconfig names the first');
  const etcd2 = layout.processes.find((p) => p.name === 'etcd-2')!;
  assert.equal(etcd2.program, 'etcd');
  assert.equal(etcd2.url, 'http://127.0.0.1:18479', 'kube\'s 2379 moved with --port-base, +100 per member');
  assert.match(argsOf(layout, 'etcd-2'), /--data-dir \/d\/etcd-2 .*--initial-cluster etcd-1=http:\/\/127\.0\.0\.1:18380,etcd-2=http:\/\/127\.0\.0\.1:18480,etcd-3=http:\/\/127\.0\.0\.1:18580 /);
  assert.match(argsOf(layout, 'apiserver-3'), /--port 24082 --storage-backend etcd3 --etcd-servers http:\/\/127\.0\.0\.1:18379,http:\/\/127\.0\.0\.1:18479,http:\/\/127\.0\.0\.1:18579 /);
  const master = '--master http://127.0.0.1:24080,http://127.0.0.1:24081,http://127.0.0.1:24082';
  for (const name of ['scheduler-1', 'controller-manager-2', 'kubelet-node-1', 'kube-proxy-node-2']) assert.ok(argsOf(layout, name).startsWith(`--kubeconfig /d/kubeconfig ${master} `), name);
  const ports = layout.processes.map((p) => `${new URL(p.url).hostname}:${new URL(p.url).port}`);
  assert.equal(new Set(ports).size, ports.length, 'no two processes share an address');
  assert.throws(() => planCluster(parseCommandLine(['--ha', '--port-base', '2000']).flags, '/d'), /below 1024/);
  // Without --ha nothing changes: one API server, no --master.
  assert.ok(!argsOf(planCluster(parseCommandLine([]).flags, '/d'), 'scheduler-1').includes('--master'));
});
