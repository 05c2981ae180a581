// Scenario 1 in containers: `compose kill -s KILL` the leading scheduler's container. The dead leader
// cannot release its Lease, so the standby takes over once it expires; pods created meanwhile wait, then
// the standby schedules them. The killed container stays down (restart: "no") until started again.
import type { Pod } from '../../shared/api/pod.ts';
import type { ComposeCluster } from './compose-cluster.ts';
import { Report, secs } from './report.ts';
import type { Timings } from './timings.ts';
import { createNamespace, deleteNamespace, holderOf, waitFor } from './workloads.ts';

const PODS = 5;

const podManifest = (name: string) => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name },
  spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'app', image: 'registry.k8s.io/pause:3.10' }] },
});

export async function schedulerKill(cluster: ComposeCluster, t: Timings): Promise<Report> {
  const report = new Report('1) compose kill -s KILL the leading scheduler');
  const client = cluster.client;
  const ns = await createNamespace(client, 'e2e-scheduler-kill');
  const podsPath = `/api/v1/namespaces/${ns}/pods`;
  const bound = async (names: string[]) => {
    const pods = (await client.request<{ items: Pod[] }>('GET', podsPath)).items;
    return names.filter((n) => pods.find((p) => p.metadata.name === n)?.spec?.nodeName).length;
  };
  try {
    const { value: leaderId } = await waitFor('a scheduler to lead', () => holderOf(client, 'kube-scheduler'), 30_000);
    const leader = await cluster.serviceOfHostname(leaderId.split('_')[0]);
    if (!leader?.startsWith('scheduler-')) throw new Error(`the kube-scheduler lease holder ${leaderId} is no scheduler container of this project`);
    await client.request('POST', podsPath, { body: podManifest('before') });
    await waitFor('the first pod to be scheduled', async () => (await bound(['before'])) === 1, 30_000);

    const killedAt = await cluster.kill(leader, 'KILL');
    const during = Array.from({ length: PODS }, (_, i) => `during-${i}`);
    await Promise.all(during.map((name) => client.request('POST', podsPath, { body: podManifest(name) })));

    const limit = t.leaseDurationMs + 2 * t.retryPeriodMs + 5_000;
    const { value: newId, at: acquiredAt } = await waitFor('the standby to take the lease', async () => {
      const holder = await holderOf(client, 'kube-scheduler');
      return holder && holder !== leaderId ? holder : undefined;
    }, limit + 10_000);
    const standby = await cluster.serviceOfHostname(newId.split('_')[0]);
    const { at: firstBindAt } = await waitFor('a pod created after the kill to be scheduled', async () => (await bound(during)) > 0, limit + 10_000);
    const all = await waitFor('every pod to be scheduled', async () => (await bound(during)) === PODS, 30_000).then(() => true, () => false);

    report.measure('killed leader', leader);
    report.measure('lease duration / retry period', `${secs(t.leaseDurationMs)} / ${secs(t.retryPeriodMs)}`);
    report.check('the standby container took the lease', !!standby && standby !== leader && standby.startsWith('scheduler-'), standby ?? newId);
    report.check('SIGKILL → standby holds the lease (≤ lease + 2 retries + 5 s)', acquiredAt - killedAt <= limit, secs(acquiredAt - killedAt));
    report.measure('SIGKILL → first bind of a pod created after the kill', firstBindAt - killedAt, 'ms');
    report.check('pods created during the failover scheduled', all, `${await bound(during)}/${PODS}`);
    const killed = await cluster.container(leader);
    report.check('the killed container stays down (restart: "no")', killed.status === 'exited', killed.status);

    const restartAt = Date.now();
    await cluster.restart(leader);
    await cluster.waitHealthy(60_000, [leader]);
    report.measure(`${leader} started again: healthy in`, Date.now() - restartAt, 'ms');
  } finally {
    await deleteNamespace(client, ns);
  }
  return report;
}
