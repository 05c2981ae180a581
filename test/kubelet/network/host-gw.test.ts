// The host-gw network plugin: which routes a node wants, and (as root) that it installs, moves and removes
// exactly its own routes in a real network namespace.
import { execFile, execFileSync } from 'node:child_process';
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Node } from '../../../shared/api/node.ts';
import { createLogger } from '../../../shared/log.ts';
import { HostGwNetwork, ROUTE_PROTOCOL, desiredRoutes, parseInstalledRoutes, routeChanges, type RunIp } from '../../../kubelet/network/host-gw.ts';

function node(name: string, podCIDR?: string, ip?: string): Node {
  return {
    apiVersion: 'v1', kind: 'Node', metadata: { name },
    spec: podCIDR ? { podCIDR, podCIDRs: [podCIDR] } : {},
    status: ip ? { addresses: [{ type: 'InternalIP', address: ip }, { type: 'Hostname', address: name }] } : {},
  } as Node;
}

describe('desiredRoutes', () => {
  test('own podCIDR is local, the others go via their InternalIP, nodes without podCIDR or address are skipped', () => {
    const routes = desiredRoutes([
      node('node-1', '10.244.1.0/24', '172.28.1.1'),
      node('node-2', '10.244.2.0/24', '172.28.1.2'),
      node('node-3', undefined, '172.28.1.3'),
      node('node-4', '10.244.4.0/24'),
    ], 'node-1');
    assert.deepEqual(routes, [
      { type: 'local', dst: '10.244.1.0/24' },
      { type: 'unicast', dst: '10.244.2.0/24', gateway: '172.28.1.2' },
    ]);
  });

  test('an IPv6 podCIDR is ignored (IPv4 only)', () => {
    assert.deepEqual(desiredRoutes([node('node-2', 'fd00::/64', '172.28.1.2')], 'node-1'), []);
  });
});

describe('routeChanges', () => {
  test('a moved next hop is replaced in place; a vanished node\'s route is removed', () => {
    const installed = [
      { type: 'unicast' as const, dst: '10.244.2.0/24', gateway: '172.28.1.2' },
      { type: 'unicast' as const, dst: '10.244.3.0/24', gateway: '172.28.1.3' },
      { type: 'local' as const, dst: '10.244.1.0/24' },
    ];
    const desired = [
      { type: 'local' as const, dst: '10.244.1.0/24' },
      { type: 'unicast' as const, dst: '10.244.2.0/24', gateway: '172.28.1.22' },
    ];
    assert.deepEqual(routeChanges(installed, desired), {
      replace: [{ type: 'unicast', dst: '10.244.2.0/24', gateway: '172.28.1.22' }],
      remove: [{ type: 'unicast', dst: '10.244.3.0/24', gateway: '172.28.1.3' }],
    });
  });
});

test('parseInstalledRoutes reads `ip -j route show table all`', () => {
  const json = JSON.stringify([
    { dst: '10.244.2.0/24', gateway: '172.28.1.2', dev: 'eth0', flags: [] },
    { type: 'local', dst: '10.244.1.0/24', dev: 'lo', table: 'local', scope: 'host', flags: [] },
    { type: 'unreachable', dst: '10.244.0.0/16', flags: [] },
  ]);
  assert.deepEqual(parseInstalledRoutes(json), [
    { type: 'unicast', dst: '10.244.2.0/24', gateway: '172.28.1.2' },
    { type: 'local', dst: '10.244.1.0/24' },
  ]);
});

// A real network namespace needs root and `ip netns`; elsewhere this part is skipped.
const ns = `k8ts-hostgw-${process.pid}`;
let canUseNetns = false;
try {
  if (process.getuid?.() === 0) {
    execFileSync('ip', ['netns', 'add', ns], { stdio: 'ignore' });
    canUseNetns = true;
  }
} catch {
  canUseNetns = false;
}

describe('HostGwNetwork in a network namespace', { skip: !canUseNetns && 'needs root and ip netns' }, () => {
  after(() => execFileSync('ip', ['netns', 'del', ns]));
  const inNs = (args: string[]) => execFileSync('ip', ['-n', ns, ...args], { encoding: 'utf8' });
  const calls: string[][] = [];
  const run: RunIp = (args) => {
    calls.push(args);
    return new Promise((resolve, reject) => execFile('ip', ['-n', ns, ...args], (err, stdout, stderr) => (err ? reject(new Error(stderr)) : resolve(stdout))));
  };
  let nodes: Node[] = [];
  const network = new HostGwNetwork({ nodeName: 'node-1', nodes: () => nodes, logger: createLogger('test', 'silent'), run });
  after(() => network.stop());

  test('installs, moves and removes its routes, leaves other routes alone, and is idempotent', async () => {
    inNs(['link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'peer0']); // (no dummy module everywhere)
    inNs(['addr', 'add', '172.28.1.1/16', 'dev', 'eth0']);
    inNs(['link', 'set', 'peer0', 'up']);
    inNs(['link', 'set', 'eth0', 'up']);
    inNs(['link', 'set', 'lo', 'up']);
    inNs(['route', 'add', 'unreachable', '10.244.0.0/16']); // someone else's (the entrypoint's) route
    nodes = [node('node-1', '10.244.1.0/24', '172.28.1.1'), node('node-2', '10.244.2.0/24', '172.28.1.2'), node('node-3', '10.244.3.0/24', '172.28.1.3')];
    network.start();
    await network.sync();
    assert.match(inNs(['route', 'get', '10.244.1.7']), /^local 10\.244\.1\.7 dev lo/);
    assert.match(inNs(['route', 'get', '10.244.2.7']), /via 172\.28\.1\.2 dev eth0/);
    assert.match(inNs(['route', 'get', '10.244.3.7']), /via 172\.28\.1\.3 dev eth0/);

    calls.length = 0;
    await network.sync();
    assert.deepEqual(calls.map((c) => c.slice(0, 3).join(' ')), ['-j route show'], 'a second sync only reads');

    nodes = [node('node-1', '10.244.1.0/24', '172.28.1.1'), node('node-2', '10.244.2.0/24', '172.28.1.22')];
    await network.sync();
    assert.match(inNs(['route', 'get', '10.244.2.7']), /via 172\.28\.1\.22 dev eth0/);
    // node-3 is gone: its pods' addresses fall back to the unreachable catch-all, which is not ours to remove.
    assert.throws(() => inNs(['route', 'get', '10.244.3.7']), /unreachable|No route/i);
    const ours = inNs(['route', 'show', 'table', 'all', 'proto', String(ROUTE_PROTOCOL)]).trim().split('\n').map((l) => l.trim()).sort();
    assert.deepEqual(ours, ['10.244.2.0/24 via 172.28.1.22 dev eth0', 'local 10.244.1.0/24 dev lo table local scope host']);
    assert.match(inNs(['route', 'show', '10.244.0.0/16']), /unreachable 10\.244\.0\.0\/16/);
  });
});
