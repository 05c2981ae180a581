// The command line of scripts/cluster.ts: `[up|status|kill NAME|restart NAME|down] [flags]`. Flags use
// shared/flags.ts (kube's `--name value` style); words that are not flags or flag values are the
// sub-command and its argument, wherever they appear (npm passes everything after `--`).
import { resolve } from 'node:path';
import { parseFlags, type FlagSpec, type Flags } from '../../shared/flags.ts';

export const clusterFlags = {
  'data-dir': { type: 'string', default: '.cluster', help: 'Where the cluster keeps its data, logs, pid files and kubeconfig.' },
  fast: { type: 'boolean', default: false, help: 'Short leases, grace periods and tolerations (seconds instead of tens of seconds), for failover demos.' },
  ha: { type: 'boolean', default: false, help: 'High availability: 3 etcd members (etcd on PATH) and 3 API servers on them; the components fail over between the API servers.' },
  nodes: { type: 'number', default: 3, help: 'How many nodes (a kubelet and a kube-proxy each).' },
  'port-base': { type: 'number', default: 8080, help: 'The API server\'s port; every other port moves with it (kube\'s ports when 8080), so a second cluster does not clash.' },
  'node-ip': { type: 'string', default: '127.1.0.1', help: 'The first node\'s IP (loopback); the others count up.' },
  'cluster-cidr': { type: 'string', default: '127.64.0.0/11', help: 'The controller-manager\'s --cluster-cidr: pod IPs, a /24 per node.' },
  'service-cluster-ip-range': { type: 'string', default: '127.96.0.0/12', help: 'The API server\'s --service-cluster-ip-range: Service ClusterIPs.' },
  'log-level': { type: 'string', default: 'info', help: 'LOG_LEVEL of every component (their logs go to <data-dir>/logs).' },
  timeout: { type: 'duration', default: '3m', help: 'up/restart: how long to wait for the components to become ready.' },
  signal: { type: 'string', default: 'KILL', help: 'kill: the signal to send (KILL, TERM, INT, STOP, CONT, ...).' },
} satisfies Record<string, FlagSpec>;

export type ClusterFlags = Flags<typeof clusterFlags>;

export const COMMANDS = ['up', 'status', 'kill', 'restart', 'down'] as const;
export type Command = (typeof COMMANDS)[number];

export interface CommandLine {
  command: Command;
  /** The component a kill/restart is about. */
  target?: string;
  flags: ClusterFlags;
  /** The absolute data directory. */
  dataDir: string;
}

const USAGE = `Usage: npm start -- [command] [flags]
  up (default)     start the cluster and supervise it until Ctrl-C
  status           each process, its pid and liveness, the Lease holders and the nodes
  kill NAME        send SIGKILL (or --signal TERM) to one component, e.g. scheduler-1, kubelet-node-2
  restart NAME     start a component again with the same arguments (stopping it first if it runs)
  down             stop every process of the cluster (and the supervising \`up\`)
Flags:
${Object.entries(clusterFlags).map(([n, s]) => `  --${n} (default ${JSON.stringify(s.default)})\n      ${s.help}`).join('\n')}`;

/** Parses argv; throws an Error whose message is meant for the user. */
export function parseCommandLine(argv: string[]): CommandLine {
  if (argv.includes('--help') || argv.includes('-h') || argv[0] === 'help') {
    console.log(USAGE);
    process.exit(0);
  }
  const words: string[] = [];
  const flagArgs: string[] = [];
  const specs = clusterFlags as Record<string, FlagSpec>;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) {
      words.push(arg);
      continue;
    }
    flagArgs.push(arg);
    const spec = specs[arg.slice(2)];
    if (spec && spec.type !== 'boolean' && !arg.includes('=') && i + 1 < argv.length) flagArgs.push(argv[++i]);
  }
  const flags = parseFlags(clusterFlags, flagArgs, 'cluster');
  const [command = 'up', target, ...extra] = words;
  if (!(COMMANDS as readonly string[]).includes(command)) throw new Error(`unknown command "${command}" (want ${COMMANDS.join(', ')})\n\n${USAGE}`);
  if ((command === 'kill' || command === 'restart') && !target) throw new Error(`${command} needs the name of a component, e.g. \`npm start -- ${command} scheduler-1\``);
  if (extra.length || (target && command !== 'kill' && command !== 'restart')) throw new Error(`unexpected argument "${extra[0] ?? target}"`);
  if (!Number.isInteger(flags.nodes) || flags.nodes < 1 || flags.nodes > 50) throw new Error('--nodes must be an integer from 1 to 50');
  if (!Number.isInteger(flags['port-base']) || flags['port-base'] < 1024 || flags['port-base'] > 60000) throw new Error('--port-base must be an integer from 1024 to 60000');
  return { command: command as Command, target, flags, dataDir: resolve(flags['data-dir']) };
}
