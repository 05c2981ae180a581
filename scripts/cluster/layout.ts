// What the local cluster is made of: every process with its exact arguments, ports and addresses.
// Ports are kube's defaults (API server 8080, kubelet 10250, kube-proxy healthz 10256, controller-
// manager 10257, scheduler 10259), the i-th replica or node adding 100·(i−1); --port-base moves all
// of them together. Nodes live on loopback addresses (node-1 = 127.1.0.1, ...), as issue 4 settled.
// --ha: three etcd members (kube's etcd ports 2379/2380, moved the same way) and three API servers on
// them (port-base, +1, +2); every other component gets all three in --master and fails over.
import { join } from 'node:path';
import { etcdArgs, type EtcdMemberSpec } from './etcd.ts';
import type { ClusterFlags } from './options.ts';

export type ComponentKind = 'etcd' | 'apiserver' | 'scheduler' | 'controller-manager' | 'kubelet' | 'kube-proxy';

export interface ProcessSpec {
  /** apiserver, scheduler-1, controller-manager-2, kubelet-node-1, kube-proxy-node-3, ... */
  name: string;
  kind: ComponentKind;
  /**
   * The main module, relative to the repository root, run as `node --import tsx <main>`; or, with
   * `program`, the program's name (what its command line starts with).
   */
  main: string;
  /** An executable run directly instead of node (etcd). */
  program?: string;
  args: string[];
  /** Where the process serves (the API, or /healthz and /metrics). */
  url: string;
  /** The node a kubelet or kube-proxy runs for. */
  node?: string;
}

export interface ClusterLayout {
  /** The API server kubectl talks to (the kubeconfig's server): the first of apiServerURLs. */
  apiServerURL: string;
  /** Every API server (three with --ha); the components fail over between them. */
  apiServerURLs: string[];
  processes: ProcessSpec[];
  /** The values --fast put in force, flag by flag, for people to read. */
  fastSettings: string[];
}

export const SCHEDULER_REPLICAS = 2;
/** The API server's default --service-node-port-range. */
const NODE_PORT_RANGE = [30000, 32767];
export const CONTROLLER_MANAGER_REPLICAS = 2;
/** --ha: etcd members and API servers. */
export const HA_REPLICAS = 3;

/** The short timings of --fast, through each component's own (kube-named) flags. */
export const FAST_FLAGS = {
  apiserver: ['--default-not-ready-toleration-seconds', '5', '--default-unreachable-toleration-seconds', '5'],
  leaderElection: ['--leader-elect-lease-duration', '4s', '--leader-elect-renew-deadline', '3s', '--leader-elect-retry-period', '1s'],
  controllerManager: ['--node-monitor-grace-period', '8s', '--node-monitor-period', '1s'],
  kubelet: ['--node-lease-duration-seconds', '8', '--node-lease-renew-interval', '1s', '--node-status-update-frequency', '2s'],
};

export function addToIPv4(ip: string, n: number): string {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) throw new Error(`"${ip}" is not an IPv4 address`);
  const value = ((parts[0] << 24) >>> 0) + (parts[1] << 16) + (parts[2] << 8) + parts[3] + n;
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join('.');
}

const pairs = (flags: string[]) => flags.reduce<string[]>((out, f, i) => (i % 2 ? [...out.slice(0, -1), `${out.at(-1)} ${f}`] : [...out, f]), []);

export function planCluster(flags: ClusterFlags, dataDir: string): ClusterLayout {
  const offset = flags['port-base'] - 8080;
  const port = (kubeDefault: number, index: number) => {
    const p = kubeDefault + offset + 100 * (index - 1);
    if (p < 1024) throw new Error(`--port-base ${flags['port-base']} puts port ${p} below 1024; pick a higher one`);
    if (p > 65535) throw new Error(`--port-base ${flags['port-base']} with ${flags.nodes} nodes needs port ${p}, above 65535`);
    // kube-proxy listens on NodePorts on the nodes' addresses, where kubelets and kube-proxies serve too.
    if (p >= NODE_PORT_RANGE[0] && p <= NODE_PORT_RANGE[1]) throw new Error(`--port-base ${flags['port-base']} puts port ${p} in the NodePort range ${NODE_PORT_RANGE.join('-')}; pick another`);
    return p;
  };
  const kubeconfig = join(dataDir, 'kubeconfig');
  const fast = flags.fast;
  const processes: ProcessSpec[] = [];
  const apiServerArgs = ['--service-cluster-ip-range', flags['service-cluster-ip-range'], ...(fast ? FAST_FLAGS.apiserver : [])];
  if (flags.ha) {
    const members: EtcdMemberSpec[] = [];
    for (let i = 1; i <= HA_REPLICAS; i++) {
      members.push({ name: `etcd-${i}`, dataDir: join(dataDir, `etcd-${i}`), clientUrl: `http://127.0.0.1:${port(2379, i)}`, peerUrl: `http://127.0.0.1:${port(2380, i)}` });
    }
    // The token keeps members of another cluster (another --port-base) from joining this one by mistake.
    const token = `k8ts-${flags['port-base']}`;
    for (const m of members) processes.push({ name: m.name, kind: 'etcd', main: 'etcd', program: 'etcd', args: etcdArgs(m, members, token), url: m.clientUrl });
    const etcdServers = members.map((m) => m.clientUrl).join(',');
    for (let i = 1; i <= HA_REPLICAS; i++) {
      const p = flags['port-base'] + i - 1;
      processes.push({
        name: `apiserver-${i}`,
        kind: 'apiserver',
        main: 'apiserver/main.ts',
        args: [
          '--bind-address', '127.0.0.1', '--port', String(p), '--storage-backend', 'etcd3', '--etcd-servers', etcdServers, ...apiServerArgs,
        ],
        url: `http://127.0.0.1:${p}`,
      });
    }
  } else {
    processes.push({
      name: 'apiserver',
      kind: 'apiserver',
      main: 'apiserver/main.ts',
      args: ['--bind-address', '127.0.0.1', '--port', String(flags['port-base']), '--data-dir', join(dataDir, 'data', 'apiserver'), ...apiServerArgs],
      url: `http://127.0.0.1:${flags['port-base']}`,
    });
  }
  const apiServerURLs = processes.filter((p) => p.kind === 'apiserver').map((p) => p.url);
  const apiServerURL = apiServerURLs[0];
  // With several API servers the kubeconfig names one (kubectl takes one server); --master lists all.
  const api = apiServerURLs.length > 1 ? ['--kubeconfig', kubeconfig, '--master', apiServerURLs.join(',')] : ['--kubeconfig', kubeconfig];
  for (let i = 1; i <= SCHEDULER_REPLICAS; i++) {
    const p = port(10259, i);
    processes.push({
      name: `scheduler-${i}`,
      kind: 'scheduler',
      main: 'scheduler/main.ts',
      args: [...api, '--bind-address', '127.0.0.1', '--secure-port', String(p), ...(fast ? FAST_FLAGS.leaderElection : [])],
      url: `http://127.0.0.1:${p}`,
    });
  }
  for (let i = 1; i <= CONTROLLER_MANAGER_REPLICAS; i++) {
    const p = port(10257, i);
    processes.push({
      name: `controller-manager-${i}`,
      kind: 'controller-manager',
      main: 'controller-manager/main.ts',
      args: [
        ...api, '--bind-address', '127.0.0.1', '--secure-port', String(p), '--cluster-cidr', flags['cluster-cidr'],
        ...(fast ? [...FAST_FLAGS.leaderElection, ...FAST_FLAGS.controllerManager] : []),
      ],
      url: `http://127.0.0.1:${p}`,
    });
  }
  for (let i = 1; i <= flags.nodes; i++) {
    const node = `node-${i}`;
    const ip = addToIPv4(flags['node-ip'], i - 1);
    const kubeletPort = port(10250, i);
    const proxyPort = port(10256, i);
    processes.push({
      name: `kubelet-${node}`,
      kind: 'kubelet',
      main: 'kubelet/main.ts',
      args: [...api, '--hostname-override', node, '--node-ip', ip, '--port', String(kubeletPort), ...(fast ? FAST_FLAGS.kubelet : [])],
      url: `http://${ip}:${kubeletPort}`,
      node,
    });
    processes.push({
      name: `kube-proxy-${node}`,
      kind: 'kube-proxy',
      main: 'kube-proxy/main.ts',
      args: [...api, '--hostname-override', node, '--bind-address', ip, '--healthz-bind-address', `${ip}:${proxyPort}`],
      url: `http://${ip}:${proxyPort}`,
      node,
    });
  }
  const fastSettings = fast ? [
    `kube-apiserver: ${pairs(FAST_FLAGS.apiserver).join(' ')}`,
    `kube-scheduler, kube-controller-manager: ${pairs(FAST_FLAGS.leaderElection).join(' ')}`,
    `kube-controller-manager: ${pairs(FAST_FLAGS.controllerManager).join(' ')}`,
    `kubelet: ${pairs(FAST_FLAGS.kubelet).join(' ')}`,
  ] : [];
  return { apiServerURL, apiServerURLs, processes, fastSettings };
}
