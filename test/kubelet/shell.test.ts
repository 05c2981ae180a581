// The simulated container's command language and process: exit codes, output to the log, the shell
// forms pod specs use, stop = SIGTERM = exit 143 unless trapped (an action runs, '' ignores it until
// SIGKILL at the end of the grace period: 137), exec probes in the container's filesystem.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '../../shared/log.ts';
import { ContainerProcess, expandKubeVars } from '../../kubelet/runtime/container-process.ts';
import { newContext, runArgv } from '../../kubelet/runtime/shell/interpreter.ts';

async function sh(argv: string[], files = new Map<string, string>()): Promise<{ code: number; out: string }> {
  let out = '';
  const ctx = newContext({ vars: new Map([['NAME', 'world']]), files, signal: new AbortController().signal, unknownCommand: 'succeed', hostname: 'pod-a' });
  const code = await runArgv(argv, ctx, { out: (t) => { out += t; }, err: (t) => { out += t; }, stdin: '' });
  return { code, out };
}
const script = (text: string, files?: Map<string, string>) => sh(['sh', '-c', text], files);

describe('container shell', () => {
  test('exit codes of exit, true, false, and the last command', async () => {
    assert.equal((await sh(['exit', '7'])).code, 7);
    assert.equal((await sh(['true'])).code, 0);
    assert.equal((await sh(['false'])).code, 1);
    assert.equal((await script('true; false')).code, 1);
    assert.equal((await script('exit 300')).code, 44, 'exit codes are taken mod 256');
  });

  test('; && || and grouping', async () => {
    assert.deepEqual(await script('echo a; false && echo b || echo c; true && echo d'), { code: 0, out: 'a\nc\nd\n' });
    assert.deepEqual(await script('(exit 3) || echo "failed with $?"'), { code: 0, out: 'failed with 3\n' });
  });

  test('quoting, variables, substitution and arithmetic', async () => {
    assert.deepEqual(await script('echo "hello $NAME" \'$NAME\' ${MISSING:-dflt} $(hostname) $((2 * (3 + 4)))'), { code: 0, out: 'hello world $NAME dflt pod-a 14\n' });
    assert.equal(expandKubeVars('$(NAME)-$$(NAME)-$(UNSET)', new Map([['NAME', 'x']])), 'x-$(NAME)-$(UNSET)');
  });

  test('loops, conditions and files', async () => {
    const files = new Map<string, string>();
    const r = await script('for i in 1 2 3; do echo $i >> /tmp/n; done; i=0; while [ $i -lt 2 ]; do i=$((i+1)); done; if [ -f /tmp/n ]; then wc -l < /tmp/n; fi; echo $i', files);
    assert.deepEqual(r, { code: 0, out: '3\n2\n' });
    assert.equal(files.get('/tmp/n'), '1\n2\n3\n');
    assert.equal((await script('cat /tmp/none')).out, "cat: can't open '/tmp/none': No such file or directory\n");
  });

  test('a syntax error is exit 2 with sh\'s complaint', async () => {
    const r = await script('if true; then echo');
    assert.equal(r.code, 2);
    assert.match(r.out, /^sh: syntax error/);
  });
});

describe('container process', () => {
  const logger = createLogger('test', 'silent');
  const run = (argv: string[]) => {
    const p = new ContainerProcess({ id: 'c1', argv, env: new Map(), podName: 'pod-a', ip: '127.0.0.1', ports: [], logger });
    p.start();
    return p;
  };

  test('output lines go to the log; the exit code is the program\'s', async () => {
    const p = run(['sh', '-c', 'echo one; echo two >&2; printf "partial"; exit 4']);
    const exit = await p.exited;
    assert.equal(exit.exitCode, 4);
    assert.deepEqual(p.log.read().map((l) => [l.stream, l.text]), [['stdout', 'one'], ['stderr', 'two'], ['stdout', 'partial']]);
    assert.match(p.log.read()[0].time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
  });

  test('stop is SIGTERM: a sleeping or serving container ends at once with 143', async () => {
    for (const argv of [['sleep', '3600'], ['sh', '-c', 'trap "echo never" INT; while true; do sleep 1; done'], [], ['nginx', '-g', 'daemon off;']]) {
      const p = run(argv);
      assert.equal(p.running, true);
      const began = Date.now();
      const exit = await p.stop(30_000);
      assert.equal(exit.exitCode, 143, JSON.stringify(argv));
      assert.ok(Date.now() - began < 500);
      assert.equal(p.running, false);
    }
  });

  test('a TERM trap runs in place of the program: its exit code, or 143 without an exit', async () => {
    const p = run(['sh', '-c', 'trap \'echo draining; sleep 0.3; echo bye; exit 0\' TERM; echo serving; sleep 3600']);
    await new Promise((r) => setImmediate(r));
    const began = Date.now();
    const exit = await p.stop(30_000);
    assert.equal(exit.exitCode, 0);
    assert.ok(Date.now() - began >= 300, 'the trap took its time');
    assert.deepEqual(p.log.read().map((l) => l.text), ['serving', 'draining', 'bye']);
    const q = run(['sh', '-c', 'trap "echo got it" SIGTERM; sleep 3600']);
    await new Promise((r) => setImmediate(r));
    assert.equal((await q.stop(30_000)).exitCode, 143);
    assert.deepEqual(q.log.read().map((l) => l.text), ['got it']);
  });

  test('SIGKILL at the end of the grace period: 137 for a program ignoring TERM, or a trap still running', async () => {
    for (const script of ['trap "" TERM; while true; do sleep 1; done', 'trap "sleep 3600" 15; sleep 3600']) {
      const p = run(['sh', '-c', script]);
      await new Promise((r) => setImmediate(r));
      const began = Date.now();
      const exit = await p.stop(400);
      const took = Date.now() - began;
      assert.equal(exit.exitCode, 137, script);
      assert.ok(took >= 390 && took < 2000, `${script}: killed after ${took} ms`);
    }
    // A second stop may shorten the grace period.
    const p = run(['sh', '-c', 'trap "" TERM; sleep 3600']);
    await new Promise((r) => setImmediate(r));
    const began = Date.now();
    const first = p.stop(30_000);
    await p.stop(100);
    assert.ok(Date.now() - began < 2000);
    assert.equal((await first).exitCode, 137);
  });

  test('exec runs in the container\'s filesystem, with a timeout', async () => {
    const p = run(['sh', '-c', 'touch /tmp/healthy; sleep 3600']);
    await new Promise((r) => setImmediate(r));
    assert.equal((await p.exec(['cat', '/tmp/healthy'], 1000)).code, 0);
    assert.equal((await p.exec(['cat', '/tmp/other'], 1000)).code, 1);
    assert.equal((await p.exec(['/bin/grpc_health_probe', '-addr=:5000'], 1000)).code, 0, 'unknown programs succeed in exec');
    assert.deepEqual(await p.exec(['sleep', '5'], 100), { code: 137, output: '', timedOut: true });
    await p.stop();
  });
});
