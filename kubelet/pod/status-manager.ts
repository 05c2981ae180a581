// The kubelet's status manager: keeps the latest status of every pod and writes it to the API
// (pods/status, strategic merge patch: conditions merge by type, so others' conditions stay) only
// when it changed, retrying with back-off while the API server is away. When the API's copy is seen
// to disagree (someone else wrote it, e.g. the node lifecycle controller marking pods not ready), it
// writes again. A pod that finished terminating is deleted (grace 0, uid precondition) once its final
// status is written, which is what lets the API server remove a gracefully deleted pod.
import type { Pod, PodStatus } from '../../shared/api/pod.ts';
import { isConflict, isNotFound } from '../../shared/client/api-client.ts';
import type { ResourceClient } from '../../shared/client/resource-client.ts';
import type { Logger } from '../../shared/log.ts';
import { WorkQueue } from '../../shared/workqueue.ts';

export interface StatusTarget {
  namespace: string;
  name: string;
  uid: string;
}

interface Entry {
  /** The API object to write to; undefined while it does not exist (a mirror pod not yet created). */
  target: () => StatusTarget | undefined;
  status: PodStatus;
  json: string;
  written?: string;
  /** The uid of the object `written` went to (a mirror pod can be replaced by a new one). */
  writtenTo?: string;
  writtenRevision: number;
  deleteWhenWritten: boolean;
  deleted: boolean;
}

/** Do the API's status and ours agree on what matters? (Extra fields the server defaults do not count.) */
function agrees(api: PodStatus | undefined, ours: PodStatus): boolean {
  if (!api || api.phase !== ours.phase || api.podIP !== ours.podIP) return false;
  for (const c of ours.conditions ?? []) if (api.conditions?.find((a) => a.type === c.type)?.status !== c.status) return false;
  const same = (a: PodStatus['containerStatuses'] = [], b: PodStatus['containerStatuses'] = []) => a.length === b.length
    && a.every((s, i) => s.name === b[i].name && s.ready === b[i].ready && s.restartCount === b[i].restartCount && Object.keys(s.state).join() === Object.keys(b[i].state).join());
  return same(api.containerStatuses, ours.containerStatuses) && same(api.initContainerStatuses, ours.initContainerStatuses);
}

export class PodStatusManager {
  private readonly entries = new Map<string, Entry>();
  private readonly queue = new WorkQueue<string>({ baseDelayMs: 200, maxDelayMs: 10_000 });
  private stopped = false;

  constructor(private readonly pods: ResourceClient<Pod>, private readonly logger: Logger, private readonly lookup: (namespace: string, name: string) => Pod | undefined) {}

  start(workers: number): void {
    for (let i = 0; i < workers; i++) void this.work();
  }

  stop(): void {
    this.stopped = true;
    this.queue.shutDown();
  }

  /** The status to report for the pod the kubelet knows as `key`. */
  set(key: string, target: () => StatusTarget | undefined, status: PodStatus, deleteWhenWritten = false): void {
    const json = JSON.stringify(status);
    const entry = this.entries.get(key);
    if (entry) {
      entry.target = target;
      entry.deleteWhenWritten ||= deleteWhenWritten;
      if (entry.json === json && !deleteWhenWritten) return;
      entry.status = status;
      entry.json = json;
    } else this.entries.set(key, { target, status, json, writtenRevision: 0, deleteWhenWritten, deleted: false });
    this.queue.add(key);
  }

  /** The API's copy of the pod changed: write again if it no longer shows what we reported. */
  observed(key: string, pod: Pod): void {
    const entry = this.entries.get(key);
    if (!entry || entry.written === undefined) return;
    if (Number(pod.metadata.resourceVersion ?? 0) <= entry.writtenRevision) return;
    if (agrees(pod.status, entry.status)) return;
    entry.written = undefined;
    this.queue.add(key);
  }

  /** Try again now (the target appeared). */
  kick(key: string): void {
    if (this.entries.has(key)) this.queue.add(key);
  }

  forget(key: string): void {
    this.entries.delete(key);
    this.queue.forget(key);
  }

  private async work(): Promise<void> {
    while (!this.stopped) {
      const key = await this.queue.get();
      if (key === undefined) return;
      try {
        await this.sync(key);
        this.queue.forget(key);
      } catch (err) {
        this.logger.warn({ pod: key, err: (err as Error).message }, 'pod status write failed; will retry');
        this.queue.addRateLimited(key);
      } finally {
        this.queue.done(key);
      }
    }
  }

  private async sync(key: string): Promise<void> {
    const entry = this.entries.get(key);
    const target = entry?.target();
    if (!entry || !target) return;
    const cached = this.lookup(target.namespace, target.name);
    // A different pod of the same name: ours is gone.
    if (cached && cached.metadata.uid !== target.uid) return;
    const json = entry.json;
    if (entry.written !== json || entry.writtenTo !== target.uid) {
      try {
        const written = await this.pods.patch(target.namespace, target.name, { status: entry.status }, 'strategic', 'status');
        entry.writtenRevision = Number(written.metadata.resourceVersion ?? 0);
        entry.written = json;
        entry.writtenTo = target.uid;
      } catch (err) {
        if (isNotFound(err)) return;
        throw err;
      }
    }
    if (entry.deleteWhenWritten && !entry.deleted && entry.written === entry.json) {
      try {
        await this.pods.delete(target.namespace, target.name, { gracePeriodSeconds: 0, preconditions: { uid: target.uid } });
      } catch (err) {
        // Gone already, or replaced by a pod of the same name (the uid precondition failed).
        if (!isNotFound(err) && !isConflict(err)) throw err;
      }
      entry.deleted = true;
    }
  }
}
