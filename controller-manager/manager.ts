// What kube-controller-manager does once it leads: pick the controllers --controllers enables, build
// each from the shared ControllerContext, start the shared informers, wait for their caches, then run
// every controller's workers (and its own timers) until the signal aborts.
import { runWorkers } from '../shared/controller.ts';
import type { Controller, ControllerContext, ControllerFactory, ControllerManagerSettings } from './controller-context.ts';

/** Controllers kube leaves off unless named explicitly. */
export const DISABLED_BY_DEFAULT = new Set(['bootstrap-signer-controller', 'token-cleaner-controller']);

/**
 * kube's controller names since 1.28 and the older short names it still accepts as aliases; both
 * sides (the registry's keys and --controllers) are compared through this map.
 */
const SHORT_NAMES: Record<string, string> = {
  'bootstrap-signer-controller': 'bootstrapsigner',
  'token-cleaner-controller': 'tokencleaner',
  'cronjob-controller': 'cronjob',
  'daemonset-controller': 'daemonset',
  'deployment-controller': 'deployment',
  'disruption-controller': 'disruption',
  'endpoints-controller': 'endpoint',
  'endpointslice-controller': 'endpointslice',
  'endpointslice-mirroring-controller': 'endpointslicemirroring',
  'garbage-collector-controller': 'garbagecollector',
  'horizontal-pod-autoscaler-controller': 'horizontalpodautoscaling',
  'job-controller': 'job',
  'namespace-controller': 'namespace',
  'node-ipam-controller': 'nodeipam',
  'node-lifecycle-controller': 'nodelifecycle',
  'pod-garbage-collector-controller': 'podgc',
  'replicaset-controller': 'replicaset',
  'replicationcontroller-controller': 'replicationcontroller',
  'resourcequota-controller': 'resourcequota',
  'serviceaccount-controller': 'serviceaccount',
  'serviceaccount-token-controller': 'serviceaccount-token',
  'statefulset-controller': 'statefulset',
  'ttl-after-finished-controller': 'ttl-after-finished',
  'ttl-controller': 'ttl',
};
const canonical = (name: string) => SHORT_NAMES[name] ?? name;
const disabledByDefault = new Set([...DISABLED_BY_DEFAULT].map(canonical));

/** kube's --concurrent-*-syncs flags: how many workers each controller runs, with kube's defaults. */
export const CONCURRENCY_FLAGS: Record<string, { flag: string; default: number }> = {
  cronjob: { flag: 'concurrent-cron-job-syncs', default: 5 },
  daemonset: { flag: 'concurrent-daemonset-syncs', default: 2 },
  deployment: { flag: 'concurrent-deployment-syncs', default: 5 },
  endpoint: { flag: 'concurrent-endpoint-syncs', default: 5 },
  endpointslice: { flag: 'concurrent-service-endpoint-syncs', default: 5 },
  garbagecollector: { flag: 'concurrent-gc-syncs', default: 20 },
  horizontalpodautoscaling: { flag: 'concurrent-horizontal-pod-autoscaler-syncs', default: 5 },
  job: { flag: 'concurrent-job-syncs', default: 5 },
  namespace: { flag: 'concurrent-namespace-syncs', default: 10 },
  replicaset: { flag: 'concurrent-replicaset-syncs', default: 5 },
  replicationcontroller: { flag: 'concurrent-rc-syncs', default: 5 },
  resourcequota: { flag: 'concurrent-resource-quota-syncs', default: 5 },
  'serviceaccount-token': { flag: 'concurrent-serviceaccount-token-syncs', default: 5 },
  statefulset: { flag: 'concurrent-statefulset-syncs', default: 5 },
  'ttl-after-finished': { flag: 'concurrent-ttl-after-finished-syncs', default: 5 },
};

/** The workers flag of a controller (by registry name), if kube has one. */
export const concurrencyFlagOf = (name: string) => CONCURRENCY_FLAGS[canonical(name)];

/**
 * The registered controllers `--controllers` enables, in registry order. kube's rules: the first entry
 * naming a controller decides ('foo' on, '-foo' off); otherwise '*' turns on all but the
 * disabled-by-default ones; without '*' nothing else runs. An unknown name is an error.
 */
export function enabledControllers(selection: string[], known: string[]): string[] {
  const knownCanonical = new Set(known.map(canonical));
  for (const entry of selection) {
    const name = entry.startsWith('-') ? entry.slice(1) : entry;
    if (entry !== '*' && !knownCanonical.has(canonical(name))) {
      throw new Error(`--controllers: "${entry}" is not in the list of known controllers: ${known.join(', ') || '(none)'}`);
    }
  }
  return known.filter((name) => {
    const id = canonical(name);
    let star = false;
    for (const entry of selection) {
      if (entry === '*') star = true;
      else if (entry.startsWith('-') && canonical(entry.slice(1)) === id) return false;
      else if (canonical(entry) === id) return true;
    }
    return star && !disabledByDefault.has(id);
  });
}

const aborted = (signal: AbortSignal) => new Promise<void>((resolve) => {
  if (signal.aborted) resolve();
  else signal.addEventListener('abort', () => resolve(), { once: true });
});

export interface RunControllersOptions {
  factories: Record<string, ControllerFactory>;
  names: string[];
  settings: ControllerManagerSettings;
  /** Workers for one controller (its --concurrent-*-syncs); also what it sees as settings.workers. */
  workersFor(name: string): number;
}

/** Builds and runs the named controllers until `signal` aborts; resolves once their workers stopped. */
export async function runControllers(base: Omit<ControllerContext, 'settings'>, options: RunControllersOptions, signal: AbortSignal): Promise<void> {
  const { logger, informers } = base;
  const running: { name: string; workers: number; controller: Controller }[] = options.names.map((name) => {
    const workers = options.workersFor(name);
    // Built before informers start, so every informer a controller asks for is listed and watched.
    return { name, workers, controller: options.factories[name]({ ...base, settings: { ...options.settings, workers } }) };
  });
  logger.info({ controllers: options.names }, 'starting controllers');
  informers.start();
  await Promise.race([informers.waitForCacheSync(), aborted(signal)]);
  if (signal.aborted) return;
  logger.info('caches synced');
  const loops = running.map(({ name, workers, controller }) => {
    const done = runWorkers(controller, { workers, logger: logger.child({ controller: name }) });
    controller.start?.(signal);
    logger.info({ controller: name, workers }, 'started controller');
    return done;
  });
  await aborted(signal);
  for (const { controller } of running) controller.queue.shutDown();
  await Promise.all(loops);
}
