// Service ClusterIP and NodePort allocation over HTTP, as kube-apiserver's service registry does it:
// every ClusterIP-needing type gets an address of --service-cluster-ip-range (never its network or
// broadcast address) and the IP family fields; requested values are honoured when free and in range,
// refused with kube's field errors otherwise; headless and ExternalName Services get none; NodePort and
// LoadBalancer Services get node ports; allocated values survive updates that leave them blank, the
// ClusterIP never changes, and everything a Service held is free again once it is deleted (or its
// create failed, or was a dry run).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startApiServer, type ApiServerProcess } from '../helpers/apiserver.ts';
import { call } from '../helpers/http.ts';

const NS = 'default';
const servicesPath = `/api/v1/namespaces/${NS}/services`;
let server: ApiServerProcess;
before(async () => { server = await startApiServer(); });
after(async () => { await server?.cleanup(); });

let counter = 0;
const fresh = (prefix: string) => `${prefix}-${++counter}`;
const create = (name: string, spec: Record<string, unknown>, query = '') =>
  call(server.url, 'POST', servicesPath + query, { apiVersion: 'v1', kind: 'Service', metadata: { name }, spec });
const get = (name: string) => call(server.url, 'GET', `${servicesPath}/${name}`);
const put = (name: string, body: unknown) => call(server.url, 'PUT', `${servicesPath}/${name}`, body);
const remove = (name: string) => call(server.url, 'DELETE', `${servicesPath}/${name}`);
const ports = [{ port: 80, targetPort: 8080 }];

/** 127.96.0.0/12 without its network (127.96.0.0) and broadcast (127.111.255.255) addresses. */
function inDefaultRange(ip: string): boolean {
  const [a, b, c, d] = ip.split('.').map(Number);
  if (a !== 127 || b < 96 || b > 111) return false;
  return !(b === 96 && c === 0 && d === 0) && !(b === 111 && c === 255 && d === 255);
}

function assertCreated(res: { status: number; body: any }) {
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body;
}

function assertInvalid(res: { status: number; body: any }, field: string, message: string) {
  assert.equal(res.status, 422, JSON.stringify(res.body));
  assert.equal(res.body.reason, 'Invalid');
  const cause = res.body.details.causes.find((c: any) => c.field === field);
  assert.ok(cause, `a cause for ${field} in ${JSON.stringify(res.body.details.causes)}`);
  assert.equal(cause.message, message);
}

describe('ClusterIP allocation', () => {
  test('ClusterIP, NodePort and LoadBalancer Services get a ClusterIP from the range and the IPv4 single-stack fields', async () => {
    for (const type of ['ClusterIP', 'NodePort', 'LoadBalancer']) {
      const svc = assertCreated(await create(fresh(type.toLowerCase()), { type, ports, selector: { app: 'x' } }));
      assert.ok(inDefaultRange(svc.spec.clusterIP), `${type}: ${svc.spec.clusterIP} in 127.96.0.0/12`);
      assert.deepEqual(svc.spec.clusterIPs, [svc.spec.clusterIP]);
      assert.deepEqual(svc.spec.ipFamilies, ['IPv4']);
      assert.equal(svc.spec.ipFamilyPolicy, 'SingleStack');
      assert.deepEqual((await get(svc.metadata.name)).body.spec.clusterIP, svc.spec.clusterIP, 'stored as returned');
    }
  });

  test('concurrent creates get distinct addresses', async () => {
    const results = await Promise.all(Array.from({ length: 25 }, () => create(fresh('many'), { ports })));
    const ips = results.map((r) => assertCreated(r).spec.clusterIP);
    assert.equal(new Set(ips).size, ips.length, `distinct: ${ips.join(' ')}`);
  });

  test('a requested free address is honoured, through clusterIP alone or clusterIPs too', async () => {
    const a = assertCreated(await create(fresh('req'), { clusterIP: '127.96.0.10', ports }));
    assert.equal(a.spec.clusterIP, '127.96.0.10');
    assert.deepEqual(a.spec.clusterIPs, ['127.96.0.10']);
    const b = assertCreated(await create(fresh('req'), { clusterIP: '127.96.0.11', clusterIPs: ['127.96.0.11'], ports }));
    assert.deepEqual(b.spec.clusterIPs, ['127.96.0.11']);
  });

  test('a taken address is refused with kube\'s field error', async () => {
    const first = assertCreated(await create(fresh('taken'), { ports }));
    const ip = first.spec.clusterIP;
    assertInvalid(await create(fresh('taken'), { clusterIP: ip, ports }), 'spec.clusterIPs',
      `Invalid value: []string{"${ip}"}: failed to allocate IP ${ip}: provided IP is already allocated`);
  });

  test('concurrent creates asking for one address: exactly one gets it', async () => {
    const results = await Promise.all(Array.from({ length: 12 }, () => create(fresh('race'), { clusterIP: '127.96.0.20', ports })));
    assert.deepEqual(results.map((r) => r.status).sort(), [201, ...Array(11).fill(422)]);
  });

  test('addresses outside the range, and its network and broadcast addresses, are refused', async () => {
    for (const ip of ['10.0.0.1', '127.95.255.254', '127.96.0.0', '127.111.255.255']) {
      assertInvalid(await create(fresh('out'), { clusterIP: ip, ports }), 'spec.clusterIPs',
        `Invalid value: []string{"${ip}"}: failed to allocate IP ${ip}: the provided IP (${ip}) is not in the valid range. The range of valid IPs is 127.96.0.0/12`);
    }
  });

  test('an IPv6 address or family is refused: the cluster is single-stack IPv4', async () => {
    assertInvalid(await create(fresh('v6'), { clusterIP: 'fd00::10', ports }), 'spec.clusterIPs[0]',
      'Invalid value: []string{"fd00::10"}: IPv6 is not configured on this cluster');
    assertInvalid(await create(fresh('v6'), { ipFamilies: ['IPv6'], ports }), 'spec.ipFamilies[0]', 'Invalid value: "IPv6": not configured on this cluster');
    assertInvalid(await create(fresh('v6'), { ipFamilyPolicy: 'RequireDualStack', ports }), 'spec.ipFamilyPolicy',
      'Invalid value: "RequireDualStack": this cluster is not configured for dual-stack services');
  });

  test('headless Services are allowed and get no address; ExternalName gets none', async () => {
    const headless = assertCreated(await create(fresh('headless'), { clusterIP: 'None', selector: { app: 'db' }, ports }));
    assert.equal(headless.spec.clusterIP, 'None');
    assert.deepEqual(headless.spec.clusterIPs, ['None']);
    assert.deepEqual(headless.spec.ipFamilies, ['IPv4']);
    assert.equal(headless.spec.ipFamilyPolicy, 'SingleStack');
    // kube's special case: headless without a selector asks for both families.
    const selectorless = assertCreated(await create(fresh('headless'), { clusterIP: 'None', ports }));
    assert.equal(selectorless.spec.ipFamilyPolicy, 'RequireDualStack');
    assert.deepEqual(selectorless.spec.ipFamilies, ['IPv4', 'IPv6']);
    const external = assertCreated(await create(fresh('ext'), { type: 'ExternalName', externalName: 'db.example.com' }));
    assert.equal(external.spec.clusterIP, undefined);
    assert.equal(external.spec.clusterIPs, undefined);
    assert.equal(external.spec.ipFamilies, undefined);
  });
});

describe('NodePort allocation', () => {
  test('NodePort and LoadBalancer ports get node ports from 30000-32767; LoadBalancer may opt out', async () => {
    const np = assertCreated(await create(fresh('np'), { type: 'NodePort', ports: [{ name: 'http', port: 80 }, { name: 'https', port: 443 }] }));
    const nodePorts = np.spec.ports.map((p: any) => p.nodePort);
    for (const port of nodePorts) assert.ok(port >= 30000 && port <= 32767, `${port} in range`);
    assert.notEqual(nodePorts[0], nodePorts[1]);
    const lb = assertCreated(await create(fresh('lb'), { type: 'LoadBalancer', ports }));
    assert.ok(lb.spec.ports[0].nodePort >= 30000);
    const noNodePorts = assertCreated(await create(fresh('lb'), { type: 'LoadBalancer', allocateLoadBalancerNodePorts: false, ports }));
    assert.equal(noNodePorts.spec.ports[0].nodePort, undefined);
    const clusterIP = assertCreated(await create(fresh('cip'), { ports }));
    assert.equal(clusterIP.spec.ports[0].nodePort, undefined);
  });

  test('a requested node port is honoured when free, refused when taken or out of range', async () => {
    const a = assertCreated(await create(fresh('np'), { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] }));
    assert.equal(a.spec.ports[0].nodePort, 30080);
    assertInvalid(await create(fresh('np'), { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] }), 'spec.ports[0].nodePort',
      'Invalid value: 30080: provided port is already allocated');
    assertInvalid(await create(fresh('np'), { type: 'NodePort', ports: [{ port: 80, nodePort: 8080 }] }), 'spec.ports[0].nodePort',
      'Invalid value: 8080: provided port is not in the valid range. The range of valid ports is 30000-32767');
  });

  test('TCP and UDP of one service port share a node port', async () => {
    const svc = assertCreated(await create(fresh('dns'), { type: 'NodePort', ports: [{ name: 'udp', port: 53, protocol: 'UDP' }, { name: 'tcp', port: 53, protocol: 'TCP' }] }));
    assert.equal(svc.spec.ports[0].nodePort, svc.spec.ports[1].nodePort);
  });

  test('a LoadBalancer with externalTrafficPolicy Local gets a healthCheckNodePort', async () => {
    const svc = assertCreated(await create(fresh('local'), { type: 'LoadBalancer', externalTrafficPolicy: 'Local', ports }));
    assert.ok(svc.spec.healthCheckNodePort >= 30000 && svc.spec.healthCheckNodePort <= 32767);
    assert.notEqual(svc.spec.healthCheckNodePort, svc.spec.ports[0].nodePort);
  });
});

describe('updates', () => {
  test('an update that leaves clusterIP and nodePort blank keeps them', async () => {
    const name = fresh('keep');
    const created = assertCreated(await create(name, { type: 'NodePort', ports: [{ name: 'http', port: 80 }] }));
    const res = await put(name, { apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { type: 'NodePort', ports: [{ name: 'http', port: 80, targetPort: 9090 }] } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.spec.clusterIP, created.spec.clusterIP);
    assert.deepEqual(res.body.spec.clusterIPs, created.spec.clusterIPs);
    assert.equal(res.body.spec.ports[0].nodePort, created.spec.ports[0].nodePort);
    assert.equal(res.body.spec.ports[0].targetPort, 9090);
  });

  test('the ClusterIP may not change once set', async () => {
    const name = fresh('immutable');
    const created = assertCreated(await create(name, { ports }));
    const changed = structuredClone(created);
    changed.spec.clusterIP = '127.96.0.30';
    assertInvalid(await put(name, changed), 'spec.clusterIPs[0]', 'Invalid value: []string{"127.96.0.30"}: may not change once set');
    const both = structuredClone(created);
    both.spec.clusterIP = '127.96.0.30';
    both.spec.clusterIPs = ['127.96.0.30'];
    assertInvalid(await put(name, both), 'spec.clusterIPs[0]', 'Invalid value: []string{"127.96.0.30"}: may not change once set');
    const headless = structuredClone(created);
    headless.spec.clusterIP = 'None';
    headless.spec.clusterIPs = ['None'];
    assertInvalid(await put(name, headless), 'spec.clusterIPs[0]', 'Invalid value: []string{"None"}: may not change once set');
    assert.equal((await get(name)).body.spec.clusterIP, created.spec.clusterIP);
    // The refused address was never taken.
    assertCreated(await create(fresh('immutable'), { clusterIP: '127.96.0.30', ports }));
  });

  test('changing a node port (allowed, as in kube) takes the new one and frees the old', async () => {
    const name = fresh('move');
    const created = assertCreated(await create(name, { type: 'NodePort', ports: [{ port: 80, nodePort: 30090 }] }));
    const moved = structuredClone(created);
    moved.spec.ports[0].nodePort = 30091;
    const res = await put(name, moved);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assertInvalid(await create(fresh('move'), { type: 'NodePort', ports: [{ port: 80, nodePort: 30091 }] }), 'spec.ports[0].nodePort',
      'Invalid value: 30091: provided port is already allocated');
    assertCreated(await create(fresh('move'), { type: 'NodePort', ports: [{ port: 80, nodePort: 30090 }] }));
  });

  test('NodePort to ClusterIP frees the node ports; to ExternalName frees the address', async () => {
    const name = fresh('retype');
    const created = assertCreated(await create(name, { type: 'NodePort', clusterIP: '127.96.0.40', ports: [{ port: 80, nodePort: 30100 }] }));
    const asClusterIP = structuredClone(created);
    asClusterIP.spec.type = 'ClusterIP';
    delete asClusterIP.spec.ports[0].nodePort;
    delete asClusterIP.spec.externalTrafficPolicy;
    const res = await put(name, asClusterIP);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.spec.ports[0].nodePort, undefined);
    assertCreated(await create(fresh('retype'), { type: 'NodePort', ports: [{ port: 80, nodePort: 30100 }] }));

    const asExternal = { apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { type: 'ExternalName', externalName: 'x.example.com' } };
    const res2 = await put(name, asExternal);
    assert.equal(res2.status, 200, JSON.stringify(res2.body));
    assert.equal(res2.body.spec.clusterIP, undefined);
    assertCreated(await create(fresh('retype'), { clusterIP: '127.96.0.40', ports }));
  });

  test('ExternalName to ClusterIP gets an address', async () => {
    const name = fresh('unext');
    assertCreated(await create(name, { type: 'ExternalName', externalName: 'x.example.com' }));
    const res = await put(name, { apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { type: 'ClusterIP', ports } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.ok(inDefaultRange(res.body.spec.clusterIP));
  });
});

describe('release', () => {
  test('deleting a Service frees its address and node ports', async () => {
    const name = fresh('gone');
    assertCreated(await create(name, { type: 'NodePort', clusterIP: '127.96.0.50', ports: [{ port: 80, nodePort: 30110 }] }));
    assertInvalid(await create(fresh('gone'), { clusterIP: '127.96.0.50', ports }), 'spec.clusterIPs',
      'Invalid value: []string{"127.96.0.50"}: failed to allocate IP 127.96.0.50: provided IP is already allocated');
    assert.equal((await remove(name)).status, 200);
    assertCreated(await create(fresh('gone'), { type: 'NodePort', clusterIP: '127.96.0.50', ports: [{ port: 80, nodePort: 30110 }] }));
  });

  test('a failed create gives back what it took before failing', async () => {
    assertCreated(await create(fresh('holder'), { type: 'NodePort', ports: [{ port: 80, nodePort: 30120 }] }));
    // The address is allocated first, then the node port is refused.
    assert.equal((await create(fresh('fail'), { type: 'NodePort', clusterIP: '127.96.0.60', ports: [{ port: 80, nodePort: 30120 }] })).status, 422);
    // An existing name: allocation happens, then AlreadyExists.
    const existing = fresh('exists');
    assertCreated(await create(existing, { ports }));
    assert.equal((await create(existing, { clusterIP: '127.96.0.61', ports })).status, 409);
    assertCreated(await create(fresh('after'), { clusterIP: '127.96.0.60', ports }));
    assertCreated(await create(fresh('after'), { clusterIP: '127.96.0.61', ports }));
  });

  test('a dry-run create shows an address but keeps nothing', async () => {
    const dry = assertCreated(await create(fresh('dry'), { clusterIP: '127.96.0.70', type: 'NodePort', ports: [{ port: 80, nodePort: 30130 }] }, '?dryRun=All'));
    assert.equal(dry.spec.clusterIP, '127.96.0.70');
    assertCreated(await create(fresh('dry'), { clusterIP: '127.96.0.70', type: 'NodePort', ports: [{ port: 80, nodePort: 30130 }] }));
  });
});

describe('a small range', () => {
  test('every usable address of a /29 is handed out once, then the range is full', async () => {
    const small = await startApiServer({ args: ['--service-cluster-ip-range', '10.250.0.0/29', '--service-node-port-range', '31000-31001'] });
    try {
      const mk = (name: string, spec: Record<string, unknown>) =>
        call(small.url, 'POST', servicesPath, { apiVersion: 'v1', kind: 'Service', metadata: { name }, spec });
      const ips: string[] = [];
      for (let i = 0; i < 6; i++) ips.push(assertCreated(await mk(`s${i}`, { ports })).spec.clusterIP);
      assert.deepEqual(ips.sort(), ['10.250.0.1', '10.250.0.2', '10.250.0.3', '10.250.0.4', '10.250.0.5', '10.250.0.6']);
      const full = await mk('s6', { ports });
      assert.equal(full.status, 500);
      assert.equal(full.body.message, 'Internal error occurred: failed to allocate a serviceIP: range is full');
      assert.equal((await call(small.url, 'DELETE', `${servicesPath}/s0`)).status, 200);
      const np = await mk('np', { type: 'NodePort', ports: [{ name: 'a', port: 1 }, { name: 'b', port: 2 }] });
      assert.deepEqual(assertCreated(np).spec.ports.map((p: any) => p.nodePort).sort(), [31000, 31001]);
      assert.equal((await call(small.url, 'DELETE', `${servicesPath}/s1`)).status, 200);
      const noPort = await mk('np2', { type: 'NodePort', ports });
      assert.equal(noPort.status, 500, JSON.stringify(noPort.body));
      assert.equal(noPort.body.message, 'Internal error occurred: failed to allocate a nodePort: range is full');
    } finally {
      await small.cleanup();
    }
  });
});
