// What the local cluster is made of: every process with its exact arguments, ports and addresses.
// Ports are kube's defaults (API server 8080, kubelet 10250, kube-proxy healthz 10256, controller-
// manager 10257, scheduler 10259), the i-th replica or node adding 100·(i−1); --port-base moves all
// of them together. Nodes live on loopback addresses (node-1 = 127.1.0.1, ...), as issue 4 settled.
import { join } from 'node:path';
import type { ClusterFlags } from './options.ts';

export type ComponentKind = 'apiserver' | 'scheduler' | 'controller-manager' | 'kubelet' | 'kube-proxy';

export interface ProcessSpec {
  /** apiserver, scheduler-1, controller-manager-2, kubelet-node-1, kube-proxy-node-3, ... */
  name: string;
  kind: ComponentKind;
  /** The main module, relative to the repository root. */
  main: string;
  args: string[];
  /** Where the process serves (the API, or /healthz and /metrics). */
  url: string;
  /** The node a kubelet or kube-proxy runs for. */
  node?: string;
}

export interface ClusterLayout {
  apiServerURL: string;
  processes: ProcessSpec[];
  /** The values --fast put in force, flag by flag, for people to read. */
  fastSettings: string[];
}

export const SCHEDULER_REPLICAS = 2;
/** The API server's default --service-node-port-range. */
const NODE_PORT_RANGE = [30000, 32767];
export const CONTROLLER_MANAGER_REPLICAS = 2;

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
    if (p > 65535) throw new Error(`--port-base ${flags['port-base']} with ${flags.nodes} nodes needs port ${p}, above 65535`);
    // kube-proxy listens on NodePorts on the nodes' addresses, where kubelets and kube-proxies serve too.
    if (p >= NODE_PORT_RANGE[0] && p <= NODE_PORT_RANGE[1]) throw new Error(`--port-base ${flags['port-base']} puts port ${p} in the NodePort range ${NODE_PORT_RANGE.join('-')}; pick another`);
    return p;
  };
  const kubeconfig = join(dataDir, 'kubeconfig');
  const fast = flags.fast;
  const apiServerURL = `http://127.0.0.1:${flags['port-base']}`;
  const processes: ProcessSpec[] = [{
    name: 'apiserver',
    kind: 'apiserver',
    main: 'apiserver/main.ts',
    args: [
      '--bind-address', '127.0.0.1', '--port', String(flags['port-base']), '--data-dir', join(dataDir, 'data', 'apiserver'),
      '--service-cluster-ip-range', flags['service-cluster-ip-range'],
      ...(fast ? FAST_FLAGS.apiserver : []),
    ],
    url: apiServerURL,
  }];
  for (let i = 1; i <= SCHEDULER_REPLICAS; i++) {
    const p = port(10259, i);
    processes.push({
      name: `scheduler-${i}`,
      kind: 'scheduler',
      main: 'scheduler/main.ts',
      args: ['--kubeconfig', kubeconfig, '--bind-address', '127.0.0.1', '--secure-port', String(p), ...(fast ? FAST_FLAGS.leaderElection : [])],
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
        '--kubeconfig', kubeconfig, '--bind-address', '127.0.0.1', '--secure-port', String(p), '--cluster-cidr', flags['cluster-cidr'],
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
      args: ['--kubeconfig', kubeconfig, '--hostname-override', node, '--node-ip', ip, '--port', String(kubeletPort), ...(fast ? FAST_FLAGS.kubelet : [])],
      url: `http://${ip}:${kubeletPort}`,
      node,
    });
    processes.push({
      name: `kube-proxy-${node}`,
      kind: 'kube-proxy',
      main: 'kube-proxy/main.ts',
      args: ['--kubeconfig', kubeconfig, '--hostname-override', node, '--bind-address', ip, '--healthz-bind-address', `${ip}:${proxyPort}`],
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
  return { apiServerURL, processes, fastSettings };
}
