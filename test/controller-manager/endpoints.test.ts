// The endpoints controller against a real API server: Endpoints follow the pods a Service selects.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import { resources } from '../../shared/api/registry.ts';
import type { Endpoints, Service } from '../../shared/api/core.ts';
import type { SharedInformer } from '../../shared/informer/informer.ts';
import { newEndpointsController } from '../../controller-manager/controllers/endpoints.ts';
import { TestCluster } from './endpoints-gc-namespace-harness.ts';

const ns = 'default';
let cluster: TestCluster;
let endpoints: SharedInformer<Endpoints>;

/** Subsets as `ip` lists and `name:port/protocol` strings, for readable comparisons. */
function view(ep: Endpoints | undefined) {
  if (!ep) return undefined;
  return (ep.subsets ?? []).map((s) => ({
    ready: (s.addresses ?? []).map((a) => a.ip),
    notReady: (s.notReadyAddresses ?? []).map((a) => a.ip),
    ports: (s.ports ?? []).map((p) => `${p.name ?? ''}:${p.port}/${p.protocol}`),
  }));
}

async function expectEndpoints(name: string, expected: ReturnType<typeof view>): Promise<Endpoints | undefined> {
  let last: unknown;
  try {
    await cluster.until(`endpoints ${name}`, () => {
      last = view(endpoints.get(ns, name));
      return isDeepStrictEqual(last, expected) ? true : undefined;
    });
  } catch (err) {
    assert.deepEqual(last, expected);
    throw err;
  }
  return endpoints.get(ns, name);
}

function service(name: string, spec: Partial<Service['spec']>, labels?: Record<string, string>): Service {
  return { metadata: { name, labels }, spec: { ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' }], ...spec } } as Service;
}

/** Waits until the (single) worker has handled everything queued so far, by queuing one more Service behind it. */
let flushes = 0;
async function flushQueue(): Promise<void> {
  const name = `flush-${++flushes}`;
  const labels = { flush: name };
  await cluster.api(resources.services).create(ns, service(name, { selector: labels }));
  await cluster.until(`endpoints ${name}`, () => endpoints.get(ns, name));
}

before(async () => {
  cluster = await TestCluster.start();
  // One worker: keys are handled in the order they were queued, which flushQueue relies on.
  await cluster.run([newEndpointsController], { workers: 1 });
  endpoints = await cluster.observe(resources.endpoints);
});
after(() => cluster.stop());

describe('endpoints controller', () => {
  test('ready pods are addresses, not-ready ones notReadyAddresses, pods without an IP neither', async () => {
    await cluster.api(resources.services).create(ns, service('web', { selector: { app: 'web' } }, { team: 'a' }));
    await expectEndpoints('web', []);
    const web1 = await cluster.createPod(ns, 'web-1', { app: 'web' });
    await cluster.createPod(ns, 'web-2', { app: 'web' });
    await cluster.createPod(ns, 'web-3', { app: 'web' }); // never gets an IP
    await cluster.createPod(ns, 'other', { app: 'other' });
    await cluster.setPodStatus(ns, 'other', '10.0.0.9', true);
    await cluster.setPodStatus(ns, 'web-1', '10.0.0.1', true);
    await cluster.setPodStatus(ns, 'web-2', '10.0.0.2', false);
    const ep = await expectEndpoints('web', [{ ready: ['10.0.0.1'], notReady: ['10.0.0.2'], ports: [':8080/TCP'] }]);
    const address = ep!.subsets![0].addresses![0];
    assert.deepEqual(address.targetRef, { kind: 'Pod', namespace: ns, name: 'web-1', uid: web1.metadata.uid });
    // The Service's labels are copied onto its Endpoints.
    assert.equal(ep!.metadata.labels?.team, 'a');

    await cluster.setPodStatus(ns, 'web-2', '10.0.0.2', true);
    await expectEndpoints('web', [{ ready: ['10.0.0.1', '10.0.0.2'], notReady: [], ports: [':8080/TCP'] }]);
    await cluster.setPodStatus(ns, 'web-1', '10.0.0.1', false);
    await expectEndpoints('web', [{ ready: ['10.0.0.2'], notReady: ['10.0.0.1'], ports: [':8080/TCP'] }]);
    await cluster.api(resources.pods).delete(ns, 'web-2');
    await expectEndpoints('web', [{ ready: [], notReady: ['10.0.0.1'], ports: [':8080/TCP'] }]);
    // A pod whose labels stop matching leaves.
    await cluster.api(resources.pods).patch(ns, 'web-1', { metadata: { labels: { app: 'gone' } } });
    await expectEndpoints('web', []);
  });

  test('a terminating pod leaves the Endpoints at once, while it still exists', async () => {
    await cluster.api(resources.services).create(ns, service('term', { selector: { app: 'term' } }));
    await cluster.createPod(ns, 'term-1', { app: 'term' }, { nodeName: 'node-a' });
    await cluster.createPod(ns, 'term-2', { app: 'term' }, { nodeName: 'node-a' });
    await cluster.setPodStatus(ns, 'term-1', '10.0.1.1', true);
    await cluster.setPodStatus(ns, 'term-2', '10.0.1.2', true);
    const ep = await expectEndpoints('term', [{ ready: ['10.0.1.1', '10.0.1.2'], notReady: [], ports: [':8080/TCP'] }]);
    assert.equal(ep!.subsets![0].addresses![0].nodeName, 'node-a');
    await cluster.api(resources.pods).delete(ns, 'term-1'); // graceful: on a node, so it stays a while
    await expectEndpoints('term', [{ ready: ['10.0.1.2'], notReady: [], ports: [':8080/TCP'] }]);
    const pod = await cluster.api(resources.pods).get(ns, 'term-1');
    assert.ok(pod.metadata.deletionTimestamp, 'the pod is still there, terminating');
    await cluster.finishPodDeletion(ns, 'term-1');
  });

  test('publishNotReadyAddresses lists not-ready pods as addresses', async () => {
    await cluster.api(resources.services).create(ns, service('pub', { selector: { app: 'pub' }, publishNotReadyAddresses: true }));
    await cluster.createPod(ns, 'pub-1', { app: 'pub' });
    await cluster.setPodStatus(ns, 'pub-1', '10.0.2.1', false);
    await expectEndpoints('pub', [{ ready: ['10.0.2.1'], notReady: [], ports: [':8080/TCP'] }]);
  });

  test('a named target port is looked up in each pod; pods without it are left out', async () => {
    await cluster.api(resources.services).create(ns, service('named', { selector: { app: 'named' }, ports: [{ name: 'web', port: 80, targetPort: 'http', protocol: 'TCP' }] }));
    await cluster.createPod(ns, 'named-a', { app: 'named' }, { ports: [{ name: 'http', containerPort: 8080 }] });
    await cluster.createPod(ns, 'named-b', { app: 'named' }, { ports: [{ name: 'http', containerPort: 9090 }] });
    await cluster.createPod(ns, 'named-c', { app: 'named' }, { ports: [{ name: 'metrics', containerPort: 9100 }] });
    await cluster.createPod(ns, 'named-d', { app: 'named' }, { ports: [{ name: 'http', containerPort: 8080, protocol: 'UDP' }] });
    for (const [pod, ip] of [['named-a', '10.0.3.1'], ['named-b', '10.0.3.2'], ['named-c', '10.0.3.3'], ['named-d', '10.0.3.4']]) await cluster.setPodStatus(ns, pod, ip, true);
    await expectEndpoints('named', [
      { ready: ['10.0.3.1'], notReady: [], ports: ['web:8080/TCP'] },
      { ready: ['10.0.3.2'], notReady: [], ports: ['web:9090/TCP'] },
    ]);
  });

  // RepackSubsets groups by port: each port's subset lists exactly the pods serving it, and ports
  // served by the same pods share one.
  test('several ports: each port lists the pods serving it; ports served by the same pods share a subset', async () => {
    await cluster.api(resources.services).create(ns, service('multi', {
      selector: { app: 'multi' },
      ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }, { name: 'metrics', port: 9100, targetPort: 'metrics', protocol: 'TCP' }],
    }));
    await cluster.createPod(ns, 'multi-1', { app: 'multi' }, { ports: [{ name: 'metrics', containerPort: 9100 }] });
    await cluster.createPod(ns, 'multi-2', { app: 'multi' }, { ports: [{ name: 'metrics', containerPort: 9100 }] });
    await cluster.createPod(ns, 'multi-3', { app: 'multi' });
    await cluster.setPodStatus(ns, 'multi-1', '10.0.4.1', true);
    await cluster.setPodStatus(ns, 'multi-2', '10.0.4.2', false);
    await cluster.setPodStatus(ns, 'multi-3', '10.0.4.3', true);
    await expectEndpoints('multi', [
      { ready: ['10.0.4.1', '10.0.4.3'], notReady: ['10.0.4.2'], ports: ['http:8080/TCP'] },
      { ready: ['10.0.4.1'], notReady: ['10.0.4.2'], ports: ['metrics:9100/TCP'] },
    ]);
    await cluster.api(resources.pods).delete(ns, 'multi-3');
    await expectEndpoints('multi', [
      { ready: ['10.0.4.1'], notReady: ['10.0.4.2'], ports: ['http:8080/TCP', 'metrics:9100/TCP'] },
    ]);
  });

  test('a Service without a selector keeps the Endpoints written by hand', async () => {
    const manual = await cluster.api(resources.endpoints).create(ns, {
      metadata: { name: 'manual' },
      subsets: [{ addresses: [{ ip: '192.168.1.1' }], ports: [{ port: 5432, protocol: 'TCP' }] }],
    } as Endpoints);
    await cluster.api(resources.services).create(ns, service('manual', {}));
    await cluster.api(resources.services).patch(ns, 'manual', { metadata: { annotations: { touched: 'yes' } } });
    await flushQueue();
    const now = await cluster.api(resources.endpoints).get(ns, 'manual');
    assert.equal(now.metadata.resourceVersion, manual.metadata.resourceVersion);
  });

  test('nothing is written when nothing changed', async () => {
    await cluster.api(resources.services).create(ns, service('steady', { selector: { app: 'steady' } }));
    await cluster.createPod(ns, 'steady-1', { app: 'steady' });
    await cluster.setPodStatus(ns, 'steady-1', '10.0.5.1', true);
    const before = await expectEndpoints('steady', [{ ready: ['10.0.5.1'], notReady: [], ports: [':8080/TCP'] }]);
    await cluster.api(resources.services).patch(ns, 'steady', { metadata: { annotations: { touched: 'yes' } } });
    await cluster.api(resources.pods).patch(ns, 'steady-1', { metadata: { annotations: { touched: 'yes' } } });
    await flushQueue();
    const now = await cluster.api(resources.endpoints).get(ns, 'steady');
    assert.equal(now.metadata.resourceVersion, before!.metadata.resourceVersion);
  });

  test('the Endpoints goes with its Service, and comes back if deleted while the Service stays', async () => {
    await cluster.api(resources.services).create(ns, service('brief', { selector: { app: 'brief' } }));
    await cluster.createPod(ns, 'brief-1', { app: 'brief' });
    await cluster.setPodStatus(ns, 'brief-1', '10.0.6.1', true);
    const first = await expectEndpoints('brief', [{ ready: ['10.0.6.1'], notReady: [], ports: [':8080/TCP'] }]);
    await cluster.api(resources.endpoints).delete(ns, 'brief');
    const second = await cluster.until('recreated endpoints', () => {
      const ep = endpoints.get(ns, 'brief');
      return ep && ep.metadata.uid !== first!.metadata.uid ? ep : undefined;
    });
    await expectEndpoints('brief', [{ ready: ['10.0.6.1'], notReady: [], ports: [':8080/TCP'] }]);
    await cluster.api(resources.services).delete(ns, 'brief');
    await cluster.deleted(endpoints, second);
  });

  test('a headless Service labels its Endpoints and publishes pod hostnames', async () => {
    await cluster.api(resources.services).create(ns, service('db', { selector: { app: 'db' }, clusterIP: 'None' }));
    await cluster.api(resources.pods).create(ns, {
      metadata: { name: 'db-0', labels: { app: 'db' } },
      spec: { hostname: 'db-0', subdomain: 'db', containers: [{ name: 'db', image: 'postgres' }] },
    } as never);
    await cluster.setPodStatus(ns, 'db-0', '10.0.7.1', true);
    const ep = await expectEndpoints('db', [{ ready: ['10.0.7.1'], notReady: [], ports: [':8080/TCP'] }]);
    assert.equal(ep!.subsets![0].addresses![0].hostname, 'db-0');
    assert.equal(ep!.metadata.labels?.['service.kubernetes.io/headless'], '');
  });
});
