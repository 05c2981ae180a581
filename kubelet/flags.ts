// The kubelet's flags (kube's names where kube has them) and the node configs they describe: one node,
// or with --nodes N the nodes <prefix>-1..N on consecutive IPs from --node-ip (kubemark/kwok style).
import { hostname } from 'node:os';
import { parseQuantity } from '../shared/api/quantity.ts';
import type { FlagSpec, Flags } from '../shared/flags.ts';
import type { NodeConfig } from './kubelet.ts';
import { addToIP, parseCIDR } from './node/pod-ip-allocator.ts';
import { DEFAULT_PULL_FAILURE_PATTERN } from './runtime/images.ts';
import { networkPluginFlag } from './network/host-gw.ts';

export const kubeletFlags = {
  master: { type: 'string', default: '', help: 'The address of the Kubernetes API server (overrides any value in kubeconfig). k8ts: a comma-separated list fails over between servers.' },
  kubeconfig: { type: 'string', default: '', help: 'Path to a kubeconfig file, specifying how to connect to the API server.' },
  'hostname-override': { type: 'string', default: '', help: 'If non-empty, will use this string as identification instead of the actual hostname.' },
  'node-ip': { type: 'string', default: '127.1.0.1', help: 'IP address of the node (k8ts: a loopback address; with --nodes, the first node\'s, the others counting up).' },
  nodes: { type: 'number', default: 1, help: 'k8ts: how many simulated nodes this process hosts (named <node-name-prefix>-1..N).' },
  'node-name-prefix': { type: 'string', default: 'node', help: 'k8ts: the name prefix of the nodes when --nodes is more than 1.' },
  'node-labels': { type: 'list', default: [], help: 'Labels to add when registering the node in the cluster (key=value pairs, comma-separated).' },
  cpu: { type: 'string', default: '4', help: 'k8ts: the node\'s CPU capacity.' },
  memory: { type: 'string', default: '8Gi', help: 'k8ts: the node\'s memory capacity.' },
  'max-pods': { type: 'number', default: 110, help: 'Number of Pods that can run on this Kubelet.' },
  port: { type: 'number', default: 10250, help: 'The port for the Kubelet to serve on (plain HTTP in k8ts; 0 picks a free one).' },
  'pod-cidr': { type: 'string', default: '', help: 'The CIDR to use for pod IP addresses when the Node has no spec.podCIDR (standalone mode).' },
  'pod-manifest-path': { type: 'string', default: '', help: 'Path to the directory containing static pod files to run.' },
  'file-check-frequency': { type: 'duration', default: '20s', help: 'Duration between checking config files for new data.' },
  'node-lease-duration-seconds': { type: 'number', default: 40, help: 'The duration the Kubelet will set on its corresponding Lease.' },
  'node-lease-renew-interval': { type: 'duration', default: '10s', help: 'k8ts: how often the node Lease is renewed (kube: a quarter of the lease duration).' },
  'node-status-update-frequency': { type: 'duration', default: '10s', help: 'Specifies how often kubelet computes node status.' },
  'node-status-report-frequency': { type: 'duration', default: '1m', help: 'How often the node status is posted when it has not changed.' },
  'image-pull-duration': { type: 'duration', default: '100ms', help: 'k8ts: how long a simulated image pull takes.' },
  'image-pull-failure-pattern': { type: 'string', default: DEFAULT_PULL_FAILURE_PATTERN, help: 'k8ts: a regular expression; images whose reference matches do not exist (ErrImagePull).' },
  'known-images': { type: 'list', default: [], help: 'k8ts: if set, only these image repositories exist; any other image fails to pull.' },
  'container-restart-backoff': { type: 'duration', default: '10s', help: 'k8ts: the first CrashLoopBackOff / ImagePullBackOff delay (kube: 10s), doubling each time.' },
  'container-restart-backoff-max': { type: 'duration', default: '5m', help: 'The longest CrashLoopBackOff / ImagePullBackOff delay (kube: 5m).' },
  'network-plugin': networkPluginFlag,
  'status-workers': { type: 'number', default: 16, help: 'k8ts: how many pod status writes may be in flight at once (for the whole process).' },
} satisfies Record<string, FlagSpec>;

export type KubeletFlags = Flags<typeof kubeletFlags>;

function labelsOf(pairs: string[]): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Error(`--node-labels: invalid label "${pair}": want key=value`);
    labels[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return labels;
}

/** The nodes this process hosts; throws (with the flag's name) on bad flags. */
export function nodeConfigsFrom(flags: KubeletFlags): NodeConfig[] {
  if (!Number.isInteger(flags.nodes) || flags.nodes < 1) throw new Error('--nodes must be a positive integer');
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(flags['node-ip'])) throw new Error(`--node-ip: "${flags['node-ip']}" is not an IPv4 address`);
  if (flags['pod-cidr'] && !parseCIDR(flags['pod-cidr'])) throw new Error(`--pod-cidr: "${flags['pod-cidr']}" is not an IPv4 CIDR`);
  if (flags['pod-cidr'] && flags.nodes > 1) throw new Error('--pod-cidr applies to a single node; with --nodes, pod CIDRs come from the Nodes (node IPAM)');
  for (const q of ['cpu', 'memory'] as const) {
    try { parseQuantity(flags[q]); } catch { throw new Error(`--${q}: "${flags[q]}" is not a quantity`); }
  }
  const labels = labelsOf(flags['node-labels']);
  const single = flags['hostname-override'] || hostname().toLowerCase();
  return Array.from({ length: flags.nodes }, (_, i) => ({
    identity: {
      name: flags.nodes === 1 ? single : `${flags['node-name-prefix']}-${i + 1}`,
      ip: addToIP(flags['node-ip'], i),
      port: flags.port,
      labels,
      capacity: { cpu: flags.cpu, memory: flags.memory, pods: String(flags['max-pods']) },
    },
    podCIDR: flags['pod-cidr'] || undefined,
    manifestPath: flags['pod-manifest-path'] || undefined,
  }));
}
