// What the proxy serves, from Services and EndpointSlices (no processes): kube's endpoint choice
// (ready; else serving and terminating), traffic policies, port matching by name and protocol, and
// the Services it leaves alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Service } from '../../shared/api/service.ts';
import { EndpointSlice } from '../../shared/api/discovery.ts';
import { buildServicePorts } from '../../kube-proxy/service-ports.ts';

const service = (name: string, spec: Record<string, unknown>) =>
  Service.parse({ metadata: { name, namespace: 'ns' }, spec: { clusterIP: '127.96.0.10', ...spec } });
const slice = (name: string, svc: string, ports: { name?: string; port: number; protocol?: string }[], endpoints: Record<string, unknown>[], addressType = 'IPv4') =>
  EndpointSlice.parse({ metadata: { name, namespace: 'ns', labels: { 'kubernetes.io/service-name': svc } }, addressType, ports, endpoints });
const ep = (ip: string, conditions: Record<string, boolean> = {}, nodeName?: string) => ({ addresses: [ip], conditions, ...(nodeName ? { nodeName } : {}) });

test('named ports match slice ports by name and protocol; endpoints merge across slices', () => {
  const svc = service('web', { ports: [{ name: 'http', port: 80 }, { name: 'metrics', port: 9090 }] });
  const slices = [
    slice('web-1', 'web', [{ name: 'http', port: 8080 }, { name: 'metrics', port: 9100 }], [ep('10.0.0.1')]),
    slice('web-2', 'web', [{ name: 'http', port: 8080 }], [ep('10.0.0.2'), ep('10.0.0.1')]),
    slice('web-udp', 'web', [{ name: 'http', port: 8081, protocol: 'UDP' }], [ep('10.0.0.3')]),
    slice('other', 'other', [{ name: 'http', port: 1 }], [ep('10.9.9.9')]),
  ];
  const ports = buildServicePorts([svc], slices, 'node-1');
  assert.deepEqual(ports.map((p) => [p.name, p.port, p.clusterEndpoints]), [
    ['ns/web:http', 80, ['10.0.0.1:8080', '10.0.0.2:8080']],
    ['ns/web:metrics', 9090, ['10.0.0.1:9100']],
  ]);
});

test('ready endpoints only; when none is ready, serving and terminating ones', () => {
  const svc = service('web', { ports: [{ port: 80 }] });
  const mixed = buildServicePorts([svc], [slice('s', 'web', [{ port: 8080 }], [ep('10.0.0.1'), ep('10.0.0.2', { ready: false }), ep('10.0.0.3', { ready: false, serving: true, terminating: true })])], 'n');
  assert.deepEqual(mixed[0].clusterEndpoints, ['10.0.0.1:8080']);
  const draining = buildServicePorts([svc], [slice('s', 'web', [{ port: 8080 }], [ep('10.0.0.2', { ready: false }), ep('10.0.0.3', { ready: false, serving: true, terminating: true })])], 'n');
  assert.deepEqual(draining[0].clusterEndpoints, ['10.0.0.3:8080']);
});

test('traffic policies Local keep this node\'s endpoints, for the ClusterIP and the NodePort separately', () => {
  const slices = [slice('s', 'web', [{ port: 8080 }], [ep('10.0.0.1', {}, 'node-1'), ep('10.0.0.2', {}, 'node-2')])];
  const external = buildServicePorts([service('web', { type: 'NodePort', externalTrafficPolicy: 'Local', ports: [{ port: 80, nodePort: 30080 }] })], slices, 'node-1')[0];
  assert.deepEqual(external.externalEndpoints, ['10.0.0.1:8080']);
  assert.deepEqual(external.clusterEndpoints, ['10.0.0.1:8080', '10.0.0.2:8080']);
  assert.equal(external.nodePort, 30080);
  const internal = buildServicePorts([service('web', { internalTrafficPolicy: 'Local', ports: [{ port: 80 }] })], slices, 'node-2')[0];
  assert.deepEqual(internal.clusterEndpoints, ['10.0.0.2:8080']);
});

test('headless, ExternalName and address-less Services are not proxied; non-IPv4 slices are ignored', () => {
  const ports = buildServicePorts([
    service('headless', { clusterIP: 'None', ports: [{ port: 80 }] }),
    service('ext', { type: 'ExternalName', externalName: 'x.example.com', clusterIP: undefined }),
    service('none', { clusterIP: undefined, ports: [{ port: 80 }] }),
    service('web', { ports: [{ port: 80 }] }),
  ], [slice('fqdn', 'web', [{ port: 80 }], [{ addresses: ['a.example.com'] }], 'FQDN')], 'n');
  assert.deepEqual(ports.map((p) => [p.name, p.clusterEndpoints]), [['ns/web', []]]);
});

test('session affinity and its timeout (default 10800 s)', () => {
  const [byDefault] = buildServicePorts([service('a', { sessionAffinity: 'ClientIP', ports: [{ port: 80 }] })], [], 'n');
  assert.deepEqual(byDefault.sessionAffinity, { clientIP: true, timeoutMs: 10_800_000 });
  const [custom] = buildServicePorts([service('a', { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } }, ports: [{ port: 80 }] })], [], 'n');
  assert.equal(custom.sessionAffinity.timeoutMs, 60_000);
  const [off] = buildServicePorts([service('a', { ports: [{ port: 80 }] })], [], 'n');
  assert.equal(off.sessionAffinity.clientIP, false);
});
