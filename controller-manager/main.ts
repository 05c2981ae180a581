// kube-controller-manager for k8ts: the controllers of controllers/index.ts, run by the replica that
// holds the kube-system/kube-controller-manager Lease (see shared/component-runner.ts for the common
// flags, leader election, /healthz and /metrics).
import type { FlagSpec } from '../shared/flags.ts';
import { runComponent } from '../shared/component-runner.ts';
import { controllers } from './controllers/index.ts';
import { CONCURRENCY_FLAGS, concurrencyFlagOf, enabledControllers, runControllers } from './manager.ts';

const DEFAULT_WORKERS = 5;

const concurrencyFlags: Record<string, FlagSpec> = Object.fromEntries(Object.values(CONCURRENCY_FLAGS).map(({ flag, default: n }) => [
  flag, { type: 'number', default: n, help: `The number of objects that are allowed to sync concurrently by this controller (${flag.replace(/^concurrent-|-syncs$/g, '')}).` },
]));

const flags = {
  controllers: {
    type: 'list', default: ['*'],
    help: `A list of controllers to enable. '*' enables all on-by-default controllers, 'foo' enables the controller named 'foo', '-foo' disables the controller named 'foo'. All controllers: ${Object.keys(controllers).join(', ') || '(none yet)'}.`,
  },
  'cluster-cidr': { type: 'string', default: '', help: 'CIDR Range for Pods in cluster.' },
  'node-cidr-mask-size': { type: 'number', default: 24, help: 'Mask size for node cidr in cluster.' },
  'node-monitor-grace-period': { type: 'duration', default: '40s', help: 'Amount of time which we allow running Node to be unresponsive before marking it unhealthy.' },
  'node-monitor-period': { type: 'duration', default: '5s', help: 'The period for syncing NodeStatus in cloud-node-lifecycle-controller.' },
  ...concurrencyFlags,
} satisfies Record<string, FlagSpec>;

await runComponent({
  name: 'kube-controller-manager',
  defaultPort: 10257,
  flags,
  validate: (values) => void enabledControllers(values.controllers, Object.keys(controllers)),
  async run(ctx, values, signal) {
    const names = enabledControllers(values.controllers, Object.keys(controllers));
    const numbers = values as unknown as Record<string, number>;
    await runControllers(ctx, {
      factories: controllers,
      names,
      settings: {
        clusterCIDR: values['cluster-cidr'],
        nodeCIDRMaskSize: values['node-cidr-mask-size'],
        nodeMonitorGracePeriodMs: values['node-monitor-grace-period'],
        nodeMonitorPeriodMs: values['node-monitor-period'],
        workers: DEFAULT_WORKERS,
      },
      workersFor: (name) => {
        const flag = concurrencyFlagOf(name);
        return flag ? numbers[flag.flag] : DEFAULT_WORKERS;
      },
    }, signal);
  },
});
