// SharedInformer against a real API server: the initial list, add/update/delete handlers with the old
// and new objects, late handlers, a relist after the watch's revision was compacted away (the server's
// ERROR 410 event) in which a delete missed while partitioned arrives as a tombstone, and resync.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { resources } from '../../shared/api/registry.ts';
import { ApiClient } from '../../shared/client/api-client.ts';
import { ResourceClient, type ObjectOf } from '../../shared/client/resource-client.ts';
import { InformerFactory } from '../../shared/informer/factory.ts';
import { isTombstone } from '../../shared/informer/informer.ts';
import { startApiServer, type ApiServerProcess } from '../helpers/apiserver.ts';
import { openWatch } from '../helpers/http.ts';
import { startTcpProxy, type TcpProxy } from '../fixtures/tcp-proxy.ts';
import { nameOf, recorder, type HandlerCall } from '../fixtures/informer-recorder.ts';

type ConfigMap = ObjectOf<typeof resources.configmaps>;

let api: ApiServerProcess;
let proxy: TcpProxy;
let client: ApiClient;
let configMaps: ResourceClient<ConfigMap>;
const factories: InformerFactory[] = [];

before(async () => {
  // History older than ~1-2 s is compacted, so a watch that fell behind must relist.
  api = await startApiServer({ args: ['--etcd-compaction-interval', '1s'] });
  proxy = await startTcpProxy(api.url);
  client = new ApiClient({ servers: [api.url] });
  configMaps = new ResourceClient<ConfigMap>(client, resources.configmaps);
});
after(async () => {
  factories.forEach((f) => f.stop());
  await proxy?.close();
  await client?.close();
  await api?.cleanup();
});

const configMap = (name: string, suite: string, v = '1'): ConfigMap => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default', labels: { suite } }, data: { v } });

type Seen = HandlerCall<ConfigMap>;

function informerOn(apiClient: ApiClient, suite: string, resyncPeriodMs?: number) {
  const factory = new InformerFactory(apiClient);
  factories.push(factory);
  const informer = factory.informerFor(resources.configmaps, { labelSelector: `suite=${suite}`, resyncPeriodMs });
  return { factory, informer };
}

describe('SharedInformer', () => {
  test('lists first, then reports adds, updates (old and new) and deletes; late handlers get the cache as adds', async () => {
    await configMaps.create('default', configMap('a1', 'a'));
    await configMaps.create('default', configMap('a2', 'a'));
    await configMaps.create('default', configMap('other', 'not-a'));
    const { factory, informer } = informerOn(client, 'a');
    const events = recorder(informer);
    factory.start();
    await factory.waitForCacheSync();
    assert.equal(informer.hasSynced, true);
    assert.deepEqual(events.seen.map((s) => [s.type, nameOf(s)]).sort(), [['add', 'a1'], ['add', 'a2']]);
    assert.deepEqual(informer.list('default').map((c) => c.metadata?.name).sort(), ['a1', 'a2']);
    assert.equal(informer.get('default', 'a1')?.data?.v, '1');
    assert.equal(informer.get('default', 'other'), undefined, 'the label selector applies');

    await configMaps.create('default', configMap('a3', 'a'));
    await events.until((seen) => seen.find((s) => s.type === 'add' && nameOf(s) === 'a3'));

    const a1 = await configMaps.get('default', 'a1');
    await configMaps.update({ ...a1, data: { v: '2' } });
    const update = await events.until((seen) => seen.find((s): s is Extract<Seen, { type: 'update' }> => s.type === 'update' && nameOf(s) === 'a1'));
    assert.equal(update.old.data?.v, '1');
    assert.equal(update.obj.data?.v, '2');
    assert.notEqual(update.old.metadata?.resourceVersion, update.obj.metadata?.resourceVersion);
    assert.equal(informer.get('default', 'a1')?.data?.v, '2');

    await configMaps.delete('default', 'a2');
    const deleted = await events.until((seen) => seen.find((s) => s.type === 'delete' && nameOf(s) === 'a2'));
    assert.equal(isTombstone(deleted.obj), false, 'a delete seen by the watch is the object itself');
    assert.equal(informer.get('default', 'a2'), undefined);

    const late = recorder(informer);
    assert.deepEqual(late.seen.map((s) => [s.type, nameOf(s)]).sort(), [['add', 'a1'], ['add', 'a3']]);
  });

  test('after a partition outlasting the compaction window it relists (ERROR 410): a missed delete arrives as a tombstone', async () => {
    for (const name of ['b1', 'b2', 'b3']) await configMaps.create('default', configMap(name, 'b'));
    const behindProxy = new ApiClient({ servers: [proxy.url] });
    const { factory, informer } = informerOn(behindProxy, 'b');
    try {
      const events = recorder(informer);
      factory.start();
      await factory.waitForCacheSync();
      const lastSeen = informer.lastResourceVersion;

      proxy.partition();
      await configMaps.delete('default', 'b1');
      const b2 = await configMaps.get('default', 'b2');
      await configMaps.update({ ...b2, data: { v: '2' } });
      await configMaps.create('default', configMap('b4', 'b'));
      // Wait until resuming from the informer's revision is refused: the server answers the watch
      // with a single ERROR event carrying a 410 Expired Status.
      for (const deadline = Date.now() + 15_000; ;) {
        const probe = await openWatch(api.url, `/api/v1/namespaces/default/configmaps?watch=1&labelSelector=suite%3Db&resourceVersion=${lastSeen}`);
        const [first] = await probe.until((evs) => evs.length > 0);
        probe.close();
        if (first.type === 'ERROR') {
          assert.equal(first.object.code, 410);
          break;
        }
        assert.ok(Date.now() < deadline, 'history was never compacted');
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      proxy.heal();

      const tombstone = await events.until((seen) => seen.find((s) => s.type === 'delete' && nameOf(s) === 'b1'), 30_000);
      assert.ok(isTombstone(tombstone.obj), 'a delete inferred by a relist comes as DeletedFinalStateUnknown');
      assert.equal(tombstone.obj.key, 'default/b1');
      assert.equal(tombstone.obj.obj.data?.v, '1', 'the tombstone carries the last state the informer knew');
      const update = await events.until((seen) => seen.find((s): s is Extract<Seen, { type: 'update' }> => s.type === 'update' && nameOf(s) === 'b2' && s.obj.data?.v === '2'));
      assert.equal(update.old.data?.v, '1');
      await events.until((seen) => seen.find((s) => s.type === 'add' && nameOf(s) === 'b4'));
      assert.deepEqual(informer.list('default').map((c) => c.metadata?.name).sort(), ['b2', 'b3', 'b4']);
      assert.equal(events.seen.filter((s) => s.type === 'delete').length, 1);
    } finally {
      factory.stop();
      proxy.heal();
      await behindProxy.close();
    }
  });

  test('resync replays every cached object as an update of itself', async () => {
    for (const name of ['c1', 'c2']) await configMaps.create('default', configMap(name, 'c'));
    const { factory, informer } = informerOn(client, 'c', 100);
    const events = recorder(informer);
    factory.start();
    await factory.waitForCacheSync();
    const resyncsOf = (name: string) => events.seen.filter((s) => s.type === 'update' && s.old === s.obj && nameOf(s) === name).length;
    await events.until(() => (resyncsOf('c1') >= 2 && resyncsOf('c2') >= 2 ? true : undefined), 5_000);
    const c1 = events.seen.find((s): s is Extract<Seen, { type: 'update' }> => s.type === 'update' && nameOf(s) === 'c1')!;
    assert.equal(c1.obj.metadata?.resourceVersion, informer.get('default', 'c1')?.metadata?.resourceVersion);
  });
});
