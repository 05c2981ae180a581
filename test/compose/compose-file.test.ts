// docker-compose.yml without Docker: the topology is what the README says (node addresses on the fixed
// subnet, each kube-proxy in its node's namespace, restart policies), and every service's command line is
// accepted by that component's own flag parser, with compose's defaults and with fast.env's values.
// (scripts/e2e-compose.ts runs the real thing.)
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { readEnvFile } from '../../scripts/compose/timings.ts';

const root = join(import.meta.dirname, '../..');
const composeText = readFileSync(join(root, 'docker-compose.yml'), 'utf8');

interface Service {
  profiles?: string[];
  command?: string[];
  restart?: string;
  network_mode?: string;
  networks?: Record<string, { ipv4_address?: string } | null> | string[];
  cap_add?: string[];
  healthcheck?: { disable?: boolean };
  environment?: Record<string, string>;
  volumes?: string[];
}
interface ComposeFile {
  version: string;
  services: Record<string, Service>;
  networks: Record<string, { ipam: { config: { subnet: string; ip_range: string }[] } }>;
  volumes: Record<string, unknown>;
}

/** Compose's interpolation of ${VAR:-default} (and ${VAR}), from `env`. */
function load(env: Record<string, string>): ComposeFile {
  const text = composeText.replace(/\$\{([A-Z0-9_]+)(?::-([^}]*))?\}/g, (_, name: string, def = '') => env[name] ?? def);
  return parse(text, { merge: true }) as ComposeFile;
}

const inSubnet = (ip: string, cidr: string) => {
  const [base, bits] = cidr.split('/');
  const n = (a: string) => a.split('.').reduce((v, o) => v * 256 + Number(o), 0);
  const size = 2 ** (32 - Number(bits));
  return Math.floor(n(ip) / size) === Math.floor(n(base) / size);
};

const fast = readEnvFile(join(root, 'scripts/compose/fast.env'));
const ha = readEnvFile(join(root, 'scripts/compose/ha.env'));

/** The services compose starts: those without a profile, and those of the profiles switched on. */
function started(file: ComposeFile, env: Record<string, string>): Record<string, Service> {
  const profiles = new Set((env.COMPOSE_PROFILES ?? '').split(',').filter(Boolean));
  return Object.fromEntries(Object.entries(file.services).filter(([, s]) => !s.profiles || s.profiles.some((p) => profiles.has(p))));
}

const topology = ['apiserver', 'controller-manager-1', 'controller-manager-2', 'kube-proxy-1', 'kube-proxy-2', 'kube-proxy-3', 'node-1', 'node-2', 'node-3', 'scheduler-1', 'scheduler-2'];

for (const [label, env, expected] of [
  ['defaults', {}, topology],
  ['fast.env, K8TS_NET=172.29', { ...fast, K8TS_NET: '172.29' }, topology],
  ['ha.env', ha, [...topology, 'apiserver-2', 'apiserver-3', 'etcd-1', 'etcd-2', 'etcd-3']],
] as const) {
  describe(`docker-compose.yml with ${label}`, () => {
    const file = load(env);
    const services = started(file, env);
    const net = file.networks.k8ts.ipam.config[0];

    test('file format 2.4 (docker-compose 1.29 and `docker compose` both read it)', () => {
      assert.equal(file.version, '2.4');
    });

    test('the control plane, three nodes and their kube-proxies', () => {
      assert.deepEqual(Object.keys(services).sort(), [...expected].sort());
    });

    test('each node\'s --node-ip is its fixed address, in the subnet and outside the dynamic range', () => {
      for (const n of [1, 2, 3]) {
        const s = services[`node-${n}`];
        const address = (s.networks as Record<string, { ipv4_address: string }>).k8ts.ipv4_address;
        assert.ok(s.command!.includes(`--node-ip=${address}`), `node-${n}: ${s.command!.join(' ')}`);
        assert.ok(s.command!.includes(`--hostname-override=node-${n}`));
        assert.ok(s.command!.includes('--network-plugin=host-gw'));
        assert.ok(inSubnet(address, net.subnet) && !inSubnet(address, net.ip_range), `${address} vs ${net.subnet} / ${net.ip_range}`);
        assert.deepEqual(s.cap_add, ['NET_ADMIN'], 'host-gw writes routes');
      }
    });

    test('each kube-proxy shares its node\'s network namespace and names the same node', () => {
      for (const n of [1, 2, 3]) {
        const s = services[`kube-proxy-${n}`];
        assert.equal(s.network_mode, `service:node-${n}`);
        assert.ok(s.command!.includes(`--hostname-override=node-${n}`));
      }
    });

    test('the API server is published on loopback only; restart policies as documented', () => {
      assert.equal(services.apiserver.restart, 'unless-stopped');
      const ports = (services.apiserver as { ports: string[] }).ports;
      assert.ok(ports.every((p) => p.startsWith('127.0.0.1:')), ports.join(', '));
      for (const name of ['scheduler-1', 'scheduler-2', 'controller-manager-1', 'controller-manager-2', 'node-1', 'node-2', 'node-3']) {
        assert.equal(services[name].restart, 'no', name);
      }
      for (const s of Object.values(services)) assert.notEqual(s.healthcheck?.disable, true);
    });

    test('the embedded store lives on a named volume, so it outlives the container', () => {
      const volume = (services.apiserver.volumes ?? []).map((v) => v.split(':')).find(([, target]) => target === '/var/lib/k8ts');
      assert.ok(volume && !volume[0].startsWith('/') && !volume[0].startsWith('.'), `apiserver volumes: ${services.apiserver.volumes}`);
      assert.ok(volume[0] in file.volumes, `${volume[0]} is declared under volumes:`);
      assert.ok(services.apiserver.command!.some((a) => a.startsWith('--data-dir=/var/lib/k8ts/')), services.apiserver.command!.join(' '));
    });

    test('the pod and Service ranges agree between the components and the node entrypoints', () => {
      const cm = services['controller-manager-1'].command!;
      const node = services['node-1'].environment!;
      assert.ok(cm.includes(`--cluster-cidr=${node.CLUSTER_CIDR}`));
      assert.ok(services.apiserver.command!.includes(`--service-cluster-ip-range=${node.SERVICE_CLUSTER_IP_RANGE}`));
    });

    // One process per component (tsx start-up is the cost); with fast.env's values, which differ from the
    // components' own defaults.
    test('every command line is accepted by its component\'s flag parser', { skip: label === 'defaults' && 'checked with fast.env' }, async () => {
      // Our components only (etcd is Debian's, checked by scripts/e2e-compose.ts --ha).
      const ours = Object.entries(services).filter(([, s]) => s.command && existsSync(join(root, s.command[0], 'main.ts')));
      const byComponent = new Map(ours.map(([name, s]) => [s.command![0], { name, args: s.command!.slice(1) }]));
      await Promise.all([...byComponent].map(async ([component, { name, args }]) => {
        // --help last: the parser checks every flag before it, then prints the usage and exits 0.
        const result = await new Promise<{ code: number; stderr: string }>((resolve) => {
          execFile(process.execPath, ['--import', 'tsx', `${component}/main.ts`, ...args, '--help'], { cwd: root, timeout: 60_000 }, (err, _stdout, stderr) => {
            resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stderr });
          });
        });
        assert.equal(result.code, 0, `${name}: ${component} ${args.join(' ')}\n${result.stderr}`);
      }));
    });
  });
}

describe('docker-compose config', { skip: !(await hasDockerCompose()) && 'docker-compose is not installed' }, () => {
  // With each env file the README gives it: fast.env's values and ha.env's profile change what it reads.
  for (const envFile of [undefined, 'scripts/compose/fast.env', 'scripts/compose/ha.env']) {
    test(`docker-compose 1.29 validates the file${envFile ? ` with ${envFile}` : ''}`, async () => {
      const args = ['-f', join(root, 'docker-compose.yml'), ...(envFile ? ['--env-file', join(root, envFile)] : []), 'config', '-q'];
      const stderr = await new Promise<string>((resolve, reject) => {
        execFile('docker-compose', args, { cwd: root }, (err, _out, e) => (err ? reject(new Error(e)) : resolve(e)));
      });
      assert.doesNotMatch(stderr, /error/i);
    });
  }
});

async function hasDockerCompose(): Promise<boolean> {
  return new Promise((resolve) => execFile('docker-compose', ['version'], (err) => resolve(!err)));
}
