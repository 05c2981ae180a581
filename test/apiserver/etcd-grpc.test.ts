// The etcd backend's own gRPC client (etcd-grpc.ts over node:http2, messages from etcd-proto.ts)
// against a real etcd member: the create guard's oneof operand 0 reaches etcd, answers and etcd's
// refusals decode, uint64 member ids survive, a watch stream delivers puts and deletes with their
// previous values, and transport failures carry the codes the retry rules read (a refused connection
// was never sent; a reset call's outcome is unknown; a reset watch ends).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Etcd3 } from 'etcd3';
import { mayRetry } from '../../apiserver/storage/etcd-codec.ts';
import { EtcdError, GrpcConnection, GrpcTransportError } from '../../apiserver/storage/etcd-grpc.ts';
import { EtcdKv } from '../../apiserver/storage/etcd-kv.ts';
import {
  decodeStatusResponse,
  decodeWatchResponse,
  encodeStatusRequest,
  encodeWatchCreateRequest,
  type WatchResponse,
} from '../../apiserver/storage/etcd-proto.ts';
import { etcdSkipReason, freePort, startEtcdCluster, type EtcdCluster } from '../helpers/etcd.ts';

const key = (name: string) => Buffer.from(`/registry/configmaps/default/${name}`);

describe('the etcd backend gRPC client', { skip: etcdSkipReason() }, () => {
  let cluster: EtcdCluster;
  let kv: EtcdKv;
  let reference: Etcd3;

  before(async () => {
    cluster = await startEtcdCluster({ members: 1 });
    kv = new EtcdKv({ endpoints: cluster.clientUrls, requestTimeoutMs: 5000 });
    await kv.findLeader();
    reference = new Etcd3({ hosts: cluster.clientUrls });
  });
  after(async () => {
    reference?.close();
    await kv?.close();
    await cluster?.stop();
  });

  test('a create guarded on create_revision = 0 succeeds once; the second finds the key in the else branch', async () => {
    const k = key('guarded');
    const create = () => kv.txn([{ key: k, target: 'CREATE', result: 'EQUAL', value: 0 }], [{ put: { key: k, value: 'v1 ✓' } }], [{ range: { key: k } }]);
    const first = await create();
    assert.equal(first.succeeded, true);
    assert.ok(first.revision > 0);
    const second = await create();
    assert.equal(second.succeeded, false);
    assert.equal(second.responses[0].kvs[0].value, 'v1 ✓');
    assert.equal(second.responses[0].kvs[0].modRevision, first.revision);
    assert.equal(await reference.get(k.toString()).string(), 'v1 ✓');
  });

  test('an update guarded on mod_revision, with prev_kv, and a delete with prev_kv', async () => {
    const k = key('updated');
    const created = await kv.txn([{ key: k, target: 'CREATE', result: 'EQUAL', value: 0 }], [{ put: { key: k, value: 'a' } }], []);
    const updated = await kv.txn([{ key: k, target: 'MOD', result: 'EQUAL', value: created.revision }], [{ put: { key: k, value: 'b', prevKv: true } }], []);
    assert.equal(updated.succeeded, true);
    assert.equal(updated.responses[0].kvs[0].value, 'a');
    const stale = await kv.txn([{ key: k, target: 'MOD', result: 'EQUAL', value: created.revision }], [{ put: { key: k, value: 'c' } }], [{ range: { key: k } }]);
    assert.equal(stale.succeeded, false);
    assert.equal(stale.responses[0].kvs[0].value, 'b');
    assert.equal(stale.responses[0].kvs[0].version, 2);
    const deleted = await kv.txn([], [{ deleteRange: { key: k, prevKv: true } }], []);
    assert.deepEqual(deleted.responses[0].kvs.map((x) => x.value), ['b']);
  });

  test('ranges: a prefix, a limit with more, count only, an old revision', async () => {
    const before = await kv.range({ key: key('r-'), rangeEnd: key('r.') });
    for (let i = 0; i < 5; i++) await kv.txn([], [{ put: { key: key(`r-${i}`), value: `${i}` } }], []);
    const all = await kv.range({ key: key('r-'), rangeEnd: key('r.') });
    assert.deepEqual(all.kvs.map((x) => x.value), ['0', '1', '2', '3', '4']);
    assert.equal(all.count, 5);
    const limited = await kv.range({ key: key('r-'), rangeEnd: key('r.'), limit: 2 });
    assert.equal(limited.kvs.length, 2);
    assert.equal(limited.more, true);
    const counted = await kv.range({ key: key('r-'), rangeEnd: key('r.'), countOnly: true });
    assert.equal(counted.count, 5);
    assert.equal(counted.kvs.length, 0);
    const old = await kv.range({ key: key('r-'), rangeEnd: key('r.'), revision: before.revision });
    assert.equal(old.kvs.length, 0);
  });

  test('a large answer (4 MB in one message) arrives whole', async () => {
    const value = 'x'.repeat(1024 * 1024);
    for (let i = 0; i < 4; i++) await kv.txn([], [{ put: { key: key(`big-${i}`), value } }], []);
    const res = await kv.range({ key: key('big-'), rangeEnd: key('big.') });
    assert.equal(res.kvs.length, 4);
    for (const x of res.kvs) assert.equal(x.value.length, value.length);
  });

  test("etcd's refusal is an EtcdError with its status and message, about the request", async () => {
    const now = (await kv.range({ key: key('x') })).revision;
    await assert.rejects(kv.range({ key: key('x'), revision: now + 1000 }), (err: unknown) => {
      assert.ok(err instanceof EtcdError);
      assert.match(err.message, /required revision is a future revision/);
      assert.equal(err.grpcStatus, 11); // OUT_OF_RANGE
      assert.equal(err.aboutRequest, true);
      return true;
    });
  });

  test("Status names the member and its leader as the etcd3 package reads them (uint64 ids)", async () => {
    const connection = new GrpcConnection(cluster.clientUrls[0], 1000);
    try {
      const status = decodeStatusResponse(await connection.call('/etcdserverpb.Maintenance/Status', encodeStatusRequest(), { timeoutMs: 2000 }));
      const expected = await reference.maintenance.status();
      assert.equal(status.memberId, String(expected.header.member_id));
      assert.equal(status.leader, String(expected.leader));
      assert.notEqual(status.memberId, '0');
    } finally {
      await connection.close();
    }
  });

  test('a refused connection was never sent (a write may go elsewhere); a reset call fails with the reset error', async () => {
    const nobody = new GrpcConnection(`http://127.0.0.1:${await freePort()}`, 1000);
    await assert.rejects(nobody.call('/etcdserverpb.KV/Range', Buffer.alloc(0), { timeoutMs: 1000 }), (err: unknown) => {
      assert.ok(err instanceof GrpcTransportError);
      assert.equal(err.code, 'ECONNREFUSED');
      assert.equal(mayRetry(err, true), true);
      return true;
    });

    const connection = new GrpcConnection(cluster.clientUrls[0], 1000);
    try {
      const range = () => connection.call('/etcdserverpb.KV/Range', Buffer.from([0x0a, 0x01, 0x61]), { timeoutMs: 5000 });
      await range(); // connected
      const calls = Array.from({ length: 50 }, range);
      // A few microtasks: the calls are sent, and no answer can have been read (that needs I/O).
      for (let i = 0; i < 5; i++) await Promise.resolve();
      const gone = new Error('member gone');
      connection.reset(gone);
      const outcomes = await Promise.allSettled(calls);
      assert.deepEqual(outcomes.map((o) => (o.status === 'rejected' ? o.reason : 'answered')), calls.map(() => gone));
      // The connection is made afresh for the next call.
      await range();
    } finally {
      await connection.close();
    }
    assert.equal(mayRetry(Object.assign(new Error('x'), { code: 'ETCD_CALL_LOST' }), true), false, 'a lost write is not repeated');
  });

  test('a watch stream: created at the start revision, then puts and deletes in order with prev_kv; a reset ends it', async () => {
    const connection = new GrpcConnection(cluster.clientUrls[0], 1000);
    const responses: WatchResponse[] = [];
    let ended: Error | undefined;
    let wake = () => {};
    const next = (test: () => boolean) => new Promise<void>((resolve) => {
      wake = () => test() && resolve();
      wake();
    });
    try {
      const k = key('watched');
      const start = (await kv.range({ key: k })).revision + 1;
      const stream = await connection.openStream('/etcdserverpb.Watch/Watch', {
        onMessage: (m) => (responses.push(decodeWatchResponse(m)), wake()),
        onEnd: (err) => ((ended = err), wake()),
      });
      stream.write(encodeWatchCreateRequest({ key: k, rangeEnd: Buffer.from(`${k}\0`), startRevision: start, prevKv: true, progressNotify: false }));
      await next(() => responses.some((r) => r.created));
      await kv.txn([], [{ put: { key: k, value: 'one' } }], []);
      await kv.txn([], [{ put: { key: k, value: 'two' } }], []);
      await kv.txn([], [{ deleteRange: { key: k } }], []);
      const events = () => responses.flatMap((r) => r.events);
      await next(() => events().length === 3);
      assert.deepEqual(events().map((e) => [e.type, e.kv.key, e.kv.value, e.prevKv?.value]), [
        ['PUT', k.toString(), 'one', undefined],
        ['PUT', k.toString(), 'two', 'one'],
        ['DELETE', k.toString(), '', 'two'],
      ]);
      assert.equal(events()[0].kv.modRevision, start);
      const gone = new Error('member gone');
      connection.reset(gone);
      await next(() => ended !== undefined);
      assert.equal(ended, gone);
    } finally {
      await connection.close();
    }
  });
});
