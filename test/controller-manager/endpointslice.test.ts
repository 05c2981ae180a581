// The EndpointSlice controller against a real API server (with the garbage collector, which removes a
// deleted Service's slices): slices follow the pods a Service selects.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import { resources } from '../../shared/api/registry.ts';
import type { Service } from '../../shared/api/core.ts';
import type { EndpointSlice } from '../../shared/api/discovery.ts';
import type { SharedInformer } from '../../shared/informer/informer.ts';
import { newEndpointSliceController } from '../../controller-manager/controllers/endpointslice.ts';
import { newGarbageCollector } from '../../controller-manager/controllers/garbage-collector.ts';
import { TestCluster } from './endpoints-gc-namespace-harness.ts';

const ns = 'default';
const serviceNameLabel = 'kubernetes.io/service-name';
const managedByLabel = 'endpointslice.kubernetes.io/managed-by';
let cluster: TestCluster;
let slices: SharedInformer<EndpointSlice>;

const slicesOf = (service: string) => slices.list(ns).filter((s) => s.metadata.labels?.[serviceNameLabel] === service);

/** Each slice as its ports and its endpoints (`ip` plus the conditions that hold), sorted. */
function view(service: string) {
  return slicesOf(service).map((s) => ({
    ports: (s.ports ?? []).map((p) => `${p.name}:${p.port}/${p.protocol}`),
    endpoints: s.endpoints.map((e) => [e.addresses.join(','), ...(['ready', 'serving', 'terminating'] as const).filter((c) => e.conditions[c])].join(' ')).sort(),
  })).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

async function expectSlices(service: string, expected: ReturnType<typeof view>): Promise<EndpointSlice[]> {
  let last: unknown;
  try {
    await cluster.until(`slices of ${service}`, () => {
      last = view(service);
      return isDeepStrictEqual(last, expected) ? true : undefined;
    });
  } catch (err) {
    assert.deepEqual(last, expected);
    throw err;
  }
  return slicesOf(service);
}

function service(name: string, spec: Partial<Service['spec']>, labels?: Record<string, string>): Service {
  return { metadata: { name, labels }, spec: { ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' }], ...spec } } as Service;
}

let flushes = 0;
/** Waits until the single worker has handled everything queued so far, by queuing one more Service behind it. */
async function flushQueue(): Promise<void> {
  const name = `flush-${++flushes}`;
  await cluster.api(resources.services).create(ns, service(name, { selector: { flush: name } }));
  await cluster.until(`slices of ${name}`, () => (slicesOf(name).length ? true : undefined));
}

before(async () => {
  cluster = await TestCluster.start();
  await cluster.run([newEndpointSliceController, newGarbageCollector], { workers: 1 });
  slices = await cluster.observe(resources.endpointslices);
});
after(() => cluster.stop());

describe('endpointslice controller', () => {
  test('an empty placeholder slice, then endpoints with ready, serving and terminating conditions', async () => {
    const svc = await cluster.api(resources.services).create(ns, service('web', { selector: { app: 'web' } }, { team: 'a' }));
    const [placeholder] = await expectSlices('web', [{ ports: [], endpoints: [] }]);

    const w1 = await cluster.createPod(ns, 'w1', { app: 'web' });
    await cluster.createPod(ns, 'w2', { app: 'web' });
    await cluster.createPod(ns, 'w3', { app: 'web' }, { nodeName: 'node-a' });
    await cluster.createPod(ns, 'w4', { app: 'web' }); // no IP yet: not an endpoint
    await cluster.setPodStatus(ns, 'w1', '10.1.0.1', true);
    await cluster.setPodStatus(ns, 'w2', '10.1.0.2', false);
    await cluster.setPodStatus(ns, 'w3', '10.1.0.3', true);
    await expectSlices('web', [{ ports: [':8080/TCP'], endpoints: ['10.1.0.1 ready serving', '10.1.0.2', '10.1.0.3 ready serving'] }]);
    // Terminating pods stay in slices (unlike Endpoints), serving but not ready.
    await cluster.api(resources.pods).delete(ns, 'w3');
    const [slice] = await expectSlices('web', [{ ports: [':8080/TCP'], endpoints: ['10.1.0.1 ready serving', '10.1.0.2', '10.1.0.3 serving terminating'] }]);

    assert.equal(slice.metadata.name, placeholder.metadata.name, 'the placeholder is reused, not replaced');
    assert.equal(slice.addressType, 'IPv4');
    assert.equal(slice.metadata.labels?.[serviceNameLabel], 'web');
    assert.equal(slice.metadata.labels?.[managedByLabel], 'endpointslice-controller.k8s.io');
    assert.equal(slice.metadata.labels?.team, 'a');
    assert.deepEqual(slice.metadata.ownerReferences, [{ apiVersion: 'v1', kind: 'Service', name: 'web', uid: svc.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    const e1 = slice.endpoints.find((e) => e.addresses[0] === '10.1.0.1')!;
    assert.deepEqual(e1.targetRef, { kind: 'Pod', namespace: ns, name: 'w1', uid: w1.metadata.uid });
    assert.equal(slice.endpoints.find((e) => e.addresses[0] === '10.1.0.3')!.nodeName, 'node-a');

    await cluster.finishPodDeletion(ns, 'w3');
    await cluster.setPodStatus(ns, 'w2', '10.1.0.2', true);
    await expectSlices('web', [{ ports: [':8080/TCP'], endpoints: ['10.1.0.1 ready serving', '10.1.0.2 ready serving'] }]);
  });

  test('publishNotReadyAddresses: not-ready pods are ready endpoints, though not serving', async () => {
    await cluster.api(resources.services).create(ns, service('pub', { selector: { app: 'pub' }, publishNotReadyAddresses: true }));
    await cluster.createPod(ns, 'pub-1', { app: 'pub' });
    await cluster.setPodStatus(ns, 'pub-1', '10.2.0.1', false);
    await expectSlices('pub', [{ ports: [':8080/TCP'], endpoints: ['10.2.0.1 ready'] }]);
  });

  test('pods whose named port resolves differently get slices of their own', async () => {
    await cluster.api(resources.services).create(ns, service('named', {
      selector: { app: 'named' },
      ports: [{ name: 'web', port: 80, targetPort: 'http', protocol: 'TCP' }, { name: 'admin', port: 81, targetPort: 9000, protocol: 'TCP' }],
    }));
    await cluster.createPod(ns, 'named-a', { app: 'named' }, { ports: [{ name: 'http', containerPort: 8080 }] });
    await cluster.createPod(ns, 'named-b', { app: 'named' }, { ports: [{ name: 'http', containerPort: 9090 }] });
    await cluster.createPod(ns, 'named-c', { app: 'named' });
    await cluster.setPodStatus(ns, 'named-a', '10.3.0.1', true);
    await cluster.setPodStatus(ns, 'named-b', '10.3.0.2', true);
    await cluster.setPodStatus(ns, 'named-c', '10.3.0.3', true);
    await expectSlices('named', [
      { ports: ['admin:9000/TCP'], endpoints: ['10.3.0.3 ready serving'] },
      { ports: ['web:8080/TCP', 'admin:9000/TCP'], endpoints: ['10.3.0.1 ready serving'] },
      { ports: ['web:9090/TCP', 'admin:9000/TCP'], endpoints: ['10.3.0.2 ready serving'] },
    ]);
  });

  test('more than 100 endpoints are split into slices of at most 100, updated in place as pods go', async () => {
    await cluster.api(resources.services).create(ns, service('big', { selector: { app: 'big' } }));
    const names = Array.from({ length: 150 }, (_, i) => `big-${i}`);
    for (let i = 0; i < names.length; i += 15) {
      await Promise.all(names.slice(i, i + 15).map(async (name, j) => {
        await cluster.createPod(ns, name, { app: 'big' });
        await cluster.setPodStatus(ns, name, `10.4.${Math.floor((i + j) / 100)}.${(i + j) % 100 + 1}`, true);
      }));
    }
    const count = () => slicesOf('big').reduce((n, s) => n + s.endpoints.length, 0);
    await cluster.until('150 endpoints', () => (count() === 150 ? true : undefined));
    const first = slicesOf('big');
    // Where each endpoint lands depends on the order pods arrive in (as in kube); two slices hold them.
    assert.equal(first.length, 2);
    assert.ok(first.every((s) => s.endpoints.length <= 100));
    const ips = new Set(first.flatMap((s) => s.endpoints.map((e) => e.addresses[0])));
    assert.equal(ips.size, 150);

    for (let i = 0; i < 60; i += 15) await Promise.all(names.slice(i, i + 15).map((name) => cluster.api(resources.pods).delete(ns, name)));
    await cluster.until('90 endpoints', () => (count() === 90 ? true : undefined));
    const now = slicesOf('big');
    const before = new Set(first.map((s) => s.metadata.name));
    assert.ok(now.every((s) => before.has(s.metadata.name) && s.endpoints.length <= 100), 'the same slices, updated');
    assert.equal(new Set(now.flatMap((s) => s.endpoints.map((e) => e.addresses[0]))).size, 90);
  });

  test('a slice claiming the Service that the Service does not own is deleted', async () => {
    await cluster.api(resources.services).create(ns, service('claimed', { selector: { app: 'claimed' } }));
    await expectSlices('claimed', [{ ports: [], endpoints: [] }]);
    const impostor = await cluster.api(resources.endpointslices).create(ns, {
      metadata: { name: 'claimed-impostor', labels: { [serviceNameLabel]: 'claimed', [managedByLabel]: 'endpointslice-controller.k8s.io' } },
      addressType: 'IPv4',
      endpoints: [{ addresses: ['10.5.0.1'], conditions: { ready: true } }],
    } as unknown as EndpointSlice);
    await cluster.deleted(slices, impostor);
    await expectSlices('claimed', [{ ports: [], endpoints: [] }]);
  });

  test('a Service without a selector gets no slices; slices managed by others are left alone', async () => {
    await cluster.api(resources.services).create(ns, service('manual', {}));
    const theirs = await cluster.api(resources.endpointslices).create(ns, {
      metadata: { name: 'manual-1', labels: { [serviceNameLabel]: 'manual', [managedByLabel]: 'someone-else' } },
      addressType: 'IPv4',
      endpoints: [{ addresses: ['10.6.0.1'], conditions: { ready: true } }],
    } as unknown as EndpointSlice);
    await flushQueue();
    assert.deepEqual(slicesOf('manual').map((s) => s.metadata.name), ['manual-1']);
    const now = await cluster.api(resources.endpointslices).get(ns, 'manual-1');
    assert.equal(now.metadata.resourceVersion, theirs.metadata.resourceVersion);
  });

  test("a deleted Service's slices are garbage collected", async () => {
    await cluster.api(resources.services).create(ns, service('brief', { selector: { app: 'brief' } }));
    await cluster.createPod(ns, 'brief-1', { app: 'brief' });
    await cluster.setPodStatus(ns, 'brief-1', '10.7.0.1', true);
    const [slice] = await expectSlices('brief', [{ ports: [':8080/TCP'], endpoints: ['10.7.0.1 ready serving'] }]);
    await cluster.api(resources.services).delete(ns, 'brief');
    await cluster.deleted(slices, slice);
  });
});
