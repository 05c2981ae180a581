// kill -9 of the API server under write load: after a restart on the same data, every write the
// server acknowledged is there, revisions keep rising, and a watch resumes from a pre-crash revision.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, request } from 'undici';
import { startApiServer } from '../helpers/apiserver.ts';
import { call, openWatch } from '../helpers/http.ts';

test('every acknowledged write survives SIGKILL under load; revisions keep rising; watches resume', async () => {
  let server = await startApiServer();
  try {
    const base = server.url;
    const before = Number((await call(base, 'GET', '/api/v1/namespaces/default/configmaps')).body.metadata.resourceVersion);
    const acked = new Map<string, number>();
    const agent = new Agent({ connections: 32 });
    let stop = false;
    const writers = Array.from({ length: 32 }, async (_, w) => {
      for (let i = 0; !stop; i++) {
        const name = `load-${w}-${i}`;
        try {
          const res = await request(`${base}/api/v1/namespaces/default/configmaps`, {
            method: 'POST', dispatcher: agent, headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ metadata: { name }, data: { w: String(w), i: String(i) } }),
          });
          const body = (await res.body.json()) as { metadata: { resourceVersion: string } };
          if (res.statusCode === 201) acked.set(name, Number(body.metadata.resourceVersion));
        } catch {
          return; // the server is gone: unacknowledged writes may or may not have landed
        }
      }
    });
    while (acked.size < 2000) await new Promise((r) => setTimeout(r, 20));
    await server.kill();
    stop = true;
    await Promise.all(writers);
    await agent.close();
    assert.equal(server.child.signalCode, 'SIGKILL');

    server = await server.restart();
    const list = await call(server.url, 'GET', '/api/v1/namespaces/default/configmaps');
    assert.equal(list.status, 200);
    const stored = new Map<string, number>(list.body.items.map((o: any) => [o.metadata.name, Number(o.metadata.resourceVersion)]));
    let missing = 0;
    for (const [name, rv] of acked) {
      if (stored.get(name) !== rv) missing++;
    }
    assert.equal(missing, 0, `${missing} of ${acked.size} acknowledged writes lost`);
    const maxAcked = Math.max(...acked.values());
    const next = await call(server.url, 'POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'after-restart' } });
    assert.equal(next.status, 201);
    assert.ok(Number(next.body.metadata.resourceVersion) > maxAcked, 'revisions keep rising after a crash');

    // The history survived too: a watch from before the crash replays what came after it.
    const watch = await openWatch(server.url, `/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=${before}`);
    await watch.until((e) => e.some((x) => x.object.metadata.name === 'after-restart'), 20_000);
    const names = new Set(watch.events.map((e) => e.object.metadata.name));
    for (const name of acked.keys()) assert.ok(names.has(name), `replayed ${name}`);
    watch.close();
  } finally {
    await server.cleanup();
  }
});
