// kube-apiserver for k8ts: flags in, server out.
import { parseFlags } from '../shared/flags.ts';
import { createLogger } from '../shared/log.ts';
import { createApiServer } from './server.ts';
import { openBackend } from './storage/open-backend.ts';
import { startCompactor } from './storage/compactor.ts';
import { EtcdBackend } from './storage/etcd-backend.ts';
import { startEtcdCompactor } from './storage/etcd-compactor.ts';
import { watchSettings } from './watch/settings.ts';

const flags = parseFlags({
  'bind-address': { type: 'string', default: '127.0.0.1', help: 'The IP address on which to listen.' },
  port: { type: 'number', default: 8080, help: 'The port on which to serve HTTP (0 picks a free one and prints it).' },
  'data-dir': { type: 'string', default: '.data/apiserver', help: 'Where the embedded store keeps its files.' },
  'storage-backend': { type: 'string', default: 'embedded', help: 'The storage backend: embedded (lmdb, the default) or etcd3.' },
  'etcd-servers': { type: 'list', default: [], help: 'List of etcd servers to connect with (scheme://ip:port), comma separated (for --storage-backend=etcd3).' },
  'etcd-prefix': { type: 'string', default: '', help: 'The prefix to prepend to all resource paths in etcd (our paths already start with /registry).' },
  'etcd-compaction-interval': { type: 'duration', default: '5m', help: 'How often history is compacted; resuming a watch works from any revision within this window. 0 disables.' },
  'watch-cache-size': { type: 'number', default: 10000, help: 'Recent events kept per resource type for resuming watches without reading the store.' },
  'create-worker-threads': { type: 'number', default: 1, help: 'k8ts: worker threads that decode, default and validate create bodies beside the request thread (0: none).' },
  'min-request-timeout': { type: 'number', default: 1800, help: 'Seconds a watch lasts at least when the client sets no timeoutSeconds (it gets up to twice this).' },
  'watch-bookmark-interval': { type: 'duration', default: '1m', help: 'How often watches that allow bookmarks receive one.' },
  'max-request-body-bytes': { type: 'number', default: 3 * 1024 * 1024, help: 'Largest request body accepted (413 beyond).' },
  'default-not-ready-toleration-seconds': { type: 'number', default: 300, help: 'tolerationSeconds of the not-ready toleration added to every pod.' },
  'default-unreachable-toleration-seconds': { type: 'number', default: 300, help: 'tolerationSeconds of the unreachable toleration added to every pod.' },
  'service-cluster-ip-range': { type: 'string', default: '127.96.0.0/12', help: 'A CIDR notation IP range from which to assign service cluster IPs (k8ts: on loopback, so kube-proxy can bind them locally).' },
  'service-node-port-range': { type: 'string', default: '30000-32767', help: 'A port range to reserve for services with NodePort visibility, e.g. 30000-32767. Inclusive at both ends of the range.' },
}, process.argv.slice(2), 'kube-apiserver');

const logger = createLogger('kube-apiserver');
watchSettings.minRequestTimeoutMs = flags['min-request-timeout'] * 1000;
watchSettings.bookmarkIntervalMs = flags['watch-bookmark-interval'];

const backend = await openBackend(flags['storage-backend'], { dataDir: flags['data-dir'], logger, etcdServers: flags['etcd-servers'], etcdPrefix: flags['etcd-prefix'] });
const server = await createApiServer({
  backend,
  logger,
  maxRequestBodyBytes: flags['max-request-body-bytes'],
  watchCacheSize: flags['watch-cache-size'],
  createWorkerThreads: flags['create-worker-threads'],
  defaultNotReadyTolerationSeconds: flags['default-not-ready-toleration-seconds'],
  defaultUnreachableTolerationSeconds: flags['default-unreachable-toleration-seconds'],
  serviceClusterIPRange: flags['service-cluster-ip-range'],
  serviceNodePortRange: flags['service-node-port-range'],
});
// On etcd, several API servers may share the store: they take turns through compact_rev_key, as kube's do.
const stopCompactor = backend instanceof EtcdBackend
  ? startEtcdCompactor(backend, flags['etcd-compaction-interval'], logger)
  : startCompactor(backend, flags['etcd-compaction-interval'], logger);
const address = await server.app.listen({ host: flags['bind-address'], port: flags.port });
logger.info({ address, storage: flags['storage-backend'], revision: backend.currentRevision() }, 'serving');
// A machine-readable line for launchers and tests that start us on port 0.
console.log(`k8ts-apiserver listening on ${address}`);

let stopping = false;
const shutdown = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down');
  stopCompactor();
  await server.close();
  await backend.close();
  process.exit(0);
};
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
