// This node's address when --bind-address leaves it unspecified: as kube-proxy does, the InternalIP
// (else ExternalIP) of the Node object named by --hostname-override, waited for a while; failing that,
// loopback, with kube's warning.
import type { Node } from '../shared/api/core.ts';
import { resources } from '../shared/api/registry.ts';
import type { ApiClient } from '../shared/client/api-client.ts';
import { ResourceClient } from '../shared/client/resource-client.ts';
import type { Logger } from '../shared/log.ts';

export const isUnspecified = (ip: string) => ip === '' || ip === '0.0.0.0' || ip === '::';

export function addressOf(node: Node): string | undefined {
  const addresses = node.status?.addresses ?? [];
  return addresses.find((a) => a.type === 'InternalIP')?.address ?? addresses.find((a) => a.type === 'ExternalIP')?.address;
}

export async function detectNodeIP(client: ApiClient, nodeName: string, logger: Logger, waitMs = 30_000, signal?: AbortSignal): Promise<string> {
  const nodes = new ResourceClient<Node>(client, resources.nodes);
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      const ip = addressOf(await nodes.get('', nodeName));
      if (ip) return ip;
    } catch (err) {
      logger.debug({ node: nodeName, err: (err as Error).message }, 'node not readable yet');
    }
    if (Date.now() >= deadline || signal?.aborted) break;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  logger.warn({ node: nodeName }, "Can't determine this node's IP, assuming loopback; if this is incorrect, please set the --bind-address flag");
  return '127.0.0.1';
}
