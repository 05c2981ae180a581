// What every part of one simulated node shares: who the node is, the kubelet's settings, its images
// and its event recorder.
import type { EventRecorder } from '../shared/events.ts';
import type { Logger } from '../shared/log.ts';
import type { ImageStore } from './runtime/images.ts';

export interface KubeletSettings {
  /** Container restart (CrashLoopBackOff) and image pull back-off: kube's 10s doubling to 5m. */
  backOffInitialMs: number;
  backOffMaxMs: number;
}

export interface NodeContext {
  nodeName: string;
  nodeIP: string;
  settings: KubeletSettings;
  logger: Logger;
  images: ImageStore;
  recorder: EventRecorder;
}
