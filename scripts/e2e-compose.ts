// The cluster in containers, end to end: `node --import tsx scripts/e2e-compose.ts` (as root; CI runs it
// after the local tests). It installs Docker, docker-compose and debootstrap from Debian when missing,
// starts dockerd, builds the local base image and the k8ts image, brings docker-compose.yml up as a
// project of its own (own API port and network, the fast timings of scripts/compose/fast.env), waits for
// every container to be healthy and the 3 nodes Ready, runs the scenarios (pod network, then the five
// failover scenarios of scripts/e2e-failover.ts, each restarting what it killed), and takes it all down
// again. Prints each scenario's table and how long each phase took; exits 1 if anything failed.
// `--attach` runs scenarios against a project already up (one left by `--keep`), for working on them.
import { join } from 'node:path';
import { parseFlags } from '../shared/flags.ts';
import type { Node } from '../shared/api/node.ts';
import { ComposeCluster, repoRoot, run } from './compose/compose-cluster.ts';
import { Report, secs } from './compose/report.ts';
import { apiServerKill } from './compose/scenario-apiserver-kill.ts';
import { controllerManagerKill } from './compose/scenario-controller-manager-kill.ts';
import { gracefulHandover } from './compose/scenario-graceful-handover.ts';
import { kubeletKill } from './compose/scenario-kubelet-kill.ts';
import { podNetwork } from './compose/scenario-pod-network.ts';
import { schedulerKill } from './compose/scenario-scheduler-kill.ts';
import { readEnvFile, timingsOf, type Timings } from './compose/timings.ts';
import { nodeReady, waitFor } from './compose/workloads.ts';

const SCENARIOS: Record<string, (c: ComposeCluster, t: Timings) => Promise<Report>> = {
  network: podNetwork,
  1: schedulerKill,
  2: gracefulHandover,
  3: controllerManagerKill,
  4: kubeletKill,
  5: apiServerKill,
};

const flags = parseFlags({
  project: { type: 'string', default: 'k8ts-e2e', help: 'The compose project name (its containers, network and volume are named after it).' },
  // Below Linux's ephemeral ports (32768-60999): there, a local client connection's port lingering in
  // TIME-WAIT made docker's bind of the published port fail.
  'api-port': { type: 'number', default: 27080, help: 'Where the API server is published on 127.0.0.1 (outside the ephemeral port range and the NodePort range).' },
  net: { type: 'string', default: '172.29', help: 'K8TS_NET: the first two octets of the cluster network (<net>.0.0/16), away from a developer\'s cluster on 172.28.' },
  'base-image': { type: 'string', default: 'k8ts-base:local', help: 'BASE_IMAGE of the build; k8ts-base:local is built here by scripts/build-base-image.sh (no registry needed).' },
  'env-file': { type: 'string', default: 'scripts/compose/fast.env', help: 'The compose --env-file with the cluster\'s timings.' },
  scenarios: { type: 'list', default: ['network', '1', '2', '3', '4', '5'], help: `Which scenarios to run (${Object.keys(SCENARIOS).join(',')}).` },
  attach: { type: 'boolean', default: false, help: 'Run the scenarios against the project as it is up now (e.g. left by --keep): no install, build or up, and it stays up.' },
  keep: { type: 'boolean', default: false, help: 'Leave the cluster running at the end (take it down with `scripts/compose/compose.sh -p <project> down -v`).' },
}, process.argv.slice(2), 'e2e-compose');

const unknown = flags.scenarios.filter((s) => !SCENARIOS[s]);
if (unknown.length) {
  console.error(`Error: unknown scenario(s) ${unknown.join(', ')}; the scenarios are ${Object.keys(SCENARIOS).join(', ')}`);
  process.exit(1);
}

const say = (line: string) => console.log(line);
const durations: [string, number][] = [];
async function phase<T>(name: string, body: () => Promise<T>): Promise<T> {
  say(`\n== ${name}`);
  const started = Date.now();
  try {
    return await body();
  } finally {
    durations.push([name, Date.now() - started]);
    say(`   (${secs(Date.now() - started)})`);
  }
}
const script = (path: string, env: NodeJS.ProcessEnv = process.env) => run(join(repoRoot, path), [], { env }).then((r) => {
  const last = r.stdout.trim().split('\n').filter(Boolean).slice(-2);
  for (const line of last) say(`   ${line}`);
});

const envFile = join(repoRoot, flags['env-file']);
const timings = timingsOf(readEnvFile(envFile));
const cluster = new ComposeCluster({ project: flags.project, apiPort: flags['api-port'], net: flags.net, envFile });
const failed: string[] = [];
const t0 = Date.now();

// compose-cluster's run() writes each child's stdin without an error handler; a command that is done
// before that write (a quick `docker inspect` on a loaded machine) makes it fail with EPIPE, emitted as
// an uncaught error that would end this run halfway, cluster left up. The child's exit is still handled
// by run() ('close'), so that one error is harmless; anything else ends the run as before.
process.on('uncaughtException', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE' && err.syscall === 'write') return;
  console.error(err);
  process.exit(1);
});

/**
 * Starts whatever container of the project is not running, so that each scenario finds the whole cluster
 * (a scenario restarts what it killed; this catches what a failed one left behind).
 */
async function heal(): Promise<void> {
  const down = [...(await cluster.containers()).values()].filter((c) => c.status !== 'running').map((c) => c.service);
  if (down.length === 0) return;
  say(`   starting what is down: ${down.join(', ')}`);
  if (down.includes('apiserver')) await cluster.restart('apiserver');
  for (const service of down.filter((s) => s !== 'apiserver' && !s.startsWith('kube-proxy-'))) await cluster.restart(service);
  await cluster.compose(['start', ...down.filter((s) => s.startsWith('kube-proxy-'))], { allowFailure: true });
  await cluster.waitHealthy(120_000);
}

try {
  if (!flags.attach) await setUp();
  for (const id of flags.scenarios) {
    const report = await phase(`scenario ${id}`, async () => {
      try {
        await heal();
        return await SCENARIOS[id](cluster, timings);
      } catch (err) {
        const r = new Report(`scenario ${id}`);
        r.check('scenario ran to the end', false, (err as Error).message.split('\n')[0]);
        console.error((err as Error).stack);
        return r;
      }
    });
    say(`   ${report.title}`);
    report.print(say);
    if (!report.passed) failed.push(`scenario ${id}`);
  }
} catch (err) {
  failed.push('set-up');
  console.error(`\nError: ${(err as Error).message}`);
  const ps = await cluster.compose(['ps'], { allowFailure: true }).catch(() => undefined);
  if (ps) console.error(ps.stdout);
} finally {
  await cluster.close();
  if (flags.keep || flags.attach) say(`\nthe cluster is still up: API ${cluster.url}; take it down with scripts/compose/compose.sh -p ${flags.project} down -v`);
  else await phase('compose down -v', () => cluster.compose(['down', '-v', '--remove-orphans'], { allowFailure: true }).then(() => undefined));
}

say('\ndurations:');
for (const [name, ms] of durations) say(`  ${name.padEnd(52)} ${secs(ms).padStart(8)}`);
say(`  ${'total'.padEnd(52)} ${secs(Date.now() - t0).padStart(8)}`);
say(failed.length ? `\nFAILED: ${failed.join(', ')}` : '\nthe compose cluster passed');
process.exit(failed.length ? 1 : 0);

/** Tools, dockerd, images, and the cluster brought up afresh: every container healthy, 3 nodes Ready. */
async function setUp(): Promise<void> {
  await phase('tools (docker.io, docker-compose, debootstrap)', () => script('scripts/compose/install-tools.sh'));
  await phase('dockerd', () => script('scripts/compose/start-dockerd.sh'));
  const buildEnv = { ...process.env, BASE_IMAGE: flags['base-image'] };
  if (flags['base-image'] === 'k8ts-base:local') await phase('base image (debootstrap, skipped when it exists)', () => script('scripts/build-base-image.sh'));
  await phase('compose build', () => script('scripts/compose/build-images.sh', buildEnv));
  await phase('compose up: every container healthy, 3 nodes Ready', async () => {
    await cluster.compose(['down', '-v', '--remove-orphans'], { allowFailure: true });
    await cluster.compose(['up', '-d', '--no-build']);
    await cluster.waitHealthy(180_000);
    const { value: nodes } = await waitFor('3 Ready nodes', async () => {
      const list = await cluster.client.request<{ items: Node[] }>('GET', '/api/v1/nodes');
      const ready = list.items.filter(nodeReady);
      return ready.length === 3 ? ready : undefined;
    }, 60_000, 250);
    say(`   ${nodes.map((n) => `${n.metadata.name} ${n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address} ${n.spec?.podCIDR}`).join(', ')}`);
  });
}
