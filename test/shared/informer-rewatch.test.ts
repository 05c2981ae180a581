// SharedInformer resuming its watch (history kept, unlike informer.test.ts's compacted server): when
// the stream breaks, or the server ends it at the timeoutSeconds the reflector asked for, it watches
// again from the last revision it saw — one list in all, every change delivered once and in order.
// And its indexed cache: by namespace, by a custom index (pods by node name, as the kubelet's), kept
// right across updates and deletes, with an index added later by a second user of the informer.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '../../shared/api/core.ts';
import { resources } from '../../shared/api/registry.ts';
import { ApiClient } from '../../shared/client/api-client.ts';
import { ResourceClient, type ObjectOf } from '../../shared/client/resource-client.ts';
import { InformerFactory } from '../../shared/informer/factory.ts';
import { isTombstone } from '../../shared/informer/informer.ts';
import { startApiServer, type ApiServerProcess } from '../helpers/apiserver.ts';
import { call } from '../helpers/http.ts';
import { startHttpFaultProxy } from '../fixtures/http-fault-proxy.ts';
import { nameOf, recorder, type HandlerCall } from '../fixtures/informer-recorder.ts';
import { startTcpProxy } from '../fixtures/tcp-proxy.ts';
import { podObject } from '../scheduler/fixtures.ts';

type ConfigMap = ObjectOf<typeof resources.configmaps>;

let api: ApiServerProcess;
let client: ApiClient;
let configMaps: ResourceClient<ConfigMap>;
const cleanups: (() => unknown)[] = [];

before(async () => {
  api = await startApiServer();
  client = new ApiClient({ servers: [api.url] });
  configMaps = new ResourceClient<ConfigMap>(client, resources.configmaps);
});
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  await client?.close();
  await api?.cleanup();
});

const configMap = (name: string, suite: string, v = '1'): ConfigMap => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default', labels: { suite } }, data: { v } });
const describeCall = (s: HandlerCall<ConfigMap>) => `${s.type} ${isTombstone(s.obj) ? 'tombstone:' : ''}${nameOf(s)}${s.type === 'delete' ? '' : ` v${(s.obj as ConfigMap).data?.v}`}`;
/** What a relist looks like to handlers: an update whose old and new objects are the same revision. */
const relistUpdates = (seen: HandlerCall<ConfigMap>[]) => seen.filter((s) => s.type === 'update' && s.old.metadata?.resourceVersion === s.obj.metadata?.resourceVersion);

function informerVia(url: string, suite: string, minWatchTimeoutSeconds?: number) {
  const viaClient = new ApiClient({ servers: [url] });
  const factory = new InformerFactory(viaClient);
  cleanups.push(() => viaClient.close(), () => factory.stop());
  const informer = factory.informerFor(resources.configmaps, { labelSelector: `suite=${suite}`, minWatchTimeoutSeconds });
  return { factory, informer };
}

describe('SharedInformer re-watch', () => {
  test('a broken stream is resumed from the last revision: changes made meanwhile arrive once, in order, without a relist', async () => {
    for (const name of ['r1', 'r2', 'r3']) await configMaps.create('default', configMap(name, 'r'));
    const proxy = await startTcpProxy(api.url);
    cleanups.push(() => proxy.close());
    const { factory, informer } = informerVia(proxy.url, 'r');
    const events = recorder(informer);
    factory.start();
    await factory.waitForCacheSync();
    const listed = events.seen.length;

    proxy.partition(); // the watch's connection is cut, and reconnecting is refused until heal()
    const r1 = await configMaps.get('default', 'r1');
    await configMaps.update({ ...r1, data: { v: '2' } });
    await configMaps.delete('default', 'r2');
    await configMaps.create('default', configMap('r4', 'r'));
    proxy.heal();
    // A change made after the heal arrives after those made during the cut.
    await configMaps.create('default', configMap('r5', 'r'));
    await events.until((seen) => seen.find((s) => s.type === 'add' && nameOf(s) === 'r5'));

    assert.deepEqual(events.seen.slice(listed).map(describeCall), ['update r1 v2', 'delete r2', 'add r4 v1', 'add r5 v1']);
    const update = events.seen[listed] as Extract<HandlerCall<ConfigMap>, { type: 'update' }>;
    assert.equal(update.old.data?.v, '1');
    assert.deepEqual(relistUpdates(events.seen), [], 'the informer listed again');
    assert.deepEqual(informer.list('default').map((c) => c.metadata?.name).sort(), ['r1', 'r3', 'r4', 'r5']);
  });

  test('a watch the server ends at its timeoutSeconds is resumed: every change once, in order, one list in all', async () => {
    await configMaps.create('default', configMap('t1', 't', '0'));
    const proxy = await startHttpFaultProxy(api.url);
    cleanups.push(() => proxy.close());
    const { factory, informer } = informerVia(proxy.url, 't', 1);
    const events = recorder(informer);
    factory.start();
    await factory.waitForCacheSync();
    const watches = () => proxy.requests.filter((r) => /[?&]watch=(1|true)/.test(r.path));
    const lists = () => proxy.requests.filter((r) => !/[?&]watch=(1|true)/.test(r.path));

    // Write until the server has ended two watches (each lasts 1-2 s) and the third has begun.
    let v = 0;
    let t1 = await configMaps.get('default', 't1');
    while (watches().length < 3) t1 = await configMaps.update({ ...t1, data: { v: String(++v) } });
    await events.until((seen) => seen.find((s) => s.type === 'update' && s.obj.data?.v === String(v)));

    const versions = events.seen.filter((s) => s.type === 'update').map((s) => Number((s.obj as ConfigMap).data?.v));
    assert.deepEqual(versions, Array.from({ length: v }, (_, i) => i + 1), 'every update once, in order');
    assert.equal(lists().length, 1, `listed ${lists().length} times`);
    assert.ok(watches().every((w) => /timeoutSeconds=[12]\b/.test(w.path)), watches().map((w) => w.path).join('\n'));
    // Each watch resumes where the one before ended.
    assert.ok(watches().every((w) => /resourceVersion=\d+/.test(w.path)));
  });
});

describe('SharedInformer indexes', () => {
  test('by namespace and by a custom index, kept right across updates and deletes; an index added later covers the cache', async () => {
    assert.equal((await call(api.url, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'idx' } })).status, 201);
    const pods = new ResourceClient<Pod>(client, resources.pods);
    const pod = (name: string, node?: string) => ({ ...podObject(name), metadata: { ...podObject(name).metadata, labels: { suite: 'idx', app: name } }, spec: { ...podObject(name).spec, nodeName: node } });
    await pods.create('default', pod('p1', 'node-a'));
    await pods.create('default', pod('p2', 'node-b'));
    await pods.create('idx', pod('p3', 'node-a'));
    await pods.create('idx', pod('p4'));

    const factory = new InformerFactory(client);
    cleanups.push(() => factory.stop());
    const informer = factory.informerFor(resources.pods, { labelSelector: 'suite=idx', indexers: { nodeName: (p) => [p.spec?.nodeName ?? ''] } });
    const events = recorder(informer);
    factory.start();
    await factory.waitForCacheSync();
    const names = (pods: Pod[]) => pods.map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`).sort();

    assert.deepEqual(names(informer.list('idx')), ['idx/p3', 'idx/p4']);
    assert.deepEqual(names(informer.list('default')), ['default/p1', 'default/p2']);
    assert.deepEqual(names(informer.byIndex('nodeName', 'node-a')), ['default/p1', 'idx/p3']);
    assert.deepEqual(names(informer.byIndex('nodeName', '')), ['idx/p4']);

    // A second user of the same informer adds its own index: it covers what is already cached.
    const same = factory.informerFor(resources.pods, { labelSelector: 'suite=idx', indexers: { app: (p) => [p.metadata?.labels?.app ?? ''] } });
    assert.equal(same, informer, 'one informer per resource and selector');
    assert.deepEqual(names(informer.byIndex('app', 'p2')), ['default/p2']);

    // p4 is bound (a binding, as the scheduler does) and p1 deleted: the indexes follow.
    await pods.createSubresource('idx', 'p4', 'binding', { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'p4', namespace: 'idx' }, target: { kind: 'Node', name: 'node-b' } });
    await pods.delete('default', 'p1', { gracePeriodSeconds: 0 });
    await events.until((seen) => (seen.some((s) => s.type === 'update' && nameOf(s) === 'p4') && seen.some((s) => s.type === 'delete' && nameOf(s) === 'p1') ? true : undefined));
    assert.deepEqual(names(informer.byIndex('nodeName', 'node-a')), ['idx/p3']);
    assert.deepEqual(names(informer.byIndex('nodeName', 'node-b')), ['default/p2', 'idx/p4']);
    assert.deepEqual(names(informer.byIndex('nodeName', '')), []);
    assert.deepEqual(names(informer.list('default')), ['default/p2']);
    assert.deepEqual(names(informer.byIndex('app', 'p1')), []);
  });
});
