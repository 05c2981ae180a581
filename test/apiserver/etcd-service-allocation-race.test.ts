// Two API servers on one etcd allocate from the same small ranges at the same moment: the ranges
// are RangeAllocation objects in etcd updated by compare-and-swap, so no ClusterIP or NodePort is
// ever handed out twice, the full range is refused with kube's error through either server, and
// what a delete (or a failed create) gives back through one server is free through the other at once.
// The repair at start rebuilds lost ranges from the stored Services.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Etcd3 } from 'etcd3';
import type { ApiServerProcess } from '../helpers/apiserver.ts';
import { etcdSkipReason, startApiServerOnEtcd, startEtcdCluster, type EtcdCluster } from '../helpers/etcd.ts';
import { call } from '../helpers/http.ts';

const services = '/api/v1/namespaces/default/services';
const service = (name: string, spec: Record<string, unknown> = {}) => ({
  apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { ports: [{ port: 80 }], ...spec },
});
// A /27 has 30 usable addresses, of which dynamic allocation prefers the 14 above kube's static band:
// two servers picking at random without seeing each other collide almost surely.
const IP_FULL = 'Internal error occurred: failed to allocate a serviceIP: range is full';
const PORT_FULL = 'Internal error occurred: failed to allocate a nodePort: range is full';
const args = ['--service-cluster-ip-range', '10.0.0.0/27', '--service-node-port-range', '30000-30019'];

describe('Service allocation racing through two API servers on one etcd', { skip: etcdSkipReason() }, () => {
  let cluster: EtcdCluster;
  let a: ApiServerProcess;
  let b: ApiServerProcess;
  const created = new Map<string, { ip: string; nodePort?: number }>();

  before(async () => {
    cluster = await startEtcdCluster({ members: 1 });
    [a, b] = await Promise.all([startApiServerOnEtcd(cluster, args), startApiServerOnEtcd(cluster, args)]);
  });
  after(async () => {
    await Promise.all([a?.cleanup(), b?.cleanup()]);
    await cluster?.stop();
  });

  test('40 concurrent creates, half through each server: 30 distinct ClusterIPs, distinct NodePorts, 10 refused as full', async () => {
    // Each server gets 10 ClusterIP and 10 NodePort Services; 20 node ports suffice for all NodePort ones.
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) =>
      call((i % 2 ? b : a).url, 'POST', services, service(`burst-${i}`, i % 4 < 2 ? {} : { type: 'NodePort' }))));
    for (const r of results) {
      if (r.status === 201) created.set(r.body.metadata.name, { ip: r.body.spec.clusterIP, nodePort: r.body.spec.ports[0].nodePort });
      else assert.deepEqual([r.status, r.body.message], [500, IP_FULL], JSON.stringify(r.body));
    }
    const ips = [...created.values()].map((v) => v.ip);
    const nodePorts = [...created.values()].flatMap((v) => (v.nodePort ? [v.nodePort] : []));
    assert.equal(new Set(ips).size, ips.length, `repeated ClusterIPs: ${ips.sort().join(' ')}`);
    assert.equal(new Set(nodePorts).size, nodePorts.length, `repeated NodePorts: ${nodePorts.sort().join(' ')}`);
    assert.equal(created.size, 30, 'every usable address handed out once');
    // What is stored is what was answered, read through either server.
    for (const server of [a, b]) {
      const list = await call(server.url, 'GET', services);
      const stored = list.body.items.filter((s: any) => s.metadata.name.startsWith('burst-')).map((s: any) => s.spec.clusterIP);
      assert.deepEqual(stored.sort(), ips.sort());
    }
    for (const server of [a, b]) {
      const full = await call(server.url, 'POST', services, service(`full-${server.port}`));
      assert.deepEqual([full.status, full.body.message], [500, IP_FULL]);
    }
  });

  test('values freed by deletes through one server are free through the other at once', async () => {
    const names = [...created.keys()];
    const clusterIPOnly = names.filter((n) => !created.get(n)!.nodePort).slice(0, 3);
    const nodePort = names.filter((n) => created.get(n)!.nodePort).slice(0, 3);
    const deletes = [...clusterIPOnly, ...nodePort].map((n, i) => call((i % 2 ? a : b).url, 'DELETE', `${services}/${n}`));
    for (const res of await Promise.all(deletes)) assert.equal(res.status, 200, JSON.stringify(res.body));
    // Each freed value is asked for by name through the server that did not delete it.
    const reuse = [...clusterIPOnly, ...nodePort].map((n, i) => {
      const { ip, nodePort: port } = created.get(n)!;
      const spec = port ? { type: 'NodePort', clusterIP: ip, ports: [{ port: 80, nodePort: port }] } : { clusterIP: ip };
      return call((i % 2 ? b : a).url, 'POST', services, service(`${n}-again`, spec));
    });
    for (const res of await Promise.all(reuse)) assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.deepEqual((await call(b.url, 'POST', services, service('full-again'))).body.message, IP_FULL);
  });

  test('a create that fails after taking a ClusterIP gives it back, for the other server too', async () => {
    // The fourth ClusterIP-only Service: the previous test deleted (and replaced) only the first three.
    const [name, { ip }] = [...created].filter(([, v]) => !v.nodePort)[3];
    assert.equal((await call(a.url, 'DELETE', `${services}/${name}`)).status, 200);
    // 21 node ports from a range of 20: the address is taken, then the node ports fail.
    const ports = Array.from({ length: 21 }, (_, i) => ({ name: `p${i}`, port: 1000 + i }));
    const fails = await call(a.url, 'POST', services, service('no-port', { type: 'NodePort', ports }));
    assert.deepEqual([fails.status, fails.body.message], [500, PORT_FULL], JSON.stringify(fails.body));
    const again = await call(b.url, 'POST', services, service('takes-the-address', { clusterIP: ip }));
    assert.equal(again.status, 201, JSON.stringify(again.body));
  });
});

describe('the repair at start', { skip: etcdSkipReason() }, () => {
  test('rebuilds ranges lost from etcd (or never stored, as before an upgrade) from the stored Services', async () => {
    const cluster = await startEtcdCluster({ members: 1 });
    const etcd = new Etcd3({ hosts: cluster.clientUrls });
    let server: ApiServerProcess | undefined;
    try {
      const first = await startApiServerOnEtcd(cluster, args);
      server = first;
      const held: { ip: string; nodePort: number }[] = [];
      for (let i = 0; i < 10; i++) {
        const res = await call(first.url, 'POST', services, service(`kept-${i}`, { type: 'NodePort' }));
        assert.equal(res.status, 201, JSON.stringify(res.body));
        held.push({ ip: res.body.spec.clusterIP, nodePort: res.body.spec.ports[0].nodePort });
      }
      await first.cleanup();
      assert.equal((await etcd.delete().prefix('/registry/ranges/').exec()).deleted, '2');

      const restarted = await startApiServerOnEtcd(cluster, args);
      server = restarted;
      for (const [i, { ip, nodePort }] of held.entries()) {
        const sameIP = await call(restarted.url, 'POST', services, service(`ip-${i}`, { clusterIP: ip }));
        assert.equal(sameIP.status, 422, `${ip} is still kept-${i}'s`);
        const samePort = await call(restarted.url, 'POST', services, service(`port-${i}`, { type: 'NodePort', ports: [{ port: 80, nodePort }] }));
        assert.equal(samePort.status, 422, `${nodePort} is still kept-${i}'s`);
      }
      // Whatever is left is handed out without repeating a kept value: 10 more node ports, then full.
      for (let i = 0; i < 10; i++) {
        const res = await call(restarted.url, 'POST', services, service(`more-${i}`, { type: 'NodePort' }));
        assert.equal(res.status, 201, JSON.stringify(res.body));
        assert.ok(!held.some((h) => h.ip === res.body.spec.clusterIP || h.nodePort === res.body.spec.ports[0].nodePort), JSON.stringify(res.body.spec));
      }
      assert.equal((await call(restarted.url, 'POST', services, service('one-too-many', { type: 'NodePort' }))).body.message, PORT_FULL);
    } finally {
      await server?.cleanup();
      etcd.close();
      await cluster.stop();
    }
  });
});
