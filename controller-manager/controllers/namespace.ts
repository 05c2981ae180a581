// The namespace controller (kube's pkg/controller/namespace): a namespace being deleted (Terminating)
// is emptied of every namespaced object; once nothing is left, its "kubernetes" finalizer is removed
// through the finalize subresource and the API server deletes the namespace.
import type { Namespace, Pod } from '../../shared/api/core.ts';
import { kubernetesFinalizer } from '../../shared/api/namespace.ts';
import { resources } from '../../shared/api/registry.ts';
import { isConflict, isNotFound, type ApiClient } from '../../shared/client/api-client.ts';
import { ResourceClient } from '../../shared/client/resource-client.ts';
import { objectOf, type SharedInformer } from '../../shared/informer/informer.ts';
import type { Logger } from '../../shared/log.ts';
import { WorkQueue } from '../../shared/workqueue.ts';
import type { Controller, ControllerContext } from '../controller-context.ts';
import { NamespaceContentDeleter } from './namespace-deleter.ts';

// kube's namespace queue: 5 ms doubling to 60 s, and a namespace is never given up on.
const baseRetryMs = 5;
const maxRetryMs = 60_000;

export class NamespaceController implements Controller {
  readonly name = 'namespace';
  readonly queue = new WorkQueue<string>();
  private readonly namespaces: SharedInformer<Namespace>;
  private readonly client: ResourceClient<Namespace>;
  private readonly deleter: NamespaceContentDeleter;
  private readonly failures = new Map<string, number>();
  private readonly logger: Logger;
  private readonly api: ApiClient;

  constructor(ctx: ControllerContext) {
    this.api = ctx.client;
    this.logger = ctx.logger.child({ controller: this.name });
    this.client = new ResourceClient<Namespace>(ctx.client, resources.namespaces);
    this.deleter = new NamespaceContentDeleter(ctx.client);
    this.namespaces = ctx.informers.informerFor(resources.namespaces);
    const enqueueIfDeleting = (ns: Namespace) => {
      if (ns.metadata.deletionTimestamp !== undefined) this.queue.add(ns.metadata.name!);
    };
    this.namespaces.addEventHandler({ onAdd: enqueueIfDeleting, onUpdate: (_old, ns) => enqueueIfDeleting(ns) });
    // Pods are what a namespace usually waits for (their grace period): look again as soon as one goes,
    // rather than only when the estimate runs out.
    const pods: SharedInformer<Pod> = ctx.informers.informerFor(resources.pods);
    pods.addEventHandler({
      onDelete: (obj) => {
        const ns = this.namespaces.get('', objectOf(obj).metadata.namespace ?? '');
        if (ns) enqueueIfDeleting(ns);
      },
    });
  }

  async reconcile(name: string): Promise<void> {
    try {
      await this.sync(name);
      this.failures.delete(name);
    } catch (err) {
      // Retried here rather than by the worker loop, which gives up on a key after a while.
      const n = this.failures.get(name) ?? 0;
      this.failures.set(name, n + 1);
      this.logger.info({ namespace: name, err: (err as Error).message }, 'namespace deletion not finished; retrying');
      this.queue.addAfter(name, Math.min(baseRetryMs * 2 ** n, maxRetryMs));
    }
  }

  private async sync(name: string): Promise<void> {
    // Several parties change a terminating namespace: work from the server's copy, not the cache's.
    let ns: Namespace;
    try {
      ns = await this.client.get('', name);
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    if (ns.metadata.deletionTimestamp === undefined) return;
    if (ns.status.phase !== 'Terminating') ns = await this.client.updateStatus({ ...ns, status: { ...ns.status, phase: 'Terminating' } });
    if (!(ns.spec.finalizers ?? []).includes(kubernetesFinalizer)) return;

    const result = await this.deleter.deleteAllContent(ns);
    const conditions = this.deleter.conditionsFor(ns, result);
    if (conditions) {
      try {
        ns = await this.client.updateStatus({ ...ns, status: { ...ns.status, conditions } });
      } catch (err) {
        this.logger.debug({ namespace: name, err: (err as Error).message }, 'could not update namespace conditions');
      }
    }
    if (result.errors.length) throw new Error(result.errors.join('; '));
    if (result.estimateSeconds > 0) {
      // kube looks again after half the estimate (plus a second).
      this.queue.addAfter(name, (result.estimateSeconds / 2 + 1) * 1000);
      return;
    }
    await this.finalize(ns);
  }

  /** Removes our finalizer through /finalize; the API server deletes the namespace once none is left. */
  private async finalize(ns: Namespace): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const finalizers = (ns.spec.finalizers ?? []).filter((f) => f !== kubernetesFinalizer);
      try {
        const body = { ...ns, spec: { ...ns.spec, finalizers } };
        await this.api.request('PUT', this.client.path('', ns.metadata.name!, 'finalize'), { body });
        return;
      } catch (err) {
        if (isNotFound(err)) return;
        if (!isConflict(err) || attempt >= 5) throw err;
      }
      const latest = await this.client.get('', ns.metadata.name!);
      if (latest.metadata.uid !== ns.metadata.uid) return;
      ns = latest;
    }
  }
}

export const newNamespaceController = (ctx: ControllerContext): Controller => new NamespaceController(ctx);
