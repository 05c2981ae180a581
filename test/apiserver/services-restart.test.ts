// Service allocations are derived from the stored Services, so they survive an API server restart
// (a clean stop and a kill -9 alike): nothing a stored Service uses is handed out again, and a Service
// deleted after the restart frees what it held.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startApiServer } from '../helpers/apiserver.ts';
import { call } from '../helpers/http.ts';

const servicesPath = '/api/v1/namespaces/default/services';
// A /28 has 14 usable addresses and the node port range 8 ports: small enough that handing out a value
// twice after the restart would be all but certain if the allocations were not rebuilt.
const args = ['--service-cluster-ip-range', '10.251.0.0/28', '--service-node-port-range', '31500-31507'];

test('allocations survive restarts: no value is handed out twice, deletes after the restart free values', async () => {
  let server = await startApiServer({ args });
  try {
    const mk = (name: string, spec: Record<string, unknown>) =>
      call(server.url, 'POST', servicesPath, { apiVersion: 'v1', kind: 'Service', metadata: { name }, spec });
    const before = new Map<string, { ip: string; nodePort: number }>();
    for (let i = 0; i < 6; i++) {
      const res = await mk(`before-${i}`, { type: 'NodePort', ports: [{ port: 80 }] });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      before.set(res.body.metadata.name, { ip: res.body.spec.clusterIP, nodePort: res.body.spec.ports[0].nodePort });
    }

    await server.stop();
    server = await server.restart();
    for (const [name, { ip, nodePort }] of before) {
      const res = await mk(`${name}-again`, { type: 'NodePort', clusterIP: ip, ports: [{ port: 80 }] });
      assert.equal(res.status, 422, `${ip} is still ${name}'s`);
      const port = await mk(`${name}-port`, { type: 'NodePort', ports: [{ port: 80, nodePort }] });
      assert.equal(port.status, 422, `${nodePort} is still ${name}'s`);
      assert.equal(port.body.details.causes[0].message, `Invalid value: ${nodePort}: provided port is already allocated`);
    }
    // Fresh allocations fill what is left and never repeat a stored value.
    const after: { ip: string; nodePort: number }[] = [];
    for (let i = 0; i < 2; i++) {
      const res = await mk(`after-${i}`, { type: 'NodePort', ports: [{ port: 80 }] });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      after.push({ ip: res.body.spec.clusterIP, nodePort: res.body.spec.ports[0].nodePort });
    }
    const ips = [...before.values(), ...after].map((v) => v.ip);
    const ports = [...before.values(), ...after].map((v) => v.nodePort);
    assert.equal(new Set(ips).size, 8, `distinct addresses ${ips.join(' ')}`);
    assert.deepEqual([...new Set(ports)].sort(), [31500, 31501, 31502, 31503, 31504, 31505, 31506, 31507]);
    const full = await mk('full', { type: 'NodePort', ports: [{ port: 80 }] });
    assert.equal(full.status, 500, 'every node port is taken');

    // A kill -9 loses nothing either; and a delete after the restart frees the values.
    await server.kill();
    server = await server.restart();
    assert.equal((await mk('still-full', { type: 'NodePort', ports: [{ port: 80 }] })).status, 500);
    const victim = before.get('before-0')!;
    assert.equal((await call(server.url, 'DELETE', `${servicesPath}/before-0`)).status, 200);
    const reuse = await mk('reuse', { type: 'NodePort', clusterIP: victim.ip, ports: [{ port: 80, nodePort: victim.nodePort }] });
    assert.equal(reuse.status, 201, JSON.stringify(reuse.body));
  } finally {
    await server.cleanup();
  }
});
