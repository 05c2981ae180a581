// kube-scheduler's own flags (besides the common ones the component runner parses). Kube keeps most
// of these in its configuration file (KubeSchedulerConfiguration); k8ts takes them as flags under the
// same names, and the deprecated flags kube still accepts keep their names.
import type { FlagSpec, Flags } from '../shared/flags.ts';
import type { SchedulerOptions } from './scheduler.ts';

export const schedulerFlags = {
  'scheduler-name': { type: 'string', default: 'default-scheduler', help: 'Schedule only pods whose spec.schedulerName is this (the profile name); also the source of its events.' },
  'percentage-of-nodes-to-score': { type: 'number', default: 0, help: 'Stop looking for feasible nodes once this percentage of the nodes is found (at least 100 nodes); 0 means adaptive: 50% less 1% per 125 nodes, at least 5%.' },
  'pod-initial-backoff-seconds': { type: 'number', default: 1, help: 'Back-off of a pod after its first failed attempt; doubles with each further failure.' },
  'pod-max-backoff-seconds': { type: 'number', default: 10, help: 'Longest back-off of a pod.' },
  'pod-max-in-unschedulable-pods-duration': { type: 'duration', default: '5m', help: 'An unschedulable pod is retried after this long even if no cluster change moved it.' },
  'bind-concurrency': { type: 'number', default: 32, help: 'Binds in flight at once; scheduling waits for a free slot.' },
} satisfies Record<string, FlagSpec>;

export function schedulerOptionsFrom(flags: Flags<typeof schedulerFlags>): SchedulerOptions {
  const positive = (name: string, v: number) => {
    if (!(v > 0)) throw new Error(`--${name} must be positive, got ${v}`);
    return v;
  };
  const percentage = flags['percentage-of-nodes-to-score'];
  if (percentage < 0 || percentage > 100) throw new Error(`--percentage-of-nodes-to-score must be between 0 and 100, got ${percentage}`);
  return {
    schedulerName: flags['scheduler-name'],
    percentageOfNodesToScore: percentage,
    podInitialBackoffMs: positive('pod-initial-backoff-seconds', flags['pod-initial-backoff-seconds']) * 1000,
    podMaxBackoffMs: positive('pod-max-backoff-seconds', flags['pod-max-backoff-seconds']) * 1000,
    podMaxInUnschedulablePodsMs: flags['pod-max-in-unschedulable-pods-duration'],
    bindConcurrency: Math.floor(positive('bind-concurrency', flags['bind-concurrency'])),
  };
}
