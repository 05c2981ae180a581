// The cluster in containers, end to end: `node --import tsx scripts/e2e-compose.ts` (as root; CI runs it
// after the local tests). It installs Docker, docker-compose and debootstrap from Debian when missing,
// starts dockerd, builds the local base image and the k8ts image, brings docker-compose.yml up as a
// project of its own (own API port and network, the fast timings of scripts/compose/fast.env), waits for
// every container to be healthy and the 3 nodes Ready, runs the scenarios (pod network, then the five
// failover scenarios of scripts/e2e-failover.ts, each restarting what it killed), and takes it all down
// again. Prints each scenario's table and how long each phase took; exits 1 if anything failed.
// `--attach` runs scenarios against a project already up (one left by `--keep`), for working on them.
// `--ha` does the same on the HA topology (docker-compose.yml's `ha` profile with scripts/compose/ha.env:
// 3 etcd members, 3 API servers) as a project of its own, where scenario 5 kills the API server the
// writes go to (the clients go on through the others) and scenario `etcd` kills the etcd leader.
import { join } from 'node:path';
import { parseFlags } from '../shared/flags.ts';
import type { Node } from '../shared/api/node.ts';
import { ComposeCluster, repoRoot, run } from './compose/compose-cluster.ts';
import { Report, secs } from './compose/report.ts';
import { apiServerKill } from './compose/scenario-apiserver-kill.ts';
import { apiServerKillHA } from './compose/scenario-apiserver-kill-ha.ts';
import { etcdLeaderKill } from './compose/scenario-etcd-leader-kill.ts';
import { controllerManagerKill } from './compose/scenario-controller-manager-kill.ts';
import { gracefulHandover } from './compose/scenario-graceful-handover.ts';
import { kubeletKill } from './compose/scenario-kubelet-kill.ts';
import { podNetwork } from './compose/scenario-pod-network.ts';
import { schedulerKill } from './compose/scenario-scheduler-kill.ts';
import { exitedOnLostLease } from './compose/lost-lease-restarter.ts';
import { readEnvFile, timingsOf, type Timings } from './compose/timings.ts';
import { nodeReady, waitFor } from './compose/workloads.ts';

type Scenario = (c: ComposeCluster, t: Timings) => Promise<Report>;
const SCENARIOS: Record<string, Scenario> = {
  network: podNetwork,
  1: schedulerKill,
  2: gracefulHandover,
  3: controllerManagerKill,
  4: kubeletKill,
  5: apiServerKill,
};
/** On the HA topology: the API server kill goes on without an outage, and the etcd leader can be killed. */
const HA_SCENARIOS: Record<string, Scenario> = { ...SCENARIOS, 5: apiServerKillHA, etcd: etcdLeaderKill };

// The HA run's defaults are a project, ports and network of its own, so it can run next to the other.
const DEFAULTS = {
  single: { project: 'k8ts-e2e', apiPort: 27080, net: '172.29' },
  ha: { project: 'k8ts-e2e-ha', apiPort: 27180, net: '172.30' },
};

const flags = parseFlags({
  ha: { type: 'boolean', default: false, help: 'The HA topology: 3 etcd members and 3 API servers (scripts/compose/ha.env), scenario 5 without an outage, scenario etcd.' },
  project: { type: 'string', default: '', help: `The compose project name (its containers, network and volumes are named after it; default ${DEFAULTS.single.project}, with --ha ${DEFAULTS.ha.project}).` },
  // Below Linux's ephemeral ports (32768-60999): there, a local client connection's port lingering in
  // TIME-WAIT made docker's bind of the published port fail.
  'api-port': { type: 'number', default: 0, help: `Where the API server is published on 127.0.0.1, outside the ephemeral and NodePort ranges (default ${DEFAULTS.single.apiPort}; with --ha ${DEFAULTS.ha.apiPort}, and the next two ports for apiserver-2 and -3).` },
  net: { type: 'string', default: '', help: `K8TS_NET: the first two octets of the cluster network (<net>.0.0/16), away from a developer's cluster on 172.28 (default ${DEFAULTS.single.net}, with --ha ${DEFAULTS.ha.net}).` },
  'base-image': { type: 'string', default: 'k8ts-base:local', help: 'BASE_IMAGE of the build; k8ts-base:local is built here by scripts/build-base-image.sh (no registry needed).' },
  'env-file': { type: 'string', default: 'scripts/compose/fast.env', help: 'The compose --env-file with the cluster\'s timings.' },
  scenarios: { type: 'list', default: [], help: `Which scenarios to run (default all: ${Object.keys(SCENARIOS).join(',')}; with --ha also etcd).` },
  attach: { type: 'boolean', default: false, help: 'Run the scenarios against the project as it is up now (e.g. left by --keep): no install, build or up, and it stays up.' },
  keep: { type: 'boolean', default: false, help: 'Leave the cluster running at the end (take it down with `scripts/compose/compose.sh -p <project> down -v`).' },
}, process.argv.slice(2), 'e2e-compose');

const scenarios = flags.ha ? HA_SCENARIOS : SCENARIOS;
const chosen = flags.scenarios.length ? flags.scenarios : Object.keys(scenarios).sort((a, b) => order(a) - order(b));
const unknown = chosen.filter((s) => !scenarios[s]);
if (unknown.length) {
  console.error(`Error: unknown scenario(s) ${unknown.join(', ')}; the scenarios${flags.ha ? ' with --ha' : ''} are ${Object.keys(scenarios).join(', ')}`);
  process.exit(1);
}
/** network first (it checks the cluster works at all), then 1-5, then etcd. */
function order(id: string): number {
  return id === 'network' ? 0 : Number(id) || 100;
}
const defaults = flags.ha ? DEFAULTS.ha : DEFAULTS.single;
const project = flags.project || defaults.project;

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
const envValues = readEnvFile(envFile);
const timings = timingsOf(envValues);
// The scenarios' figures mean little without the leases and grace periods they ran under.
say(`timings in force (${flags['env-file']}; docker-compose.yml's defaults, kube's, for the rest): ${Object.entries(envValues).map(([k, v]) => `${k}=${v}`).join(' ')}`);
const cluster = new ComposeCluster({
  project,
  apiPort: flags['api-port'] || defaults.apiPort,
  net: flags.net || defaults.net,
  envFile,
  ...(flags.ha ? { ha: readEnvFile(join(repoRoot, 'scripts/compose/ha.env')) } : {}),
});
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
  // The store first (etcd members, API servers), then the clients.
  const store = down.filter((s) => /^etcd-\d+$/.test(s) || cluster.apiServers.includes(s)).sort();
  for (const service of store) await cluster.restart(service);
  for (const service of down.filter((s) => !store.includes(s) && !s.startsWith('kube-proxy-'))) await cluster.restart(service);
  await cluster.compose(['start', ...down.filter((s) => s.startsWith('kube-proxy-'))], { allowFailure: true });
  await cluster.waitHealthy(120_000);
}

try {
  if (!flags.attach) await setUp();
  for (const id of chosen) {
    const report = await phase(`scenario ${id}`, async () => {
      try {
        await heal();
        return await scenarios[id](cluster, timings);
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
  if (flags.keep || flags.attach) say(`\nthe cluster is still up: API ${cluster.urls.join(', ')}; take it down with ${cluster.options.ha ? 'env $(grep -hv \'^#\' scripts/compose/ha.env) ' : ''}scripts/compose/compose.sh -p ${project} down -v`);
  else await phase('compose down -v', () => cluster.compose(['down', '-v', '--remove-orphans'], { allowFailure: true }).then(() => undefined));
}

say('\ndurations:');
for (const [name, ms] of durations) say(`  ${name.padEnd(56)} ${secs(ms).padStart(8)}`);
say(`  ${'total'.padEnd(56)} ${secs(Date.now() - t0).padStart(8)}`);
say(failed.length ? `\nFAILED: ${failed.join(', ')}` : `\nthe compose cluster${flags.ha ? ' (HA)' : ''} passed`);
process.exit(failed.length ? 1 : 0);

/** Tools, dockerd, images, and the cluster brought up afresh: every container healthy, 3 nodes Ready. */
async function setUp(): Promise<void> {
  await phase('tools (docker.io, docker-compose, debootstrap)', () => script('scripts/compose/install-tools.sh'));
  await phase('dockerd', () => script('scripts/compose/start-dockerd.sh'));
  // cluster.env: with --ha, the `ha` profile, so that the etcd image is built too.
  const buildEnv = { ...cluster.env, BASE_IMAGE: flags['base-image'] };
  if (flags['base-image'] === 'k8ts-base:local') await phase('base image (debootstrap, skipped when it exists)', () => script('scripts/build-base-image.sh'));
  await phase(`compose build${flags.ha ? ' (k8ts and k8ts-etcd)' : ''}`, () => script('scripts/compose/build-images.sh', buildEnv));
  await phase(`compose up${flags.ha ? ' (HA)' : ''}: every container healthy, 3 nodes Ready`, async () => {
    await cluster.compose(['down', '-v', '--remove-orphans'], { allowFailure: true });
    await cluster.compose(['up', '-d', '--no-build']);
    // A leader that could not renew within its (fast.env: 3 s) deadline while the loaded machine started
    // everything exits, as kube's do; its supervisor would start it again, so the set-up does (and says so).
    for (let attempt = 1; ; attempt++) {
      try {
        await cluster.waitHealthy(180_000);
        break;
      } catch (err) {
        const lost = await exitedOnLostLease(cluster);
        if (lost.length === 0 || attempt > 3) throw err;
        say(`   exited on "leaderelection lost" while starting up, started again: ${lost.join(', ')}`);
        for (const service of lost) await cluster.restart(service);
      }
    }
    const { value: nodes } = await waitFor('3 Ready nodes', async () => {
      const list = await cluster.client.request<{ items: Node[] }>('GET', '/api/v1/nodes');
      const ready = list.items.filter(nodeReady);
      return ready.length === 3 ? ready : undefined;
    }, 60_000, 250);
    say(`   ${nodes.map((n) => `${n.metadata.name} ${n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address} ${n.spec?.podCIDR}`).join(', ')}`);
  });
}
