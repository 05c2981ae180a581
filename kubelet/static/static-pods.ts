// Static pods: run from the manifest directory whether or not the API server is there, and shown in
// the API as mirror pods (kube's mirror client): same name, the annotation kubernetes.io/config.mirror
// holding the static pod's hash, and the Node as owner. A mirror pod that is deleted, or that no
// longer matches its static pod, is deleted (at once) and created again; one whose manifest is gone is
// deleted. The directory is re-read every --file-check-frequency and whenever it changes.
import { watch, type FSWatcher } from 'node:fs';
import type { Pod } from '../../shared/api/pod.ts';
import { isAlreadyExists, isConflict, isNotFound } from '../../shared/client/api-client.ts';
import type { ResourceClient } from '../../shared/client/resource-client.ts';
import type { Logger } from '../../shared/log.ts';
import type { PodManager } from '../pod/pod-manager.ts';
import type { PodStatusManager } from '../pod/status-manager.ts';
import { CONFIG_HASH, CONFIG_MIRROR, readManifests } from './manifests.ts';

export interface StaticPodsOptions {
  dir: string;
  nodeName: string;
  checkFrequencyMs: number;
  pods: PodManager;
  status: PodStatusManager;
  podsApi: ResourceClient<Pod>;
  /** The API's pods on this node, from the kubelet's informer. */
  lookup: (namespace: string, name: string) => Pod | undefined;
  mirrorsOnNode: () => Pod[];
  /** The Node's uid once it is registered (mirror pods are owned by it). */
  nodeUID: () => string | undefined;
  logger: Logger;
}

export const isMirrorPod = (pod: Pod) => pod.metadata.annotations?.[CONFIG_MIRROR] !== undefined;

export class StaticPods {
  private readonly running = new Map<string, Pod>();
  private timer?: NodeJS.Timeout;
  private watcher?: FSWatcher;
  private syncing = false;
  private again = false;

  constructor(private readonly options: StaticPodsOptions) {}

  start(): void {
    this.scan();
    this.timer = setInterval(() => this.scan(), this.options.checkFrequencyMs);
    try {
      this.watcher = watch(this.options.dir, () => this.scan());
    } catch {
      // No such directory yet: the periodic scan will find it.
    }
  }

  stop(): void {
    clearInterval(this.timer);
    this.watcher?.close();
  }

  /** The uid of the static pod that `mirror` mirrors, if it is one of ours. */
  private staticOf(mirror: Pod): Pod | undefined {
    return [...this.running.values()].find((p) => p.metadata.name === mirror.metadata.name && p.metadata.namespace === mirror.metadata.namespace);
  }

  private scan(): void {
    const found = readManifests(this.options.dir, this.options.nodeName, this.options.logger);
    for (const [uid, pod] of this.running) {
      if (found.has(uid)) continue;
      this.running.delete(uid);
      this.options.logger.info({ pod: `${pod.metadata.namespace}/${pod.metadata.name}` }, 'static pod removed');
      void this.options.pods.remove(uid);
    }
    for (const [uid, pod] of found) {
      if (this.running.has(uid)) continue;
      this.running.set(uid, pod);
      this.options.logger.info({ pod: `${pod.metadata.namespace}/${pod.metadata.name}` }, 'static pod added');
      const target = () => {
        const mirror = this.options.lookup(pod.metadata.namespace!, pod.metadata.name!);
        return mirror && mirror.metadata.annotations?.[CONFIG_MIRROR] === uid && !mirror.metadata.deletionTimestamp
          ? { namespace: mirror.metadata.namespace!, name: mirror.metadata.name!, uid: mirror.metadata.uid! }
          : undefined;
      };
      this.options.pods.addStatic(pod, target);
    }
    void this.syncMirrors();
  }

  /** A mirror pod on this node changed or went away in the API. */
  mirrorChanged(mirror: Pod): void {
    const pod = this.staticOf(mirror);
    if (pod) this.options.status.kick(pod.metadata.uid!);
    void this.syncMirrors();
  }

  /** Makes the API's mirror pods match the static pods (serialized; re-run if asked meanwhile). */
  async syncMirrors(): Promise<void> {
    if (this.syncing) {
      this.again = true;
      return;
    }
    this.syncing = true;
    try {
      do {
        this.again = false;
        await this.reconcile();
      } while (this.again);
    } catch (err) {
      this.options.logger.warn({ err: (err as Error).message }, 'mirror pod sync failed; will retry');
    } finally {
      this.syncing = false;
    }
  }

  private async reconcile(): Promise<void> {
    const { podsApi, lookup, nodeUID, nodeName } = this.options;
    const ownerUID = nodeUID();
    if (!ownerUID) return;
    for (const mirror of this.options.mirrorsOnNode()) {
      const pod = this.staticOf(mirror);
      const stale = !pod || mirror.metadata.annotations?.[CONFIG_MIRROR] !== pod.metadata.uid || mirror.metadata.deletionTimestamp;
      if (stale) await this.deleteMirror(mirror);
    }
    for (const pod of this.running.values()) {
      const existing = lookup(pod.metadata.namespace!, pod.metadata.name!);
      if (existing) continue;
      const { uid, ...meta } = pod.metadata;
      const mirror = {
        metadata: {
          ...meta,
          annotations: { ...meta.annotations, [CONFIG_MIRROR]: meta.annotations?.[CONFIG_HASH] ?? uid ?? '' },
          ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: nodeName, uid: ownerUID, controller: true }],
        },
        spec: pod.spec,
      } as unknown as Pod;
      try {
        await podsApi.create(meta.namespace!, mirror);
        this.options.logger.info({ pod: `${meta.namespace}/${meta.name}` }, 'created mirror pod');
      } catch (err) {
        if (!isAlreadyExists(err)) throw err;
      }
    }
  }

  private async deleteMirror(mirror: Pod): Promise<void> {
    try {
      await this.options.podsApi.delete(mirror.metadata.namespace!, mirror.metadata.name!, { gracePeriodSeconds: 0, preconditions: { uid: mirror.metadata.uid } });
      this.options.logger.info({ pod: `${mirror.metadata.namespace}/${mirror.metadata.name}` }, 'deleted mirror pod');
    } catch (err) {
      if (!isNotFound(err) && !isConflict(err)) throw err;
    }
  }
}
