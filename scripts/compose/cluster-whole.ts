// Where the kill scenarios in containers start and end: the nodes there are, and the cluster whole again
// afterwards (every container healthy, every node Ready) so that the next scenario starts from a whole
// cluster; how long that took is reported, as a slow heal is a finding too.
import type { Node } from '../../shared/api/node.ts';
import type { ApiClient } from '../../shared/client/api-client.ts';
import type { ComposeCluster } from './compose-cluster.ts';
import type { Report } from './report.ts';
import { nodeReady, waitFor } from './workloads.ts';

/** The cluster's node names, sorted. */
export async function nodeNames(client: ApiClient): Promise<string[]> {
  return (await client.request<{ items: Node[] }>('GET', '/api/v1/nodes')).items.map((n) => n.metadata.name!).sort();
}

/** Waits until every container is healthy and each of `nodes` is Ready again, and reports how long it took. */
export async function reportClusterWhole(report: Report, cluster: ComposeCluster, nodes: string[]): Promise<void> {
  const healAt = Date.now();
  await cluster.waitHealthy(60_000);
  await waitFor(`${nodes.length} Ready nodes`, async () => (await cluster.client.request<{ items: Node[] }>('GET', '/api/v1/nodes')).items.filter(nodeReady).length === nodes.length, 30_000, 200);
  report.measure('every container healthy again, every node Ready, in', Date.now() - healAt, 'ms');
}
