// A real API server plus controllers running in the test process (real HTTP, real informers), for
// the endpoints, EndpointSlice, garbage collector and namespace controller tests. The test plays the
// parts nobody runs here: the kubelet (pod IPs, readiness, finishing graceful deletion).
import type { ApiClient } from '../../shared/client/api-client.ts';
import type { InformerFactory } from '../../shared/informer/factory.ts';
import { resources } from '../../shared/api/registry.ts';
import type { ContainerPort, Pod } from '../../shared/api/core.ts';
import type { Controller, ControllerContext, ControllerFactory } from '../../controller-manager/controller-context.ts';
import { startApiServer } from '../helpers/apiserver.ts';
import { ControllerTestCluster } from './controller-harness.ts';

export interface RunOptions {
  workers?: number;
  /** Builds the informer factory the controllers get (to hold some informers back, say). */
  informers?: (client: ApiClient) => InformerFactory;
}

export class TestCluster extends ControllerTestCluster {
  static async start(): Promise<TestCluster> {
    return new TestCluster(await startApiServer(), 'controller-test', 15_000);
  }

  /** Builds controllers from one context, starts their informers and workers once the caches are in. */
  async run(factories: ControllerFactory[], options: RunOptions = {}): Promise<{ controllers: Controller[]; ctx: ControllerContext }> {
    const { controllers, ctx } = await this.runControllers(factories, { informers: options.informers, settings: { workers: options.workers ?? 2 } });
    return { controllers, ctx };
  }

  // --- playing the kubelet ----------------------------------------------------------------------

  async createPod(namespace: string, name: string, labels: Record<string, string>, options: { ports?: Partial<ContainerPort>[]; nodeName?: string; ownerReferences?: unknown[] } = {}): Promise<Pod> {
    return this.api(resources.pods).create(namespace, {
      metadata: { name, labels, ownerReferences: options.ownerReferences },
      spec: { nodeName: options.nodeName, containers: [{ name: 'app', image: 'nginx', ports: options.ports }] },
    } as unknown as Pod);
  }

  /** What the kubelet reports: the pod runs at `ip`, Ready or not. */
  async setPodStatus(namespace: string, name: string, ip: string, ready: boolean): Promise<Pod> {
    const status = { phase: 'Running', podIP: ip, podIPs: [{ ip }], conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] };
    return this.api(resources.pods).patch(namespace, name, { status }, 'merge', 'status');
  }

  /** The kubelet's last word on a terminating pod: delete it for good. */
  async finishPodDeletion(namespace: string, name: string): Promise<void> {
    await this.api(resources.pods).delete(namespace, name, { gracePeriodSeconds: 0 });
  }
}
