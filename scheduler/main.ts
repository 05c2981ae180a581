// kube-scheduler: `node --import tsx scheduler/main.ts --master http://127.0.0.1:8080`. The runner
// handles the common flags, the API client, leader election and /healthz; the scheduler runs while
// this replica leads.
import { runComponent } from '../shared/component-runner.ts';
import { schedulerFlags, schedulerOptionsFrom } from './flags.ts';
import { Scheduler } from './scheduler.ts';

await runComponent({
  name: 'kube-scheduler',
  defaultPort: 10259,
  flags: schedulerFlags,
  validate: (flags) => void schedulerOptionsFrom(flags),
  run: (ctx, flags, signal) => new Scheduler(ctx, schedulerOptionsFrom(flags)).run(signal),
});
