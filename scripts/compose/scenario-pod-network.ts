// Pod networking across node containers: a pod's port is reached from another node's container directly
// (host-gw routes), through the Service's ClusterIP from every node (each node's kube-proxy, endpoints on
// all nodes), and through a NodePort on another node's address.
import type { Pod } from '../../shared/api/pod.ts';
import type { ComposeCluster } from './compose-cluster.ts';
import { httpGetFrom } from './in-cluster-http.ts';
import { Report } from './report.ts';
import { createNamespace, deleteNamespace, deploymentAvailable, isReady, podsOf, waitFor, webDeployment, webService } from './workloads.ts';

const REPLICAS = 6;
const NODES = [1, 2, 3];

export async function podNetwork(cluster: ComposeCluster): Promise<Report> {
  const report = new Report('pods on different node containers reach each other (pod IPs, ClusterIP, NodePort)');
  const client = cluster.client;
  const ns = await createNamespace(client, 'e2e-pod-network');
  try {
    await client.request('POST', `/apis/apps/v1/namespaces/${ns}/deployments`, { body: webDeployment('web', REPLICAS) });
    const svc = await client.request<{ spec: { clusterIP: string; ports: { nodePort?: number }[] } }>('POST', `/api/v1/namespaces/${ns}/services`, { body: webService('web', 'NodePort') });
    const started = Date.now();
    await waitFor(`${REPLICAS} available replicas`, () => deploymentAvailable(client, ns, 'web', REPLICAS), 90_000, 250);
    report.measure('Deployment created → all replicas available', Date.now() - started, 'ms');
    const pods = (await podsOf(client, ns, 'web')).filter(isReady);
    const nodesUsed = new Set(pods.map((p) => p.spec?.nodeName));
    report.check('replicas spread over nodes', nodesUsed.size >= 2, [...nodesUsed].sort().join(', '));

    // Pod to pod: from each node container, every pod on the other nodes, by pod IP.
    let direct = 0;
    let directOk = 0;
    const wrong: string[] = [];
    for (const n of NODES) {
      const others = pods.filter((p: Pod) => p.spec?.nodeName !== `node-${n}`);
      const results = await httpGetFrom(cluster, `node-${n}`, others.map((p) => `http://${p.status!.podIP}:8080/`));
      direct += others.length;
      for (const [i, r] of results.entries()) {
        if (r.body === others[i].metadata.name) directOk++;
        else wrong.push(`node-${n} → ${others[i].status!.podIP} (${others[i].spec?.nodeName}): ${r.error ?? r.body}`);
      }
    }
    report.check('pod IPs on other nodes answer with their pod\'s name', directOk === direct && direct > 0, `${directOk}/${direct}`);
    if (wrong.length) report.note(wrong.slice(0, 3).join('; '));

    // Through the Service: each node's own kube-proxy, once it has the endpoints.
    const url = `http://${svc.spec.clusterIP}/`;
    const byName = new Map(pods.map((p) => [p.metadata.name!, p.spec?.nodeName]));
    for (const n of NODES) {
      await waitFor(`${url} to answer on node-${n}`, async () => (await httpGetFrom(cluster, `node-${n}`, [url], 1000))[0]?.body, 30_000, 250);
      const results = await httpGetFrom(cluster, `node-${n}`, Array(3 * REPLICAS).fill(url));
      const failed = results.filter((r) => r.error !== undefined).length;
      const servingNodes = new Set(results.map((r) => byName.get(r.body ?? '')).filter(Boolean));
      const remote = [...servingNodes].filter((s) => s !== `node-${n}`);
      report.check(`node-${n}: ClusterIP ${svc.spec.clusterIP} answered by pods on other nodes`, failed === 0 && remote.length >= 1, `${results.length - failed}/${results.length} ok, served from ${[...servingNodes].sort().join(', ')}`);
    }

    // NodePort: node-1's container to node-2's address.
    const nodePort = svc.spec.ports[0].nodePort;
    const nodePortURL = `http://${cluster.nodeIP(2)}:${nodePort}/`;
    const viaNodePort = (await waitFor(`${nodePortURL} to answer`, async () => (await httpGetFrom(cluster, 'node-1', [nodePortURL], 1000))[0]?.body, 30_000, 250)).value;
    report.check(`NodePort ${nodePort} on node-2's address answers from node-1`, byName.has(viaNodePort), viaNodePort);
  } finally {
    await deleteNamespace(client, ns);
  }
  return report;
}
