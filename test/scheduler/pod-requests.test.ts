// What a pod asks of a node (resourcehelper.PodRequests): containers summed, init containers as a
// peak (sidecars counted alongside), overhead added; requests-only for filtering, kube's non-zero
// defaults for scoring; host ports and owner as the cache records them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { podRequests } from '../../scheduler/resources.ts';
import { podInfoOf } from '../../scheduler/pod-info.ts';
import { NodeInfo } from '../../scheduler/node-info.ts';
import { podObject } from './fixtures.ts';

const c = (name: string, cpu?: string, memory?: string, restartPolicy?: 'Always') => ({
  name, image: 'i', restartPolicy, resources: { requests: { ...(cpu ? { cpu } : {}), ...(memory ? { memory } : {}) } },
});

test('containers sum; an init container that needs more raises the total', () => {
  const r = podRequests({ containers: [c('a', '100m', '1Gi'), c('b', '200m')], initContainers: [c('init', '1', '100Mi')] } as never);
  assert.equal(r.milliCpu, 1000);
  assert.equal(r.memory, 1024 ** 3);
});

test('sidecars run alongside: added to the total and to later init containers', () => {
  // Sidecar 500m; then an init container of 600m runs beside it (1100m); app containers 300m + sidecar = 800m.
  const r = podRequests({ containers: [c('app', '300m')], initContainers: [c('sidecar', '500m', undefined, 'Always'), c('migrate', '600m')] } as never);
  assert.equal(r.milliCpu, 1100);
});

test('overhead and extended resources', () => {
  const r = podRequests({ containers: [{ name: 'a', image: 'i', resources: { requests: { cpu: '1', 'example.com/gpu': '2', 'hugepages-2Mi': '4Mi' } } }], overhead: { cpu: '250m', memory: '64Mi' } } as never);
  assert.equal(r.milliCpu, 1250);
  assert.equal(r.memory, 64 * 1024 ** 2);
  assert.equal(r.scalars?.get('example.com/gpu'), 2);
  assert.equal(r.scalars?.get('hugepages-2Mi'), 4 * 1024 ** 2);
});

test('non-zero requests for scoring: 100m and 200Mi per container that sets none', () => {
  const r = podRequests({ containers: [c('a'), c('b', '50m')] } as never, true);
  assert.equal(r.milliCpu, 150);
  assert.equal(r.memory, 2 * 200 * 1024 ** 2);
});

test('a node gives back exactly what a pod took', () => {
  const node = new NodeInfo('n');
  const p = podInfoOf(podObject('p', { cpu: '300m', memory: '1Gi', owner: 'rs', containerPorts: [{ containerPort: 80, hostPort: 8080, hostIP: '10.0.0.1' }] }));
  node.addPod(p);
  assert.equal(node.requested.milliCpu, 300);
  assert.equal(node.ownerCount('uid-rs'), 1);
  assert.equal(node.portConflicts('0.0.0.0', 'TCP/8080'), true);
  assert.equal(node.portConflicts('10.0.0.2', 'TCP/8080'), false);
  assert.equal(node.portConflicts('10.0.0.1', 'UDP/8080'), false);
  node.removePod(p.key);
  assert.deepEqual([node.requested.milliCpu, node.requested.memory, node.nonZeroMilliCpu, node.podCount, node.usedPorts.size, node.ownerCount('uid-rs')], [0, 0, 0, 0, 0, 0]);
});
