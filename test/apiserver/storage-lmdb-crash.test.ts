import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { LmdbBackend } from '../../apiserver/storage/lmdb-backend.ts';
import { tempDir } from '../fixtures/lmdb-temp-store.ts';
import { EventLog } from '../fixtures/event-log.ts';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

interface Ack { op: string; key: string; revision: number }

/** Run the load script until it has acknowledged `count` writes (counting from `from`), then kill -9 it. */
async function writeThenKill(path: string, count: number): Promise<Ack[]> {
  // Started as `node --import tsx`, so the pid killed is the writing process itself.
  const child = spawn(process.execPath, ['--import', 'tsx', join('test', 'fixtures', 'lmdb-write-load.ts'), path], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  let acks = 0;
  let killing = false;
  const exited = once(child, 'exit');
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`load script exited early with ${code}`)));
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      output += chunk;
      acks += chunk.split('\n').length - 1;
      if (acks >= count + 1 && !killing) {
        // Writers move in lockstep with lmdb's batches; a random delay of a few milliseconds makes
        // the kill land anywhere in the commit cycle rather than always just after a batch.
        killing = true;
        setTimeout(() => {
          child.kill('SIGKILL');
          resolve();
        }, Math.random() * 15);
      }
    });
  });
  const [code, signal] = await exited;
  assert.equal(signal, 'SIGKILL', `load script ended with ${code}/${signal}, not by the kill`);
  // Whatever arrived after the kill decision was acknowledged too; only a torn last line is dropped.
  const lines = output.split('\n').slice(0, -1);
  assert.match(lines[0], /^ready \d+$/);
  return lines.slice(1).map((line) => {
    const [op, key, revision] = line.split(' ');
    return { op, key, revision: Number(revision) };
  });
}

describe('lmdb backend: kill -9 durability', () => {
  test('every acknowledged write survives kill -9, and revisions continue above them', { timeout: 60_000 }, async () => {
    const path = tempDir();
    try {
      let previousMax = 0;
      // Twice: the second run starts from the store the first one left behind.
      for (const count of [4000, 3000]) {
        const acks = await writeThenKill(path, count);
        assert.ok(acks.length >= count);
        const maxAcked = Math.max(...acks.map((a) => a.revision));
        assert.ok(Math.min(...acks.map((a) => a.revision)) > previousMax, 'revisions continue across restarts');

        const b = new LmdbBackend({ path });
        await b.start();
        assert.ok(b.currentRevision() >= maxAcked, `current ${b.currentRevision()} < acknowledged ${maxAcked}`);

        // The history holds every acknowledged change, at its revision.
        const history = new EventLog(b, '/registry/load/', previousMax);
        await history.until(b.currentRevision());
        const byRevision = new Map(history.events.map((e) => [e.revision, e]));
        for (const ack of acks) {
          const event = byRevision.get(ack.revision);
          assert.ok(event, `acknowledged ${ack.op} of ${ack.key} at ${ack.revision} is missing`);
          assert.equal(event.key, ack.key);
          assert.equal(event.type, ack.op === 'delete' ? 'delete' : 'put');
        }
        // And the current state is exactly what the history adds up to.
        const state = new Map<string, number>();
        const all = new EventLog(b, '/registry/load/', 0);
        await all.until(b.currentRevision());
        for (const e of all.events) e.type === 'delete' ? state.delete(e.key) : state.set(e.key, e.revision);
        const listed = (await b.list('/registry/load/')).kvs;
        assert.deepEqual(new Map(listed.map((kv) => [kv.key, kv.modRevision])), state);

        const after = await b.create('/registry/after-crash/x' + count, '{}');
        assert.ok(after.modRevision > maxAcked);
        previousMax = after.modRevision;
        await b.close();
      }
    } finally {
      rmSync(path, { recursive: true, force: true });
    }
  });
});
