// Two API servers on one etcd cluster allocate ClusterIPs and NodePorts from the same ranges, stored in
// etcd: a value handed out (or asked for) through one is refused through the other at once, and a value
// freed through one is free through the other at once. (Creates racing each other: the -race test.)
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ApiServerProcess } from '../helpers/apiserver.ts';
import { etcdSkipReason, startApiServerOnEtcd, startEtcdCluster, type EtcdCluster } from '../helpers/etcd.ts';
import { call } from '../helpers/http.ts';

const services = '/api/v1/namespaces/default/services';
const service = (name: string, spec: Record<string, unknown> = {}) => ({
  apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { ports: [{ port: 80 }], ...spec },
});

describe('Service allocation with two API servers on one etcd', { skip: etcdSkipReason() }, () => {
  let cluster: EtcdCluster;
  let a: ApiServerProcess;
  let b: ApiServerProcess;

  before(async () => {
    cluster = await startEtcdCluster({ members: 1 });
    const args = ['--service-cluster-ip-range', '10.0.0.0/24', '--service-node-port-range', '30000-30019'];
    [a, b] = await Promise.all([startApiServerOnEtcd(cluster, args), startApiServerOnEtcd(cluster, args)]);
  });
  after(async () => {
    await Promise.all([a?.cleanup(), b?.cleanup()]);
    await cluster?.stop();
  });

  test('a ClusterIP taken through one server is refused through the other; once freed, it is free there too', async () => {
    const first = await call(a.url, 'POST', services, service('first', { clusterIP: '10.0.0.5' }));
    assert.equal(first.status, 201, JSON.stringify(first.body));
    const second = await call(b.url, 'POST', services, service('second', { clusterIP: '10.0.0.5' }));
    assert.equal(second.status, 422, JSON.stringify(second.body));
    assert.equal(second.body.details.causes[0].message, 'Invalid value: []string{"10.0.0.5"}: failed to allocate IP 10.0.0.5: provided IP is already allocated');
    assert.equal((await call(a.url, 'DELETE', `${services}/first`)).status, 200);
    const again = await call(b.url, 'POST', services, service('again', { clusterIP: '10.0.0.5' }));
    assert.equal(again.status, 201, JSON.stringify(again.body));
    await call(b.url, 'DELETE', `${services}/again`);
  });

  test('NodePorts allocated through both servers in turn never repeat', async () => {
    const ports: number[] = [];
    for (let i = 0; i < 12; i++) {
      const server = i % 2 ? b : a;
      const created = await call(server.url, 'POST', services, service(`np-${i}`, { type: 'NodePort' }));
      assert.equal(created.status, 201, JSON.stringify(created.body));
      ports.push(created.body.spec.ports[0].nodePort);
    }
    assert.equal(new Set(ports).size, ports.length, `repeated NodePorts: ${ports.join(', ')}`);
  });
});
