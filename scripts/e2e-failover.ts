// Failover scenarios against a local cluster: `npm start -- --fast` in one terminal and
// `node --import tsx scripts/e2e-failover.ts` in another, or `... scripts/e2e-failover.ts --start` to
// start (and stop) a cluster of its own on other ports. Each scenario kills something, measures how
// the cluster copes and prints a table; the exit code is 1 if any assertion failed. On an HA cluster
// (`npm start -- --fast --ha`, or `--start --ha`) scenario 5 kills one of three API servers and
// scenario 6 kills the etcd leader.
import { parseFlags } from '../shared/flags.ts';
import { attach, startCluster, type ClusterHandle } from './e2e/cluster-handle.ts';
import { ScenarioReport, secs } from './e2e/report.ts';
import { apiServerKill } from './e2e/scenario-apiserver-kill.ts';
import { apiServerKillHA } from './e2e/scenario-apiserver-kill-ha.ts';
import { controllerManagerKill } from './e2e/scenario-controller-manager-kill.ts';
import { gracefulHandover } from './e2e/scenario-graceful-handover.ts';
import { kubeletKill } from './e2e/scenario-kubelet-kill.ts';
import { etcdLeaderKill } from './e2e/scenario-etcd-leader-kill.ts';
import { schedulerKill } from './e2e/scenario-scheduler-kill.ts';
import { timingsOf } from './e2e/timings.ts';

interface Scenario {
  title: string;
  run: (c: ClusterHandle) => Promise<ScenarioReport>;
  /** Only on an HA cluster (etcd members to kill). */
  haOnly?: boolean;
}

const SCENARIOS: Record<string, Scenario> = {
  1: { title: '1) SIGKILL the leading scheduler', run: schedulerKill },
  2: { title: '2) SIGTERM the leading scheduler and controller-manager', run: gracefulHandover },
  3: { title: '3) SIGKILL the leading controller-manager during a scale-up', run: controllerManagerKill },
  4: { title: '4) SIGKILL a kubelet', run: kubeletKill },
  5: { title: '5) SIGKILL the API server (with --ha: the one the write load uses) under write load', run: (c) => (c.ha ? apiServerKillHA(c) : apiServerKill(c)) },
  6: { title: '6) HA: SIGKILL the etcd leader under write load', run: etcdLeaderKill, haOnly: true },
};

const flags = parseFlags({
  start: { type: 'boolean', default: false, help: 'Start a cluster of its own (--fast, a temporary --data-dir, ports from --port-base) and stop it at the end.' },
  ha: { type: 'boolean', default: false, help: 'With --start: an HA cluster (3 etcd members, 3 API servers; needs etcd on PATH). Without --start the running cluster says whether it is one.' },
  'data-dir': { type: 'string', default: '.cluster', help: 'Without --start: the directory of the running cluster.' },
  'port-base': { type: 'number', default: 22080, help: 'With --start: the API server port of the started cluster (the other ports move with it; kept clear of the NodePort range 30000-32767, which the nodes\' addresses also serve).' },
  scenarios: { type: 'list', default: [], help: `Which scenarios to run (${Object.keys(SCENARIOS).join(',')}; default: all that apply, 6 only on an HA cluster).` },
  keep: { type: 'boolean', default: false, help: 'With --start: keep the started cluster\'s directory (logs, data) instead of removing it.' },
  verbose: { type: 'boolean', default: false, help: 'Show the started cluster\'s output.' },
}, process.argv.slice(2), 'e2e-failover');

const unknown = flags.scenarios.filter((s) => !SCENARIOS[s]);
if (unknown.length) {
  console.error(`Error: unknown scenario(s) ${unknown.join(', ')}; the scenarios are ${Object.keys(SCENARIOS).join(', ')}`);
  process.exit(1);
}

const say = (line: string) => console.log(line);
const t0 = Date.now();
let cluster: ClusterHandle;
try {
  if (flags.start) say(`starting a${flags.ha ? 'n HA' : ''} cluster (--fast${flags.ha ? ' --ha' : ''}, port base ${flags['port-base']})`);
  cluster = flags.start ? await startCluster({ portBase: flags['port-base'], ha: flags.ha, verbose: flags.verbose }) : await attach(flags['data-dir']);
} catch (err) {
  console.error(`Error: ${(err as Error).message}`);
  process.exit(1);
}
const chosen = flags.scenarios.length ? flags.scenarios : Object.keys(SCENARIOS).filter((id) => cluster.ha || !SCENARIOS[id].haOnly);
const needHA = chosen.filter((id) => SCENARIOS[id].haOnly && !cluster.ha);
if (needHA.length) {
  console.error(`Error: scenario(s) ${needHA.join(', ')} need an HA cluster (--start --ha, or \`npm start -- --fast --ha\`)`);
  await cluster.close(flags.keep);
  process.exit(1);
}
if (!cluster.fast) say('warning: the cluster was not started with --fast; the scenarios will take much longer (kube\'s default timings)');
say(`cluster: ${cluster.paths.root} (API server${cluster.urls.length > 1 ? `s ${cluster.urls.join(', ')}` : ` ${cluster.url}`})`);
// The scenarios' figures mean little without the leases and grace periods they ran under.
const t = timingsOf(cluster);
say(`timings in force: leader election lease ${secs(t.leaseDurationMs)}, renew deadline ${secs(t.renewDeadlineMs)}, retry ${secs(t.retryPeriodMs)}; `
  + `node monitor grace period ${secs(t.nodeMonitorGracePeriodMs)}, period ${secs(t.nodeMonitorPeriodMs)}; not-ready/unreachable toleration ${secs(t.evictionTolerationMs)}`);
for (const setting of cluster.record.fastSettings) say(`  --fast: ${setting}`);

const failed: string[] = [];
// Interrupted: stop at once, stopping a cluster started here (a second signal does not wait for that).
let interrupted = false;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    console.error(`\n${sig}: stopping${flags.start ? ' the cluster started here' : '; `npm start -- status` shows what is left dead'}`);
    void cluster.close(flags.keep).finally(() => process.exit(130));
  });
}
for (const id of chosen) {
  const scenario = SCENARIOS[id];
  const started = Date.now();
  say(`\n== ${scenario.title}`);
  let report: ScenarioReport;
  try {
    await cluster.heal(say);
    report = await scenario.run(cluster);
  } catch (err) {
    report = new ScenarioReport(scenario.title);
    report.check('scenario ran to the end', false, (err as Error).message.split('\n')[0]);
    console.error((err as Error).stack);
  }
  report.print(say);
  say(`  (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  if (!report.passed) failed.push(id);
}
try {
  await cluster.heal(say);
} catch (err) {
  console.error(`could not restore the cluster: ${(err as Error).message}`);
}
await cluster.close(flags.keep);
say(`\n${failed.length ? `FAILED: scenario(s) ${failed.join(', ')}` : 'all scenarios passed'} in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
process.exit(failed.length ? 1 : 0);
