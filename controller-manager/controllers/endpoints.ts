// The endpoints controller (kube's pkg/controller/endpoint): for every Service with a selector, an
// Endpoints object of the same name listing the pods it selects, ready ones under addresses and the
// others under notReadyAddresses, grouped into subsets by the ports they serve. The Endpoints goes
// when its Service does.
import type { Endpoints, EndpointAddress, EndpointSubset, Pod, Service } from '../../shared/api/core.ts';
import { resources } from '../../shared/api/registry.ts';
import { isNotFound } from '../../shared/client/api-client.ts';
import { ResourceClient } from '../../shared/client/resource-client.ts';
import { splitKey, keyOf } from '../../shared/informer/indexer.ts';
import { objectOf, type SharedInformer } from '../../shared/informer/informer.ts';
import type { EventRecorder } from '../../shared/events.ts';
import type { Logger } from '../../shared/log.ts';
import { WorkQueue } from '../../shared/workqueue.ts';
import type { Controller, ControllerContext } from '../controller-context.ts';
import {
  findPort, headlessServiceLabel, isHeadless, isPodReady, podReference, podsOfService, serviceSelector,
  servicesForPodChange, servicesSelectingPod, shouldPodBeInEndpoints, shouldSetHostname,
} from './endpoint-pods.ts';
import { isNamespaceTerminating, semanticallyEqual } from './endpoint-writes.ts';
import { overCapacityAnnotation, repackSubsets, truncateSubsets } from './endpoints-subsets.ts';

/** Endpoints carrying this annotation are leader-election records, not a Service's (kube leaves them alone). */
const leaderAnnotation = 'control-plane.alpha.kubernetes.io/leader';

export class EndpointsController implements Controller {
  readonly name = 'endpoint';
  readonly queue = new WorkQueue<string>();
  private readonly services: SharedInformer<Service>;
  private readonly pods: SharedInformer<Pod>;
  private readonly endpoints: SharedInformer<Endpoints>;
  private readonly client: ResourceClient<Endpoints>;
  private readonly logger: Logger;
  private readonly recorder: EventRecorder;
  /**
   * The resourceVersion of each Endpoints this controller last replaced: while the cache still shows
   * it, the cache is behind our own write and must not be trusted (kube's staleEndpointsTracker).
   */
  private readonly replacedVersions = new Map<string, string>();

  constructor(ctx: ControllerContext) {
    this.logger = ctx.logger.child({ controller: this.name });
    this.recorder = ctx.recorder;
    this.client = new ResourceClient<Endpoints>(ctx.client, resources.endpoints);
    this.services = ctx.informers.informerFor(resources.services);
    this.pods = ctx.informers.informerFor(resources.pods);
    this.endpoints = ctx.informers.informerFor(resources.endpoints);

    const enqueueService = (svc: Service) => this.queue.add(keyOf(svc));
    this.services.addEventHandler({
      onAdd: enqueueService,
      onUpdate: (_old, svc) => enqueueService(svc),
      onDelete: (obj) => enqueueService(objectOf(obj)),
    });
    const enqueueAll = (keys: Iterable<string>) => { for (const k of keys) this.queue.add(k); };
    this.pods.addEventHandler({
      onAdd: (pod) => enqueueAll(servicesSelectingPod(pod, this.services)),
      onUpdate: (oldPod, pod) => enqueueAll(servicesForPodChange(oldPod, pod, this.services)),
      onDelete: (obj) => enqueueAll(servicesSelectingPod(objectOf(obj), this.services)),
    });
    // Someone deleted an Endpoints: put it back if its Service still wants one.
    this.endpoints.addEventHandler({ onDelete: (obj) => this.queue.add(keyOf(objectOf(obj))) });
  }

  /** kube's checkLeftoverEndpoints: once caches are in, every Endpoints gets checked against its Service. */
  start(): void {
    for (const ep of this.endpoints.list()) {
      if (ep.metadata.annotations?.[leaderAnnotation] === undefined) this.queue.add(keyOf(ep));
    }
  }

  async reconcile(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const svc = this.services.get(namespace, name);
    if (!svc) {
      this.replacedVersions.delete(key);
      // The Service is gone (or never was): so is its Endpoints. A hand-made leader record stays.
      const ep = this.endpoints.get(namespace, name);
      if (ep?.metadata.annotations?.[leaderAnnotation] !== undefined) return;
      try {
        await this.client.delete(namespace, name);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      return;
    }
    // Without a selector the Endpoints is written by hand; ExternalName Services have none.
    if (!serviceSelector(svc)) return;

    const current = this.endpoints.get(namespace, name);
    if (current && this.replacedVersions.get(key) === current.metadata.resourceVersion) {
      throw new Error(`Endpoints informer cache is out of date, resource version ${current.metadata.resourceVersion} already processed for endpoints ${key}`);
    }

    const subsets = repackSubsets(this.subsetsFor(svc));
    const serviceLabels = svc.metadata.labels ?? {};
    const currentLabels = { ...(current?.metadata.labels ?? {}) };
    delete currentLabels[headlessServiceLabel];
    const overCapacity = truncateSubsets(subsets);
    if (
      current &&
      semanticallyEqual(repackSubsets(current.subsets ?? []), subsets) &&
      semanticallyEqual(currentLabels, serviceLabels) &&
      (current.metadata.annotations?.[overCapacityAnnotation] !== undefined) === overCapacity &&
      (current.metadata.labels?.[headlessServiceLabel] !== undefined) === isHeadless(svc)
    ) {
      return;
    }

    const desired: Endpoints = current ? structuredClone(current) : ({ apiVersion: 'v1', kind: 'Endpoints', metadata: { name, namespace } } as Endpoints);
    const annotations = { ...(desired.metadata.annotations ?? {}) };
    if (overCapacity) annotations[overCapacityAnnotation] = 'truncated';
    else delete annotations[overCapacityAnnotation];
    desired.subsets = subsets;
    desired.metadata.annotations = annotations;
    desired.metadata.labels = { ...serviceLabels };
    if (isHeadless(svc)) desired.metadata.labels[headlessServiceLabel] = '';

    try {
      if (current) {
        const updated = await this.client.update(desired);
        // A write the server found to change nothing keeps its version: then the cache is not behind.
        if (updated.metadata.resourceVersion !== current.metadata.resourceVersion) this.replacedVersions.set(key, current.metadata.resourceVersion ?? '');
      } else {
        await this.client.create(namespace, desired);
      }
    } catch (err) {
      // Creating in a namespace being deleted is refused: nothing left to do, the namespace takes it all.
      if (!current && isNamespaceTerminating(err)) return;
      const message = (err as Error).message;
      if (current) this.recorder.event(desired, 'Warning', 'FailedToUpdateEndpoint', `Failed to update endpoint ${key}: ${message}`);
      else this.recorder.event(desired, 'Warning', 'FailedToCreateEndpoint', `Failed to create endpoint for service ${key}: ${message}`);
      throw err;
    }
  }

  /** One subset per (pod, port) pair, as kube builds them before repacking. */
  private subsetsFor(svc: Service): EndpointSubset[] {
    // publishNotReadyAddresses: every pod with an IP counts as ready, even a terminating one.
    const tolerateUnready = svc.spec.publishNotReadyAddresses === true;
    const ports = svc.spec.ports ?? [];
    const subsets: EndpointSubset[] = [];
    for (const pod of podsOfService(svc, this.pods)) {
      if (!shouldPodBeInEndpoints(pod, tolerateUnready)) continue;
      const ip = podIPv4(pod);
      if (!ip) continue;
      const address: EndpointAddress = { ip, targetRef: podReference(pod) };
      if (pod.spec.nodeName) address.nodeName = pod.spec.nodeName;
      if (shouldSetHostname(pod, svc)) address.hostname = pod.spec.hostname;
      const ready = tolerateUnready || isPodReady(pod);
      const subset = (portList: EndpointSubset['ports']): EndpointSubset =>
        ready ? { addresses: [address], ports: portList } : { notReadyAddresses: [address], ports: portList };
      if (ports.length === 0) {
        // A headless Service without ports still publishes its pods' addresses (for DNS).
        if (svc.spec.clusterIP === 'None') subsets.push(subset(undefined));
        continue;
      }
      for (const sp of ports) {
        const port = findPort(pod, sp);
        if (port === undefined) {
          this.logger.debug({ pod: keyOf(pod), port: sp.name ?? sp.port }, 'no suitable port on pod for service port');
          continue;
        }
        subsets.push(subset([{ name: sp.name, port, protocol: sp.protocol, appProtocol: sp.appProtocol }]));
      }
    }
    return subsets;
  }
}

/** The pod's IPv4 address: the family of the Services this cluster serves. */
function podIPv4(pod: Pod): string | undefined {
  const ips = [pod.status.podIP, ...(pod.status.podIPs ?? []).map((p) => p.ip)].filter((ip): ip is string => !!ip);
  return ips.find((ip) => !ip.includes(':'));
}

export const newEndpointsController = (ctx: ControllerContext): Controller => new EndpointsController(ctx);
