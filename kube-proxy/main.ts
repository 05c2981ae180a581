// kube-proxy for k8ts: watches Services and EndpointSlices and makes every Service's ClusterIP:port
// (and this node's NodePorts) reach the Service's ready endpoints, in userspace mode: TCP listeners in
// this process forwarding each connection. One runs per node; no leader election.
import { hostname } from 'node:os';
import { resources } from '../shared/api/registry.ts';
import { ApiClient } from '../shared/client/api-client.ts';
import { apiServersFrom } from '../shared/client/kubeconfig.ts';
import { parseFlags } from '../shared/flags.ts';
import { InformerFactory } from '../shared/informer/factory.ts';
import { createLogger } from '../shared/log.ts';
import { startHealthServer } from './healthz.ts';
import { ProxyMetrics } from './metrics.ts';
import { detectNodeIP, isUnspecified } from './node-ip.ts';
import { UserspaceProxier } from './userspace-proxier.ts';

const flags = parseFlags({
  master: { type: 'string', default: '', help: 'The address of the Kubernetes API server (overrides any value in kubeconfig). k8ts: a comma-separated list fails over between servers.' },
  kubeconfig: { type: 'string', default: '', help: 'Path to kubeconfig file with authorization information (the master location can be overridden by the master flag).' },
  'hostname-override': { type: 'string', default: '', help: "If non-empty, will be used as the name of the Node that kube-proxy is running on. If unset, the node name is assumed to be the same as the node's hostname." },
  'bind-address': { type: 'string', default: '0.0.0.0', help: "Overrides kube-proxy's idea of what its node's primary IP is (k8ts: NodePorts listen on it). If unspecified (0.0.0.0), the InternalIP of the Node object is used, else 127.0.0.1." },
  'proxy-mode': { type: 'string', default: '', help: "Which proxy mode to use: k8ts supports only 'userspace' (the default): TCP listeners in this process forward every connection." },
  'healthz-bind-address': { type: 'string', default: '0.0.0.0:10256', help: 'The IP address and port for the health check server to serve on (k8ts: an unspecified IP means this node\'s address, so that several local proxies do not collide; port 0 picks a free one). /metrics is served there too.' },
  'bind-retry-period': { type: 'duration', default: '1s', help: 'k8ts: how often to retry binding the Service listeners held by another proxy (ClusterIP:ports are shared by every local proxy; whoever binds first serves, the others take over when it dies).' },
}, process.argv.slice(2), 'kube-proxy');

const logger = createLogger('kube-proxy');
const fail = (message: string): never => {
  logger.fatal(message);
  process.exit(1);
};

const mode = flags['proxy-mode'] || 'userspace';
if (mode !== 'userspace') fail(`--proxy-mode "${mode}" is not supported: k8ts' kube-proxy implements only the "userspace" mode (no iptables, ipvs or nftables rules are written)`);
const healthz = /^(.*):(\d+)$/.exec(flags['healthz-bind-address']);
if (!healthz) fail(`--healthz-bind-address "${flags['healthz-bind-address']}": want IP:port`);

let servers: string[] = [];
try {
  servers = apiServersFrom({ master: flags.master, kubeconfig: flags.kubeconfig });
} catch (err) {
  fail((err as Error).message);
}
if (servers.length === 0) {
  logger.warn('Neither --kubeconfig nor --master was specified; using http://127.0.0.1:8080');
  servers = ['http://127.0.0.1:8080'];
}

const nodeName = (flags['hostname-override'] || hostname()).toLowerCase();
const client = new ApiClient({ servers, userAgent: 'kube-proxy/k8ts' });
const stop = new AbortController();
const nodeIP = isUnspecified(flags['bind-address']) ? await detectNodeIP(client, nodeName, logger, 30_000, stop.signal) : flags['bind-address'];

// As kube-proxy: Services handled by another proxy (service-proxy-name) and headless ones are not ours.
const labelSelector = '!service.kubernetes.io/service-proxy-name,!service.kubernetes.io/headless';
const informers = new InformerFactory(client, { logger });
const metrics = new ProxyMetrics();
const proxier = new UserspaceProxier({
  services: informers.informerFor(resources.services, { labelSelector }),
  endpointSlices: informers.informerFor(resources.endpointslices, { labelSelector }),
  nodeName,
  nodeIP,
  retryPeriodMs: flags['bind-retry-period'],
  logger,
  metrics,
});
proxier.start();
informers.start();

const healthHost = isUnspecified(healthz![1].replace(/^\[|\]$/g, '')) ? nodeIP : healthz![1].replace(/^\[|\]$/g, '');
const health = await startHealthServer(healthHost, Number(healthz![2]), proxier, metrics).catch((err: Error) => fail(`healthz server on ${healthHost}:${healthz![2]}: ${err.message}`));
logger.info({ mode, node: nodeName, nodeIP, healthz: health.url, servers }, 'kube-proxy started');
// A machine-readable line for launchers and tests.
console.log(`k8ts-kube-proxy serving on ${health.url} identity=${nodeName}`);

void informers.waitForCacheSync().then(() => {
  proxier.sync();
  logger.info('caches synced; serving Services');
});

let stopping = false;
const shutdown = (signal: string) => {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down');
  stop.abort();
  proxier.stop();
  informers.stop();
  health.server.close();
  health.server.closeAllConnections();
  void client.close().finally(() => process.exit(0));
};
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
