// kubelet: `node --import tsx kubelet/main.ts --master http://127.0.0.1:8080 --node-ip 127.1.0.1`
// runs one simulated node (or --nodes N of them) against the API server. One pods watch and one nodes
// watch serve every node of the process; each node prints
// "k8ts-kubelet serving on http://<node-ip>:<port> identity=<node>" once its server listens.
import { resources } from '../shared/api/registry.ts';
import { ApiClient } from '../shared/client/api-client.ts';
import { apiServersFrom } from '../shared/client/kubeconfig.ts';
import { ResourceClient, type ObjectOf } from '../shared/client/resource-client.ts';
import { parseFlags } from '../shared/flags.ts';
import { InformerFactory } from '../shared/informer/factory.ts';
import { objectOf } from '../shared/informer/informer.ts';
import { createLogger } from '../shared/log.ts';
import { kubeletFlags, nodeConfigsFrom } from './flags.ts';
import { Kubelet } from './kubelet.ts';
import { startNetworkPlugin } from './network/host-gw.ts';
import { KUBELET_VERSION } from './node/node-object.ts';
import { PodStatusManager } from './pod/status-manager.ts';

type Pod = ObjectOf<typeof resources.pods>;

function fail(message: string): never {
  console.error(`Error: ${message}`);
  process.exit(1);
}

let flags;
let configs;
let servers: string[];
try {
  flags = parseFlags(kubeletFlags, process.argv.slice(2), 'kubelet');
  configs = nodeConfigsFrom(flags);
  servers = apiServersFrom({ master: flags.master, kubeconfig: flags.kubeconfig });
  new RegExp(flags['image-pull-failure-pattern']);
} catch (err) {
  fail((err as Error).message);
}
const logger = createLogger('kubelet');
if (servers.length === 0) {
  logger.warn('Neither --kubeconfig nor --master was specified; using http://127.0.0.1:8080');
  servers = ['http://127.0.0.1:8080'];
}

const client = new ApiClient({ servers, userAgent: `kubelet/${KUBELET_VERSION}`, connectionsPerServer: 32 });
const podsApi = new ResourceClient<Pod>(client, resources.pods);
const informers = new InformerFactory(client, { logger });
const single = configs.length === 1 ? configs[0].identity.name : undefined;
// One node watches its own pods; a process of many nodes watches all scheduled pods once and routes them.
const podInformer = informers.informerFor(resources.pods, {
  fieldSelector: single ? `spec.nodeName=${single}` : 'spec.nodeName!=',
  indexers: { nodeName: (p) => [p.spec?.nodeName ?? ''] },
});
const nodeInformer = informers.informerFor(resources.nodes, single ? { fieldSelector: `metadata.name=${single}` } : {});

const status = new PodStatusManager(podsApi, logger, (ns, name) => podInformer.get(ns, name));
const kubelets = new Map<string, Kubelet>();
for (const config of configs) {
  kubelets.set(config.identity.name, new Kubelet(config, {
    client,
    pods: podsApi,
    nodes: new ResourceClient(client, resources.nodes),
    leases: new ResourceClient(client, resources.leases),
    status,
    podLookup: (ns, name) => podInformer.get(ns, name),
    podsOnNode: (node) => podInformer.byIndex('nodeName', node),
    nodeLookup: (name) => nodeInformer.get('', name),
    logger,
    settings: { backOffInitialMs: flags['container-restart-backoff'], backOffMaxMs: flags['container-restart-backoff-max'] },
    images: { pullDurationMs: flags['image-pull-duration'], failurePattern: flags['image-pull-failure-pattern'] ? new RegExp(flags['image-pull-failure-pattern']) : undefined, knownImages: flags['known-images'] },
    maxPods: flags['max-pods'],
    leaseDurationSeconds: flags['node-lease-duration-seconds'],
    leaseRenewIntervalMs: flags['node-lease-renew-interval'],
    statusUpdateFrequencyMs: flags['node-status-update-frequency'],
    statusReportFrequencyMs: flags['node-status-report-frequency'],
    fileCheckFrequencyMs: flags['file-check-frequency'],
  }));
}

const kubeletOf = (pod: Pod) => kubelets.get(pod.spec?.nodeName ?? '');
podInformer.addEventHandler({
  onAdd: (pod) => kubeletOf(pod)?.podChanged(pod),
  onUpdate: (_old, pod) => kubeletOf(pod)?.podChanged(pod),
  onDelete: (obj) => {
    const pod = objectOf(obj);
    kubeletOf(pod)?.podDeleted(pod);
  },
});
nodeInformer.addEventHandler({
  onAdd: (node) => kubelets.get(node.metadata.name ?? '')?.nodeObserved(node),
  onUpdate: (_old, node) => kubelets.get(node.metadata.name ?? '')?.nodeObserved(node),
});

try {
  await Promise.all([...kubelets.values()].map((k) => k.start()));
} catch (err) {
  fail(`cannot serve: ${(err as Error).message}`);
}
// --network-plugin=host-gw (the compose cluster): routes between the nodes' podCIDRs; the default does nothing.
let stopNetwork: () => void = () => undefined;
try {
  stopNetwork = startNetworkPlugin(flags['network-plugin'], { informers, nodeNames: [...kubelets.keys()], logger });
} catch (err) {
  fail((err as Error).message);
}
status.start(flags['status-workers']);
informers.start();
for (const k of kubelets.values()) console.log(`k8ts-kubelet serving on ${k.url} identity=${k.name}`);
logger.info({ nodes: kubelets.size, servers }, 'kubelet started');

let stopping = false;
const shutdown = async () => {
  if (stopping) return;
  stopping = true;
  informers.stop();
  stopNetwork();
  status.stop();
  await Promise.all([...kubelets.values()].map((k) => k.stop()));
  process.exit(0);
};
process.on('SIGTERM', () => void shutdown());
process.on('SIGINT', () => void shutdown());
