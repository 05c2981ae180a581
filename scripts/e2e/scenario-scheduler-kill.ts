// Scenario 1: SIGKILL the leading scheduler. The dead leader cannot release its Lease, so the standby
// takes over once the lease expires; pods created meanwhile wait, then are scheduled by the standby.
import type { ClusterHandle } from './cluster-handle.ts';
import { LeaseTracker } from './lease-tracker.ts';
import { ScenarioReport, secs } from './report.ts';
import { timingsOf } from './timings.ts';
import { create, createNamespace, deleteNamespace, podManifest, PodTracker } from './workloads.ts';

const PODS_DURING = 5;
const PODS_AFTER = 5;

export async function schedulerKill(cluster: ClusterHandle): Promise<ScenarioReport> {
  const report = new ScenarioReport('1) SIGKILL the leading scheduler');
  const t = timingsOf(cluster);
  const client = cluster.client;
  const ns = await createNamespace(client, 'e2e-scheduler-kill');
  const leases = new LeaseTracker(client, 'kube-scheduler');
  const pods = new PodTracker(client, ns);
  await Promise.all([leases.start(), pods.start()]);
  const podsPath = `/api/v1/namespaces/${ns}/pods`;
  try {
    const leader = await cluster.waitForLeader('kube-scheduler');
    const leaderId = cluster.identityOf(leader)!;
    await create(client, podsPath, podManifest('before'));
    await pods.first((p) => p.metadata.name === 'before' && !!p.spec.nodeName, 30_000, 'the first pod to be scheduled');

    const killedAt = cluster.kill(leader, 'SIGKILL');
    await cluster.waitDead(leader);
    const during: string[] = Array.from({ length: PODS_DURING }, (_, i) => `during-${i}`);
    await Promise.all(during.map((name) => create(client, podsPath, podManifest(name))));
    const createdAt = Date.now();

    const limit = t.leaseDurationMs + 2 * t.retryPeriodMs + 5_000;
    const acquired = await leases.next(killedAt, (h) => h !== '' && h !== leaderId, limit);
    const standby = cluster.processes('scheduler').find((p) => cluster.identityOf(p.name) === acquired.holder)?.name ?? acquired.holder;
    const firstBind = await pods.first((p) => during.includes(p.metadata.name ?? '') && !!p.spec.nodeName, limit, 'a pod created after the kill to be scheduled');

    const after = Array.from({ length: PODS_AFTER }, (_, i) => `after-${i}`);
    await Promise.all(after.map((name) => create(client, podsPath, podManifest(name))));
    const all = [...during, ...after];
    const allBound = await pods.first(() => all.every((n) => !!pods.pods().find((p) => p.metadata.name === n)?.spec.nodeName), 30_000, 'every pod to be scheduled')
      .catch(() => undefined);
    const bound = all.filter((n) => !!pods.pods().find((p) => p.metadata.name === n)?.spec.nodeName).length;

    report.measure('killed leader', `${leader} (pid ${cluster.pid(leader) ?? '-'})`);
    report.measure('lease duration / retry period', `${secs(t.leaseDurationMs)} / ${secs(t.retryPeriodMs)}`);
    report.check('standby acquired the lease', acquired.holder !== '' && standby !== leader, standby);
    report.check('SIGKILL → standby holds the lease', acquired.at - killedAt <= limit, secs(acquired.at - killedAt));
    report.measure('SIGKILL → first bind (pod created after the kill)', firstBind - killedAt, 'ms');
    report.measure('lease acquired → first bind', firstBind - acquired.at, 'ms');
    report.measure('pods pending while nobody led, for', firstBind - createdAt, 'ms');
    report.check('pods created during and after the failover scheduled', bound === all.length && allBound !== undefined, `${bound}/${all.length}`);
  } finally {
    pods.stop();
    leases.stop();
    await deleteNamespace(client, ns);
  }
  return report;
}
