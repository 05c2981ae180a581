// What every controller is built from: the API client, the shared informers, an event recorder,
// a logger and the manager's settings (flags).
import type { ApiClient } from '../shared/client/api-client.ts';
import type { EventRecorder } from '../shared/events.ts';
import type { InformerFactory } from '../shared/informer/factory.ts';
import type { Logger } from '../shared/log.ts';
import type { Reconciler } from '../shared/controller.ts';

export interface ControllerManagerSettings {
  /** --cluster-cidr for node IPAM (e.g. 127.64.0.0/11 locally). */
  clusterCIDR: string;
  /** --node-cidr-mask-size. */
  nodeCIDRMaskSize: number;
  /** --node-monitor-grace-period in ms (default 40s). */
  nodeMonitorGracePeriodMs: number;
  /** --node-monitor-period in ms (default 5s). */
  nodeMonitorPeriodMs: number;
  /** Workers per controller (kube's --concurrent-*-syncs, default 5). */
  workers: number;
}

export interface ControllerContext {
  client: ApiClient;
  informers: InformerFactory;
  recorder: EventRecorder;
  logger: Logger;
  settings: ControllerManagerSettings;
}

/** A controller: a reconciler plus what it must do once caches have synced (e.g. periodic checks). */
export interface Controller extends Reconciler {
  /** Optional work besides the queue (timers); resolves when stopped. */
  start?(signal: AbortSignal): void;
}

export type ControllerFactory = (ctx: ControllerContext) => Controller;
