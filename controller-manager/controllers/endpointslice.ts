// The EndpointSlice controller (kube's pkg/controller/endpointslice): for every Service with a
// selector, EndpointSlices (IPv4, at most 100 endpoints each) owned by the Service and listing the
// pods it selects with their ready/serving/terminating conditions. Slices are updated in place and
// surplus ones deleted; when the Service goes, the garbage collector removes its slices (they are
// owned by it), as in kube.
import type { Node, Pod, Service } from '../../shared/api/core.ts';
import type { EndpointSlice } from '../../shared/api/discovery.ts';
import { resources } from '../../shared/api/registry.ts';
import { isNotFound } from '../../shared/client/api-client.ts';
import { ResourceClient } from '../../shared/client/resource-client.ts';
import type { EventRecorder } from '../../shared/events.ts';
import { keyOf, splitKey } from '../../shared/informer/indexer.ts';
import { objectOf, type SharedInformer } from '../../shared/informer/informer.ts';
import { WorkQueue } from '../../shared/workqueue.ts';
import type { Controller, ControllerContext } from '../controller-context.ts';
import { podsOfService, serviceSelector, servicesForPodChange, servicesSelectingPod } from './endpoint-pods.ts';
import { isNamespaceTerminating } from './endpoint-writes.ts';
import { controllerName, defaultMaxEndpointsPerSlice, managedByLabel, planSlices, serviceNameLabel, type SlicePlan } from './endpointslice-plan.ts';
import { SliceExpectations } from './endpointslice-expectations.ts';

const zoneLabel = 'topology.kubernetes.io/zone';
const staleRecheckMs = 1000;

export class EndpointSliceController implements Controller {
  readonly name = 'endpointslice';
  readonly queue = new WorkQueue<string>();
  private readonly services: SharedInformer<Service>;
  private readonly pods: SharedInformer<Pod>;
  private readonly slices: SharedInformer<EndpointSlice>;
  private readonly nodes: SharedInformer<Node>;
  private readonly client: ResourceClient<EndpointSlice>;
  private readonly expectations = new SliceExpectations();
  private readonly recorder: EventRecorder;

  constructor(ctx: ControllerContext, private readonly maxEndpointsPerSlice = defaultMaxEndpointsPerSlice) {
    this.recorder = ctx.recorder;
    this.client = new ResourceClient<EndpointSlice>(ctx.client, resources.endpointslices);
    this.services = ctx.informers.informerFor(resources.services);
    this.pods = ctx.informers.informerFor(resources.pods);
    this.nodes = ctx.informers.informerFor(resources.nodes);
    // No indexer of our own: the informer is shared, and whoever asks for it first decides its indexers.
    this.slices = ctx.informers.informerFor(resources.endpointslices);

    const enqueueService = (svc: Service) => this.queue.add(keyOf(svc));
    this.services.addEventHandler({
      onAdd: enqueueService,
      onUpdate: (_old, svc) => enqueueService(svc),
      onDelete: (obj) => {
        const svc = objectOf(obj);
        this.expectations.forget(keyOf(svc));
        enqueueService(svc);
      },
    });
    const enqueueAll = (keys: Iterable<string>) => { for (const k of keys) this.queue.add(k); };
    this.pods.addEventHandler({
      onAdd: (pod) => enqueueAll(servicesSelectingPod(pod, this.services)),
      onUpdate: (oldPod, pod) => enqueueAll(servicesForPodChange(oldPod, pod, this.services)),
      onDelete: (obj) => enqueueAll(servicesSelectingPod(objectOf(obj), this.services)),
    });
    // A slice changed by someone else (or deleted) gets put right; our own writes come back as no-ops.
    const enqueueOwner = (slice: EndpointSlice) => {
      if (isOurs(slice)) this.queue.add(`${slice.metadata.namespace}/${slice.metadata.labels![serviceNameLabel]}`);
    };
    this.slices.addEventHandler({
      onAdd: enqueueOwner,
      onUpdate: (_old, slice) => enqueueOwner(slice),
      onDelete: (obj) => enqueueOwner(objectOf(obj)),
    });
  }

  async reconcile(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const svc = this.services.get(namespace, name);
    // A deleted Service's slices are owned by it: the garbage collector takes them.
    if (!svc || !serviceSelector(svc)) return;

    // Our slices of this Service; those already being deleted are past changing.
    const existing = this.slices.list(namespace).filter((s) =>
      isOurs(s) && s.metadata.labels![serviceNameLabel] === name && s.metadata.deletionTimestamp === undefined);
    if (this.expectations.stale(key, this.slices)) {
      // The watch event that brings the cache up to date queues this Service again; the timer is a backstop.
      this.queue.addAfter(key, staleRecheckMs);
      return;
    }
    const zoneOf = (node: string) => this.nodes.get('', node)?.metadata.labels?.[zoneLabel];
    const plan = planSlices(svc, podsOfService(svc, this.pods), existing, zoneOf, this.maxEndpointsPerSlice);

    try {
      await this.apply(key, plan);
    } catch (err) {
      // Nothing can be created in a namespace being deleted, and nothing needs to be.
      if (isNamespaceTerminating(err)) return;
      this.recorder.event(svc, 'Warning', 'FailedToUpdateEndpointSlices', `Error updating Endpoint Slices for Service ${key}: ${(err as Error).message}`);
      throw err;
    }
  }

  private async apply(key: string, plan: SlicePlan): Promise<void> {
    const { namespace } = splitKey(key);
    // Creates first, so that a Service never shows fewer endpoints than it has mid-way.
    for (const slice of plan.create) {
      const created = await this.client.create(namespace, slice);
      this.expectations.created(key, created);
    }
    for (const slice of plan.update) {
      const updated = await this.client.update(slice);
      // A write the server found to change nothing keeps its version: the cache is not behind then.
      if (updated.metadata.resourceVersion !== slice.metadata.resourceVersion) this.expectations.replaced(key, slice);
    }
    for (const slice of plan.delete) {
      try {
        await this.client.delete(namespace, slice.metadata.name!, { preconditions: { uid: slice.metadata.uid } });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      this.expectations.deleted(key, slice);
    }
  }
}

const isOurs = (slice: EndpointSlice) =>
  slice.metadata.labels?.[managedByLabel] === controllerName && !!slice.metadata.labels?.[serviceNameLabel];

export const newEndpointSliceController = (ctx: ControllerContext): Controller => new EndpointSliceController(ctx);
