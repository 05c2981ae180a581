// Two API servers' compactors on one etcd take turns through compact_rev_key as kube's do: one
// compaction per interval between them (not one each), both learn the compacted revision, and when
// one stops the other carries on.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Etcd3 } from 'etcd3';
import { EtcdBackend, type CompactRound } from '../../apiserver/storage/etcd-backend.ts';
import { startEtcdCompactor } from '../../apiserver/storage/etcd-compactor.ts';
import { etcdSkipReason, startEtcdCluster, type EtcdCluster } from '../helpers/etcd.ts';

const INTERVAL_MS = 150;
const silent = { info() {}, warn() {}, error() {} };

/** Records every round a backend's compactor runs. */
function recordRounds(backend: EtcdBackend): CompactRound[] {
  const rounds: CompactRound[] = [];
  const run = backend.compactRound.bind(backend);
  backend.compactRound = async (compactTime, revision) => {
    const round = await run(compactTime, revision);
    rounds.push(round);
    return round;
  };
  return rounds;
}

async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('etcd compaction across API servers', { skip: etcdSkipReason() }, () => {
  let cluster: EtcdCluster;
  before(async () => {
    cluster = await startEtcdCluster({ members: 3 });
  });
  after(async () => {
    await cluster?.stop();
  });

  test('one compaction per interval between two servers, both agree on the compacted revision, and the survivor takes over', { timeout: 60_000 }, async () => {
    const [a, b] = [new EtcdBackend({ endpoints: cluster.clientUrls }), new EtcdBackend({ endpoints: cluster.clientUrls })];
    await Promise.all([a.start(), b.start()]);
    const raw = new Etcd3({ hosts: cluster.clientUrls });
    const compactTime = async () => Number((await raw.get('compact_rev_key').exec()).kvs[0]?.version ?? 0);
    const roundsA = recordRounds(a);
    const roundsB = recordRounds(b);
    let writing = true;
    const writer = (async () => {
      for (let i = 0; writing && i < 100_000; i++) await a.create(`/registry/configmaps/default/c${i}`, '{}');
    })();
    try {
      const stopA = startEtcdCompactor(a, INTERVAL_MS, silent);
      const stopB = startEtcdCompactor(b, INTERVAL_MS, silent);
      await until(() => roundsA.length >= 8 && roundsB.length >= 8, 20_000, 'eight rounds each');
      stopA();
      stopB();
      await new Promise((r) => setTimeout(r, INTERVAL_MS)); // let a round in flight finish

      const compactions = [...roundsA, ...roundsB].filter((r) => r.compacted).length;
      const version = await compactTime();
      console.log(`rounds: ${roundsA.length} + ${roundsB.length}; compact_rev_key version ${version}; compactions ${compactions}`);
      // Each won round moved the shared clock by one; blind compactors would compact on every round.
      assert.ok(version <= Math.max(roundsA.length, roundsB.length) + 1, `clock ${version} moved more than once per interval`);
      assert.ok(compactions <= version, `${compactions} compactions for ${version} clock ticks`);
      assert.ok(compactions >= 3, `only ${compactions} compactions`);
      // Whoever compacted, both know the compacted revision (the loser learns it from its watch feed).
      await until(() => a.compactedRevision() === b.compactedRevision() && a.compactedRevision() > 0, 5000, 'both servers to agree');

      // The survivor carries on alone.
      const before = await compactTime();
      const compactedBefore = b.compactedRevision();
      const stopB2 = startEtcdCompactor(b, INTERVAL_MS, silent);
      await until(async () => (await compactTime()) >= before + 2, 10_000, 'the survivor to compact');
      stopB2();
      assert.ok(b.compactedRevision() > compactedBefore);
    } finally {
      writing = false;
      await writer;
      raw.close();
      await Promise.all([a.close(), b.close()]);
    }
  });
});
