// A watch from a revision that etcd compacted behind the API server's back (an operator's
// `etcdctl compact`, say) is only found out once etcd answers the history watch. The client must
// still get what kube sends: an ERROR event with 410 Expired, and the end of the stream, so that it
// relists, never a stream that hangs without events.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Etcd3 } from 'etcd3';
import type { ApiServerProcess } from '../helpers/apiserver.ts';
import { etcdSkipReason, startApiServerOnEtcd, startEtcdCluster, type EtcdCluster } from '../helpers/etcd.ts';
import { call, openWatch } from '../helpers/http.ts';

const cms = '/api/v1/namespaces/default/configmaps';

describe('a watch whose history etcd compacted meanwhile', { skip: etcdSkipReason() }, () => {
  let cluster: EtcdCluster;
  let server: ApiServerProcess;
  let etcd: Etcd3;

  before(async () => {
    cluster = await startEtcdCluster({ members: 1 });
    // A watch cache of 5 events: a watch from further back is served by its own etcd watch.
    server = await startApiServerOnEtcd(cluster, ['--watch-cache-size', '5']);
    etcd = new Etcd3({ hosts: cluster.clientUrls });
  });
  after(async () => {
    etcd?.close();
    await server?.cleanup();
    await cluster?.stop();
  });

  test('ends with an ERROR event 410 Expired', { timeout: 30_000 }, async () => {
    const first = await call(server.url, 'POST', cms, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm-0' } });
    assert.equal(first.status, 201);
    let last = first;
    for (let i = 1; i < 20; i++) last = await call(server.url, 'POST', cms, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${i}` } });
    // Compacted directly in etcd: the API server's own compaction bookkeeping does not know.
    await etcd.kv.compact({ revision: Number(last.body.metadata.resourceVersion) });

    const watch = await openWatch(server.url, `${cms}?watch=1&resourceVersion=${first.body.metadata.resourceVersion}`);
    try {
      const events = await watch.until((e) => e.some((ev) => ev.type === 'ERROR'));
      const error = events.find((e) => e.type === 'ERROR')!;
      assert.equal(error.object.code, 410);
      assert.equal(error.object.reason, 'Expired');
      await watch.end();
    } finally {
      watch.close();
    }
  });
});
