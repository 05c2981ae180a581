// The timings the cluster runs with, read from the recorded arguments (kube's defaults when a flag is
// absent): the scenarios' time limits are derived from them, not hard-coded.
import { parseDuration } from '../../shared/flags.ts';
import type { ProcessSpec } from '../cluster/layout.ts';
import type { ClusterHandle } from './cluster-handle.ts';

function flag(spec: ProcessSpec | undefined, name: string): string | undefined {
  const args = spec?.args ?? [];
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

export interface Timings {
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  nodeMonitorGracePeriodMs: number;
  nodeMonitorPeriodMs: number;
  /** The API server's default tolerationSeconds for not-ready / unreachable, in ms. */
  evictionTolerationMs: number;
}

export function timingsOf(cluster: ClusterHandle): Timings {
  const cm = cluster.processes('controller-manager')[0];
  const apiserver = cluster.processes('apiserver')[0];
  const d = (spec: ProcessSpec | undefined, name: string, def: string) => parseDuration(flag(spec, name) ?? def);
  return {
    leaseDurationMs: d(cm, 'leader-elect-lease-duration', '15s'),
    renewDeadlineMs: d(cm, 'leader-elect-renew-deadline', '10s'),
    retryPeriodMs: d(cm, 'leader-elect-retry-period', '2s'),
    nodeMonitorGracePeriodMs: d(cm, 'node-monitor-grace-period', '40s'),
    nodeMonitorPeriodMs: d(cm, 'node-monitor-period', '5s'),
    evictionTolerationMs: Number(flag(apiserver, 'default-unreachable-toleration-seconds') ?? 300) * 1000,
  };
}
