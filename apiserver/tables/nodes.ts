// `kubectl get nodes`: NAME STATUS ROLES AGE VERSION
// (wide: INTERNAL-IP EXTERNAL-IP OS-IMAGE KERNEL-VERSION CONTAINER-RUNTIME).
import { ageColumn, column, nameColumn } from './columns.ts';
import { since } from './duration.ts';
import { printer, type ObjectMetaView, type PrintContext, type PrintedRow } from './types.ts';

export interface NodeView {
  metadata?: ObjectMetaView;
  spec?: { unschedulable?: boolean };
  status?: {
    conditions?: { type?: string; status?: string }[] | null;
    addresses?: { type?: string; address?: string }[] | null;
    nodeInfo?: { kubeletVersion?: string; osImage?: string; kernelVersion?: string; containerRuntimeVersion?: string };
  };
}

const ADDRESSES_DOC =
  "List of addresses reachable to the node. Queried from cloud provider, if available. More info: https://kubernetes.io/docs/reference/node/node-status/#addresses Note: This field is declared as mergeable, but the merge key is not sufficiently unique, which can cause data corruption when it is merged. Callers should instead use a full-replacement patch. See https://pr.k8s.io/79391 for an example. Consumers should assume that addresses can change during the lifetime of a Node. However, there are some exceptions where this may not be possible, such as Pods that inherit a Node's address in its own status or consumers of the downward API (status.hostIP).";

export const nodeColumns = [
  nameColumn(),
  column('Status', 'string', 'The status of the node'),
  column('Roles', 'string', 'The roles of the node'),
  ageColumn(),
  column('Version', 'string', 'Kubelet Version reported by the node.'),
  column('Internal-IP', 'string', ADDRESSES_DOC, 1),
  column('External-IP', 'string', ADDRESSES_DOC, 1),
  column('OS-Image', 'string', 'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).', 1),
  column('Kernel-Version', 'string', "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).", 1),
  column('Container-Runtime', 'string', 'ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).', 1),
];

const NODE_ROLE_PREFIX = 'node-role.kubernetes.io/';
const NODE_ROLE_LABEL = 'kubernetes.io/role';

/** Roles from `node-role.kubernetes.io/<role>` label keys and the `kubernetes.io/role` label value, sorted. */
export function nodeRoles(labels: Record<string, string> | null | undefined): string[] {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(labels ?? {})) {
    if (k.startsWith(NODE_ROLE_PREFIX)) {
      const role = k.slice(NODE_ROLE_PREFIX.length);
      if (role) roles.add(role);
    } else if (k === NODE_ROLE_LABEL && v !== '') {
      roles.add(v);
    }
  }
  return [...roles].sort();
}

const addressOf = (node: NodeView, type: string) => (node.status?.addresses ?? []).find((a) => a.type === type)?.address ?? '<none>';

export function printNode(node: NodeView, ctx: PrintContext): PrintedRow {
  // Only the Ready condition makes the STATUS column; a node that never reported one is Unknown.
  const ready = (node.status?.conditions ?? []).filter((c) => c.type === 'Ready').at(-1);
  const status = ready ? [ready.status === 'True' ? 'Ready' : 'NotReady'] : ['Unknown'];
  if (node.spec?.unschedulable) status.push('SchedulingDisabled');
  const roles = nodeRoles(node.metadata?.labels).join(',') || '<none>';
  const info = node.status?.nodeInfo ?? {};
  const cells = [node.metadata?.name ?? '', status.join(','), roles, since(node.metadata?.creationTimestamp, ctx.now), info.kubeletVersion ?? ''];
  if (ctx.wide) {
    cells.push(
      addressOf(node, 'InternalIP'),
      addressOf(node, 'ExternalIP'),
      info.osImage || '<unknown>',
      info.kernelVersion || '<unknown>',
      info.containerRuntimeVersion || '<unknown>',
    );
  }
  return { cells };
}

export const nodePrinter = printer<NodeView>(nodeColumns, printNode);
