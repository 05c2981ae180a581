// Node IPAM, kube's range allocator (pkg/controller/nodeipam/ipam/range_allocator.go): every Node gets
// the next free subnet of --cluster-cidr as spec.podCIDR(s), and a deleted node's subnet goes back to
// the pool. The pool lives in memory only: before the first allocation it is rebuilt from the CIDRs
// the nodes already hold, so a restarted controller never hands out a subnet twice.
import type { Node } from '../../shared/api/node.ts';
import { resources } from '../../shared/api/registry.ts';
import { isNotFound } from '../../shared/client/api-client.ts';
import { ResourceClient } from '../../shared/client/resource-client.ts';
import { objectOf } from '../../shared/informer/informer.ts';
import { WorkQueue } from '../../shared/workqueue.ts';
import type { Controller, ControllerContext } from '../controller-context.ts';
import { CidrSet } from './cidr-set.ts';

/** What this controller believes a node holds; the uid tells a recreated node from the old one. */
interface Held { uid: string; cidrs: string[] }

const cidrsOf = (node: Node): string[] => (node.spec.podCIDRs?.length ? node.spec.podCIDRs : node.spec.podCIDR ? [node.spec.podCIDR] : []);

/** The event kube's RecordNodeStatusChange writes: reason = status, on the node. */
function recordNodeStatusChange(ctx: ControllerContext, node: Node, status: string): void {
  ctx.recorder.event({ apiVersion: 'v1', kind: 'Node', metadata: { name: node.metadata.name, uid: node.metadata.uid } }, 'Normal', status, `Node ${node.metadata.name} status is now: ${status}`);
}

export function newNodeIpamController(ctx: ControllerContext): Controller {
  if (!ctx.settings.clusterCIDR) {
    // kube starts no IPAM without --allocate-node-cidrs / --cluster-cidr; nodes then keep no podCIDR.
    ctx.logger.info({ controller: 'nodeipam' }, 'no --cluster-cidr: node IPAM is off');
    return { name: 'nodeipam', queue: new WorkQueue<string>(), reconcile: async () => undefined };
  }
  // An invalid --cluster-cidr or mask size stops the manager at start, as in kube.
  const pool = new CidrSet(ctx.settings.clusterCIDR, ctx.settings.nodeCIDRMaskSize);
  const nodes = ctx.informers.informerFor(resources.nodes);
  const nodeClient = new ResourceClient<Node>(ctx.client, resources.nodes);
  const held = new Map<string, Held>();
  const queue = new WorkQueue<string>();
  const logger = ctx.logger.child({ controller: 'nodeipam' });

  const occupy = (node: Node, cidrs: string[]) => {
    for (const cidr of cidrs) {
      try {
        if (!pool.occupy(cidr)) logger.warn({ node: node.metadata.name, cidr }, 'node CIDR is outside the cluster CIDR');
      } catch (err) {
        logger.warn({ node: node.metadata.name, cidr, err: (err as Error).message }, 'cannot mark node CIDR as used');
      }
    }
    held.set(node.metadata.name!, { uid: node.metadata.uid ?? '', cidrs });
  };

  const release = (name: string) => {
    const h = held.get(name);
    if (!h) return;
    held.delete(name);
    for (const cidr of h.cidrs) {
      try { pool.release(cidr); } catch { /* never occupied */ }
    }
    // A freed subnet may be what a waiting node needs.
    for (const n of nodes.list()) if (cidrsOf(n).length === 0 && n.metadata.name !== name) queue.add(n.metadata.name!);
  };

  let initialized: Promise<void> | undefined;
  const initialize = () => (initialized ??= nodes.waitForSync().then(() => {
    for (const node of nodes.list()) {
      const cidrs = cidrsOf(node);
      if (cidrs.length) occupy(node, cidrs);
    }
    logger.info({ used: pool.allocated, size: pool.size }, 'marked the CIDRs of existing nodes as used');
  }));

  nodes.addEventHandler({
    onAdd: (node) => queue.add(node.metadata.name!),
    onUpdate: (old, node) => {
      if (old.metadata.uid !== node.metadata.uid || cidrsOf(node).length === 0 || cidrsOf(old).join() !== cidrsOf(node).join()) queue.add(node.metadata.name!);
    },
    onDelete: (obj) => queue.add(objectOf(obj).metadata.name!),
  });

  async function allocate(node: Node): Promise<void> {
    const name = node.metadata.name!;
    const uid = node.metadata.uid ?? '';
    // Reuse a subnet we handed out ourselves but the cache has not shown yet.
    let cidr = held.get(name)?.uid === uid ? held.get(name)!.cidrs[0] : undefined;
    if (!cidr) {
      cidr = pool.allocateNext();
      if (!cidr) {
        recordNodeStatusChange(ctx, node, 'CIDRNotAvailable');
        throw new Error(`failed to allocate cidr from cluster cidr ${ctx.settings.clusterCIDR}: the range is exhausted`);
      }
      held.set(name, { uid, cidrs: [cidr] });
    }
    // The cache may be behind: the node read fresh decides whether it still needs a CIDR.
    let fresh: Node;
    try {
      fresh = await nodeClient.get('', name);
    } catch (err) {
      if (isNotFound(err)) return release(name);
      throw err;
    }
    if (fresh.metadata.uid !== uid) return release(name);
    const existing = cidrsOf(fresh);
    if (existing.length) {
      if (existing[0] !== cidr) {
        logger.info({ node: name, existing, released: cidr }, 'node already has a CIDR allocated; releasing the new one');
        release(name);
        occupy(fresh, existing);
      }
      return;
    }
    try {
      await nodeClient.patch('', name, { spec: { podCIDR: cidr, podCIDRs: [cidr] } }, 'strategic');
      logger.info({ node: name, podCIDR: cidr }, 'allocated pod CIDR');
    } catch (err) {
      if (isNotFound(err)) return release(name);
      recordNodeStatusChange(ctx, node, 'CIDRAssignmentFailed');
      release(name);
      throw err;
    }
  }

  return {
    name: 'nodeipam',
    queue,
    async reconcile(name: string) {
      await initialize();
      const node = nodes.get('', name);
      const h = held.get(name);
      if (h && (!node || h.uid !== node.metadata.uid)) release(name);
      if (!node || node.metadata.deletionTimestamp) return;
      const cidrs = cidrsOf(node);
      if (cidrs.length) {
        if (held.get(name)?.cidrs.join() !== cidrs.join()) {
          if (held.has(name)) release(name);
          occupy(node, cidrs);
        }
        return;
      }
      await allocate(node);
    },
  };
}
