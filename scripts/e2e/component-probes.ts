// What every component but kube-proxy shows after an outage of the API, the same wherever the cluster
// runs: the leaders and each kubelet renew their Leases, each kubelet runs a pod bound to it, the
// scheduler binds a new pod. kube-proxy's probe is each suite's own: a NodePort is asked directly here,
// from another node's container in scripts/compose/.
import type { Lease } from '../../shared/api/coordination.ts';
import type { Pod } from '../../shared/api/pod.ts';
import type { ApiClient } from '../../shared/client/api-client.ts';
import type { ProbeSet } from './probe-set.ts';
import { create, podManifest } from './workloads.ts';

/**
 * Adds to `probes` the Lease renewals after `since` and the pods created in `ns` (one pinned to each of
 * `nodes`, one for the scheduler); `wording` ends the pods' rows ("after the kill", …).
 */
export async function probeLeasesAndPods(probes: ProbeSet, client: ApiClient, ns: string, nodes: string[], since: number, wording: string): Promise<void> {
  const renewedAfter = async (leaseNamespace: string, name: string) => {
    const lease = await client.request<Lease>('GET', `/apis/coordination.k8s.io/v1/namespaces/${leaseNamespace}/leases/${name}`);
    return Date.parse(lease.spec.renewTime ?? '') > since;
  };
  for (const lease of ['kube-scheduler', 'kube-controller-manager']) probes.probe(`${lease} leader renews its Lease`, () => renewedAfter('kube-system', lease));
  for (const node of nodes) probes.probe(`kubelet ${node} renews its node Lease`, () => renewedAfter('kube-node-lease', node));
  for (const node of nodes) {
    await create(client, `/api/v1/namespaces/${ns}/pods`, podManifest(`pinned-${node}`, { nodeName: node }));
    probes.probe(`kubelet ${node} runs a pod bound to it ${wording}`, async () => (await client.request<Pod>('GET', `/api/v1/namespaces/${ns}/pods/pinned-${node}`)).status?.phase === 'Running');
  }
  await create(client, `/api/v1/namespaces/${ns}/pods`, podManifest('unpinned'));
  probes.probe(`the scheduler binds a pod created ${wording}`, async () => !!(await client.request<Pod>('GET', `/api/v1/namespaces/${ns}/pods/unpinned`)).spec.nodeName);
}
