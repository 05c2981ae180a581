import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { tableFor } from '../../apiserver/tables/index.ts';

const now = new Date('2024-05-01T12:00:00Z');
const ago = (seconds: number) => new Date(now.getTime() - seconds * 1000).toISOString();
const meta = (name: string, age = 86400) => ({ name, namespace: 'default', creationTimestamp: ago(age) });
const table = (plural: string, group: string, objects: unknown[], wide = true) => tableFor(plural, group, objects, { includeObject: 'None', now, wide });
const cellsOf = (plural: string, group: string, objects: unknown[], wide = true) => table(plural, group, objects, wide).rows.map((r) => r.cells);

describe('services', () => {
  test('columns', () => {
    assert.deepEqual((table('services', '', []).columnDefinitions ?? []).map((c) => [c.name, c.priority]), [
      ['Name', 0], ['Type', 0], ['Cluster-IP', 0], ['External-IP', 0], ['Port(s)', 0], ['Age', 0], ['Selector', 1],
    ]);
  });

  test('ClusterIP, NodePort, LoadBalancer, headless and ExternalName', () => {
    const services = [
      { metadata: meta('kube-dns'), spec: { type: 'ClusterIP', clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'], ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }], selector: { 'k8s-app': 'kube-dns' } } },
      { metadata: meta('web'), spec: { type: 'NodePort', clusterIPs: ['10.96.1.2'], ports: [{ port: 80, nodePort: 30080, protocol: 'TCP' }], selector: { tier: 'web', app: 'shop' } } },
      { metadata: meta('lb'), spec: { type: 'LoadBalancer', clusterIPs: ['10.96.1.3'], ports: [{ port: 443, nodePort: 31443, protocol: 'TCP' }] } },
      { metadata: meta('lb2'), spec: { type: 'LoadBalancer', clusterIPs: ['10.96.1.4'], ports: [] }, status: { loadBalancer: { ingress: [{ ip: '203.0.113.9' }, { hostname: 'lb.example.com' }] } } },
      { metadata: meta('db'), spec: { type: 'ClusterIP', clusterIP: 'None', clusterIPs: ['None'], externalIPs: ['192.0.2.1'], ports: [{ port: 5432, protocol: 'TCP' }] } },
      { metadata: meta('ext'), spec: { type: 'ExternalName', externalName: 'example.com' } },
    ];
    assert.deepEqual(cellsOf('services', '', services), [
      ['kube-dns', 'ClusterIP', '10.96.0.10', '<none>', '53/UDP,53/TCP', '24h', 'k8s-app=kube-dns'],
      ['web', 'NodePort', '10.96.1.2', '<none>', '80:30080/TCP', '24h', 'app=shop,tier=web'],
      ['lb', 'LoadBalancer', '10.96.1.3', '<pending>', '443:31443/TCP', '24h', '<none>'],
      ['lb2', 'LoadBalancer', '10.96.1.4', '203.0.113.9,lb.example.com', '<none>', '24h', '<none>'],
      ['db', 'ClusterIP', 'None', '192.0.2.1', '5432/TCP', '24h', '<none>'],
      ['ext', 'ExternalName', '<none>', 'example.com', '<none>', '24h', '<none>'],
    ]);
  });
});

describe('nodes', () => {
  const node = (name: string, over: object) => ({
    metadata: { name, creationTimestamp: ago(10 * 86400), labels: { 'node-role.kubernetes.io/control-plane': '', 'kubernetes.io/hostname': name } },
    status: {
      nodeInfo: { kubeletVersion: 'v1.32.0', osImage: 'k8ts', kernelVersion: '6.1.0', containerRuntimeVersion: 'k8ts://0.1.0' },
      addresses: [{ type: 'InternalIP', address: '172.18.0.2' }, { type: 'Hostname', address: name }],
      conditions: [{ type: 'MemoryPressure', status: 'False' }, { type: 'Ready', status: 'True' }],
    },
    ...over,
  });

  test('Ready node with a role, and wide cells', () => {
    assert.deepEqual(cellsOf('nodes', '', [node('cp', {})]), [['cp', 'Ready', 'control-plane', '10d', 'v1.32.0', '172.18.0.2', '<none>', 'k8ts', '6.1.0', 'k8ts://0.1.0']]);
    assert.deepEqual((table('nodes', '', []).columnDefinitions ?? []).map((c) => c.name), ['Name', 'Status', 'Roles', 'Age', 'Version', 'Internal-IP', 'External-IP', 'OS-Image', 'Kernel-Version', 'Container-Runtime']);
  });

  test('NotReady, cordoned, Unknown, and roles from kubernetes.io/role', () => {
    const notReady = node('w1', { metadata: { name: 'w1', creationTimestamp: ago(60), labels: { 'kubernetes.io/role': 'worker', 'node-role.kubernetes.io/gpu': '' } }, spec: { unschedulable: true } });
    (notReady.status.conditions[1] as { status: string }).status = 'Unknown';
    assert.deepEqual(cellsOf('nodes', '', [notReady], false), [['w1', 'NotReady,SchedulingDisabled', 'gpu,worker', '60s', 'v1.32.0']]);
    const fresh = { metadata: { name: 'w2', creationTimestamp: ago(3) }, status: {} };
    assert.deepEqual(cellsOf('nodes', '', [fresh]), [['w2', 'Unknown', '<none>', '3s', '', '<none>', '<none>', '<unknown>', '<unknown>', '<unknown>']]);
  });
});

describe('other core kinds', () => {
  test('namespaces, configmaps, secrets, endpoints', () => {
    assert.deepEqual(cellsOf('namespaces', '', [{ metadata: meta('kube-system', 7200), status: { phase: 'Active' } }, { metadata: { name: 'old', deletionTimestamp: ago(0), creationTimestamp: ago(30) }, status: { phase: 'Terminating' } }]), [
      ['kube-system', 'Active', '120m'],
      ['old', 'Terminating', '30s'],
    ]);
    assert.deepEqual(cellsOf('configmaps', '', [{ metadata: meta('cfg'), data: { a: '1', b: '2' }, binaryData: { c: 'AA==' } }, { metadata: meta('empty') }]), [['cfg', 3, '24h'], ['empty', 0, '24h']]);
    assert.deepEqual(cellsOf('secrets', '', [{ metadata: meta('tls'), type: 'kubernetes.io/tls', data: { 'tls.crt': 'x', 'tls.key': 'y' } }]), [['tls', 'kubernetes.io/tls', 2, '24h']]);
    const endpoints = {
      metadata: meta('web'),
      subsets: [{ addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }, { ip: 'fd00::3' }, { ip: '10.0.0.4' }], ports: [{ name: 'http', port: 80 }] }],
    };
    assert.deepEqual(cellsOf('endpoints', '', [endpoints, { metadata: meta('none') }]), [['web', '10.0.0.1:80,10.0.0.2:80,[fd00::3]:80 + 1 more...', '24h'], ['none', '<none>', '24h']]);
  });

  test('leases and endpointslices', () => {
    assert.deepEqual(cellsOf('leases', 'coordination.k8s.io', [{ metadata: meta('kube-scheduler'), spec: { holderIdentity: 'scheduler-1_abc' } }, { metadata: meta('free') }]), [
      ['kube-scheduler', 'scheduler-1_abc', '24h'],
      ['free', '', '24h'],
    ]);
    const slice = { metadata: meta('web-abc'), addressType: 'IPv4', ports: [{ name: 'http', port: 80 }, { name: 'any', port: null }], endpoints: [{ addresses: ['10.0.0.1'] }, { addresses: ['10.0.0.2'] }] };
    assert.deepEqual(cellsOf('endpointslices', 'discovery.k8s.io', [slice, { metadata: meta('empty'), addressType: 'IPv4' }]), [
      ['web-abc', 'IPv4', '80,any', '10.0.0.1,10.0.0.2', '24h'],
      ['empty', 'IPv4', '<unset>', '<unset>', '24h'],
    ]);
  });
});

describe('events', () => {
  const event = {
    metadata: { name: 'web.17a', namespace: 'default' },
    involvedObject: { kind: 'Pod', name: 'web', fieldPath: 'spec.containers{app}' },
    reason: 'BackOff',
    message: 'Back-off restarting failed container\n',
    source: { component: 'kubelet', host: 'node-a' },
    firstTimestamp: ago(600),
    lastTimestamp: ago(5),
    count: 7,
    type: 'Warning',
  };

  test('columns: LAST SEEN TYPE REASON OBJECT MESSAGE, the rest only for -o wide', () => {
    assert.deepEqual((table('events', '', []).columnDefinitions ?? []).map((c) => [c.name, c.priority]), [
      ['Last Seen', 0], ['Type', 0], ['Reason', 0], ['Object', 0], ['Subobject', 1], ['Source', 1], ['Message', 0], ['First Seen', 1], ['Count', 1], ['Name', 1],
    ]);
  });

  test('cells, wide and not', () => {
    assert.deepEqual(cellsOf('events', '', [event]), [['5s', 'Warning', 'BackOff', 'pod/web', 'spec.containers{app}', 'kubelet, node-a', 'Back-off restarting failed container', '10m', 7, 'web.17a']]);
    assert.deepEqual(cellsOf('events', '', [event], false), [['5s', 'Warning', 'BackOff', 'pod/web', 'Back-off restarting failed container']]);
  });

});

describe('rbac and scheduling', () => {

});
