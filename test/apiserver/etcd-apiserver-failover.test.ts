// kill -9 of one of two API servers on the same etcd under load: a client given both addresses
// (shared/client/api-client.ts) fails over to the other and goes on, and sees everything the dead
// one acknowledged, because the data lives in etcd, not in the server.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiClient, isAlreadyExists } from '../../shared/client/api-client.ts';
import type { ApiServerProcess } from '../helpers/apiserver.ts';
import { etcdSkipReason, startApiServerOnEtcd, startEtcdCluster, type EtcdCluster } from '../helpers/etcd.ts';

const cms = '/api/v1/namespaces/default/configmaps';

describe('API server failover on etcd', { skip: etcdSkipReason() }, () => {
  let cluster: EtcdCluster;
  let a: ApiServerProcess;
  let b: ApiServerProcess;
  before(async () => {
    cluster = await startEtcdCluster({ members: 3 });
    [a, b] = await Promise.all([startApiServerOnEtcd(cluster), startApiServerOnEtcd(cluster)]);
  });
  after(async () => {
    await Promise.all([a?.cleanup(), b?.cleanup()]);
    await cluster?.stop();
  });

  test('a client with both addresses goes on when the one it uses is killed', { timeout: 60_000 }, async () => {
    const client = new ApiClient({ servers: [a.url, b.url], maxAttempts: 8 });
    const created = new Map<string, string>(); // name -> resourceVersion
    const ambiguous: string[] = []; // created by the dead server, its answer lost: the retry finds it
    const failed: string[] = [];
    let killedAt = 0;
    let stopAt = Infinity;
    let slowest = 0;
    const hardStop = Date.now() + 30_000;
    const writer = async (w: number) => {
      for (let i = 0; Date.now() < Math.min(stopAt, hardStop); i++) {
        const name = `w${w}-${i}`;
        const started = Date.now();
        try {
          const cm = await client.request<{ metadata: { resourceVersion: string } }>('POST', cms, { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name } } });
          created.set(name, cm.metadata.resourceVersion);
          if (killedAt && stopAt === Infinity) stopAt = Date.now() + 1500;
        } catch (err) {
          if (isAlreadyExists(err)) ambiguous.push(name);
          else failed.push(`${name}: ${(err as Error).message}`);
        }
        slowest = Math.max(slowest, Date.now() - started);
      }
    };
    try {
      const load = Promise.all(Array.from({ length: 8 }, (_, w) => writer(w)));
      await new Promise((r) => setTimeout(r, 1000));
      const beforeKill = created.size;
      killedAt = Date.now();
      await a.kill();
      await load;
      const afterKill = created.size - beforeKill;
      console.log(`API server killed under load: ${created.size} creates acknowledged (${afterKill} after the kill, via ${client.server}), ` +
        `${ambiguous.length} retried creates found already made by the dead server, ${failed.length} failed; slowest request ${slowest} ms`);
      assert.deepEqual(failed, []);
      assert.equal(client.server, b.url, 'the client moved to the surviving server');
      assert.ok(afterKill >= 20, `only ${afterKill} creates after the kill`);

      // Everything acknowledged by either server is there, at the revision it was acknowledged with.
      const list = await client.request<{ items: { metadata: { name: string; resourceVersion: string } }[] }>('GET', cms);
      const stored = new Map(list.items.map((i) => [i.metadata.name, i.metadata.resourceVersion]));
      for (const [name, rv] of created) assert.equal(stored.get(name), rv, `${name} as acknowledged`);
      for (const name of ambiguous) assert.ok(stored.has(name), `${name} (made by the dead server) is stored`);
    } finally {
      await client.close();
    }
  });
});
