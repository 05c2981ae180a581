// Emptying a terminating namespace (kube's pkg/controller/namespace/deletion): every namespaced kind
// is deleted as a collection, then listed to see what is left. Pods on nodes take their grace period
// and objects with finalizers wait for whoever owns the finalizer; what is left comes back as an
// estimate of how long to wait, and the namespace's status conditions say what remains.
import type { Namespace, Pod } from '../../shared/api/core.ts';
import { resources, resourceTypes } from '../../shared/api/registry.ts';
import type { ResourceType } from '../../shared/api/resource-type.ts';
import type { ApiClient } from '../../shared/client/api-client.ts';
import { ResourceClient } from '../../shared/client/resource-client.ts';
import { isNotFound } from '../../shared/client/api-client.ts';

type NamespaceConditionT = NonNullable<Namespace['status']['conditions']>[number];
interface Meta { metadata?: { name?: string; finalizers?: string[] } }

/** The estimate kube assumes for objects waiting on finalizers. */
const finalizerEstimateSeconds = 15;

/** The conditions kube's namespace deleter keeps, and what each says when all is well. */
const okConditions: Record<string, { reason: string; message: string }> = {
  NamespaceDeletionDiscoveryFailure: { reason: 'ResourcesDiscovered', message: 'All resources successfully discovered' },
  NamespaceDeletionGroupVersionParsingFailure: { reason: 'ParsedGroupVersions', message: 'All legacy kube types successfully parsed' },
  NamespaceDeletionContentFailure: { reason: 'ContentDeleted', message: 'All content successfully deleted, may be waiting on finalization' },
  NamespaceContentRemaining: { reason: 'ContentRemoved', message: 'All content successfully removed' },
  NamespaceFinalizersRemaining: { reason: 'ContentRemoved', message: 'All content successfully removed' },
};

export interface ContentResult {
  /** Seconds until what remains is expected to be gone; 0 when nothing remains. */
  estimateSeconds: number;
  /** Objects left, by resource (e.g. `pods.` for core pods, as kube prints `resource.group`). */
  remaining: Map<string, number>;
  /** Objects left waiting on each finalizer. */
  finalizers: Map<string, number>;
  errors: string[];
}

export class NamespaceContentDeleter {
  constructor(private readonly client: ApiClient) {}

  private resource(type: ResourceType): ResourceClient<Meta> {
    return new ResourceClient<Meta>(this.client, type);
  }

  /** deleteAllContent: one pass over every namespaced kind. */
  async deleteAllContent(ns: Namespace): Promise<ContentResult> {
    const result: ContentResult = { estimateSeconds: 0, remaining: new Map(), finalizers: new Map(), errors: [] };
    const deletedAt = Date.parse(ns.metadata.deletionTimestamp ?? '') || Date.now();
    const name = ns.metadata.name!;
    for (const type of resourceTypes.filter((t) => t.namespaced)) {
      const rc = this.resource(type);
      try {
        const estimate = type === resources.pods ? await this.podGraceEstimate(name, deletedAt) : 0;
        // The namespace controller deletes generically: dependents are the garbage collector's, in the background.
        await this.client.request('DELETE', rc.path(name), { body: { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background' } });
        const left = (await rc.list(name)).items;
        if (left.length === 0) continue;
        result.remaining.set(`${type.plural}.${type.group}`, left.length);
        let withFinalizers = 0;
        for (const obj of left) {
          for (const f of obj.metadata?.finalizers ?? []) result.finalizers.set(f, (result.finalizers.get(f) ?? 0) + 1);
          if (obj.metadata?.finalizers?.length) withFinalizers++;
        }
        if (estimate > 0) result.estimateSeconds = Math.max(result.estimateSeconds, estimate);
        else if (withFinalizers > 0) result.estimateSeconds = Math.max(result.estimateSeconds, finalizerEstimateSeconds);
        else result.errors.push(`unexpected items still remain in namespace: ${name} for gvr: ${type.group}/${type.version}, Resource=${type.plural}`);
      } catch (err) {
        if (isNotFound(err)) continue;
        result.errors.push(`failed to delete ${type.plural}.${type.group}: ${(err as Error).message}`);
      }
    }
    return result;
  }

  /**
   * estimateGracefulTerminationForPods: the longest grace period among the pods still running, as long
   * as the namespace has not been terminating that long already.
   */
  private async podGraceEstimate(namespace: string, deletedAt: number): Promise<number> {
    const pods = (await new ResourceClient<Pod>(this.client, resources.pods).list(namespace)).items;
    let estimate = 0;
    for (const pod of pods) {
      if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') continue;
      estimate = Math.max(estimate, pod.spec?.terminationGracePeriodSeconds ?? 0);
    }
    return Date.now() - deletedAt >= estimate * 1000 ? 0 : estimate;
  }

  /** The deleter's conditions for this pass, or undefined when the namespace already says exactly that. */
  conditionsFor(ns: Namespace, result: ContentResult): NamespaceConditionT[] | undefined {
    const failing: Record<string, { reason: string; message: string }> = {};
    if (result.errors.length) {
      const msgs = [...result.errors].sort();
      failing.NamespaceDeletionContentFailure = { reason: 'ContentDeletionFailed', message: `Failed to delete all resource types, ${msgs.length} remaining: ${msgs.join(', ')}` };
    }
    const remaining = [...result.remaining].map(([r, n]) => `${r} has ${n} resource instances`).sort();
    if (remaining.length) failing.NamespaceContentRemaining = { reason: 'SomeResourcesRemain', message: `Some resources are remaining: ${remaining.join(', ')}` };
    const byFinalizer = [...result.finalizers].map(([f, n]) => `${f} in ${n} resource instances`).sort();
    if (byFinalizer.length) failing.NamespaceFinalizersRemaining = { reason: 'SomeFinalizerRemain', message: `Some finalizers are remaining: ${byFinalizer.join(', ')}` };

    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const conditions: NamespaceConditionT[] = structuredClone(ns.status.conditions ?? []);
    let changed = false;
    for (const [type, ok] of Object.entries(okConditions)) {
      const want = failing[type] ? { status: 'True' as const, ...failing[type] } : { status: 'False' as const, ...ok };
      const have = conditions.find((c) => c.type === type);
      if (!have) {
        conditions.push({ type, ...want, lastTransitionTime: now });
        changed = true;
      } else if (have.status !== want.status || have.reason !== want.reason || have.message !== want.message) {
        if (have.status !== want.status) have.lastTransitionTime = now;
        Object.assign(have, want);
        changed = true;
      }
    }
    return changed ? conditions : undefined;
  }
}
