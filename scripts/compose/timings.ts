// The timings a compose cluster runs with: docker-compose.yml's defaults (kube's), overridden by the
// --env-file it was started with. The scenarios' time limits are derived from them.
import { readFileSync } from 'node:fs';
import { parseDuration } from '../../shared/flags.ts';

export interface Timings {
  leaseDurationMs: number;
  retryPeriodMs: number;
  nodeMonitorGracePeriodMs: number;
  nodeMonitorPeriodMs: number;
  /** The API server's default unreachable tolerationSeconds, in ms: when evicted pods go. */
  evictionTolerationMs: number;
}

/** KEY=VALUE lines, as compose reads an env file (comments and blank lines skipped). */
export function readEnvFile(path: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (m) env[m[1]] = m[2].trim();
  }
  return env;
}

export function timingsOf(env: Record<string, string | undefined>): Timings {
  const d = (key: string, def: string) => parseDuration(env[key] ?? def);
  return {
    leaseDurationMs: d('LEADER_ELECT_LEASE_DURATION', '15s'),
    retryPeriodMs: d('LEADER_ELECT_RETRY_PERIOD', '2s'),
    nodeMonitorGracePeriodMs: d('NODE_MONITOR_GRACE_PERIOD', '40s'),
    nodeMonitorPeriodMs: d('NODE_MONITOR_PERIOD', '5s'),
    evictionTolerationMs: Number(env.DEFAULT_UNREACHABLE_TOLERATION_SECONDS ?? 300) * 1000,
  };
}
