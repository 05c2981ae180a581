// The Job controller: pods run to completions at most parallelism at a time; each pod keeps the
// job-tracking finalizer until counted; backoffLimit counts failed pods (and container restarts with
// restartPolicy OnFailure); activeDeadlineSeconds fails the Job; suspend deletes and resume recreates
// pods. Kube 1.32's conditions: SuccessCriteriaMet then Complete, FailureTarget then Failed.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { newJobController } from '../../controller-manager/controllers/job.ts';
import type { ControllerContext } from '../../controller-manager/controller-context.ts';
import type { Job } from '../../shared/api/batch.ts';
import type { Pod } from '../../shared/api/pod.ts';
import { resources } from '../../shared/api/registry.ts';
import { NodeWorkloadCluster, type RunningControllers } from './node-workload-harness.ts';

const NS = 'batch';
let cluster: NodeWorkloadCluster;
let controller: RunningControllers;
const startController = async () => {
  // A short pod-failure back-off (kube: 10s doubling) keeps the backoffLimit test quick.
  controller = await cluster.run([(ctx: ControllerContext) => newJobController(ctx, { podFailureBackoffMs: 100 })]);
};

before(async () => {
  cluster = await NodeWorkloadCluster.start();
  await cluster.api(resources.namespaces).create('', { metadata: { name: NS } } as never);
  await cluster.createNode('worker');
  await startController();
  // The scheduler binds to the one node; the kubelet runs pods and finishes their deletion. The test
  // decides how each pod ends.
  await cluster.startNodeAgents({ defaultNode: 'worker', accept: (pod) => pod.metadata.namespace === NS });
  await Promise.all([cluster.observe(resources.pods), cluster.observe(resources.jobs), cluster.observe(resources.events)]);
});
after(async () => { await cluster?.stop(); });

function job(name: string, spec: Partial<Job['spec']> & { restartPolicy?: 'Never' | 'OnFailure' }): Job {
  const { restartPolicy, ...rest } = spec;
  return {
    metadata: { name, namespace: NS },
    spec: { ...rest, template: { spec: { restartPolicy: restartPolicy ?? 'Never', containers: [{ name: 'app', image: 'busybox' }] } } },
  } as unknown as Job;
}

async function jobPods(name: string): Promise<() => Pod[]> {
  const pods = await cluster.observe(resources.pods);
  return () => pods.list(NS).filter((p) => p.metadata.labels?.['batch.kubernetes.io/job-name'] === name);
}

const running = (p: Pod) => p.status.phase === 'Running' && !p.metadata.deletionTimestamp;
const cond = (j: Job | undefined, type: string) => j?.status.conditions?.find((c) => c.type === type);

async function jobWhen(name: string, what: string, check: (j: Job) => boolean, timeoutMs?: number): Promise<Job> {
  const jobs = await cluster.observe(resources.jobs);
  return cluster.until(what, () => {
    const j = jobs.get(NS, name);
    return j && check(j) ? j : undefined;
  }, timeoutMs);
}

describe('completion', () => {
  test('completions 4 with parallelism 2: never more than 2 active, Complete once 4 succeeded', async () => {
    await cluster.api(resources.jobs).create(NS, job('pi', { completions: 4, parallelism: 2 }));
    const pods = await jobPods('pi');
    let maxActive = 0;
    const finished = new Set<string>();
    while (finished.size < 4) {
      const batch = await cluster.until('running pi pods', () => {
        const active = pods().filter((p) => !p.metadata.deletionTimestamp && p.status.phase !== 'Succeeded' && p.status.phase !== 'Failed');
        maxActive = Math.max(maxActive, active.length);
        const r = active.filter((p) => running(p) && !finished.has(p.metadata.name!));
        return r.length ? r : undefined;
      });
      for (const p of batch) {
        assert.ok(p.metadata.finalizers?.includes('batch.kubernetes.io/job-tracking'), 'pods carry the tracking finalizer');
        finished.add(p.metadata.name!);
        await cluster.setPodStatus(NS, p.metadata.name!, 'Succeeded');
      }
    }
    const done = await jobWhen('pi', 'pi Complete', (j) => cond(j, 'Complete')?.status === 'True');
    assert.ok(maxActive <= 2, `at most parallelism pods at once (saw ${maxActive})`);
    assert.equal(done.status.succeeded, 4);
    assert.equal(done.status.failed, undefined);
    assert.equal(done.status.active, 0);
    assert.equal(done.status.ready, 0);
    assert.equal(done.status.terminating, 0);
    assert.deepEqual(done.status.uncountedTerminatedPods, {});
    assert.ok(done.status.startTime && done.status.completionTime);
    const met = cond(done, 'SuccessCriteriaMet')!;
    const complete = cond(done, 'Complete')!;
    assert.deepEqual([met.status, met.reason, met.message], ['True', 'CompletionsReached', 'Reached expected number of succeeded pods']);
    assert.deepEqual([complete.reason, complete.message], ['CompletionsReached', 'Reached expected number of succeeded pods']);
    assert.equal(done.status.completionTime, complete.lastTransitionTime);
    await cluster.until('finalizers removed', () => (pods().every((p) => !p.metadata.finalizers?.length) ? true : undefined));
    assert.equal(pods().length, 4, 'exactly 4 pods were created');
    const events = await cluster.observe(resources.events);
    const reasons = events.list().filter((e) => e.involvedObject.name === 'pi').map((e) => e.reason);
    assert.equal(reasons.filter((r) => r === 'SuccessfulCreate').length, 4);
    await cluster.until('Completed event', () => (events.list().some((e) => e.involvedObject.name === 'pi' && e.reason === 'Completed' && e.message === 'Job completed') ? true : undefined));
  });
});

describe('failure', () => {
  test('backoffLimit 2: the third failed pod fails the Job (FailureTarget, then Failed)', async () => {
    await cluster.api(resources.jobs).create(NS, job('flaky', { backoffLimit: 2 }));
    const pods = await jobPods('flaky');
    const failedPods = new Set<string>();
    for (let i = 0; i < 3; i++) {
      const pod = await cluster.until(`flaky pod ${i + 1}`, () => pods().find((p) => running(p) && !failedPods.has(p.metadata.name!)));
      failedPods.add(pod.metadata.name!);
      await cluster.setPodStatus(NS, pod.metadata.name!, 'Failed');
    }
    const failed = await jobWhen('flaky', 'flaky Failed', (j) => cond(j, 'Failed')?.status === 'True');
    assert.equal(failed.status.failed, 3);
    assert.equal(failed.status.active, 0);
    assert.equal(cond(failed, 'FailureTarget')?.reason, 'BackoffLimitExceeded');
    assert.deepEqual([cond(failed, 'Failed')?.reason, cond(failed, 'Failed')?.message], ['BackoffLimitExceeded', 'Job has reached the specified backoff limit']);
    assert.equal(failed.status.completionTime, undefined);
    assert.equal(cond(failed, 'Complete'), undefined);
    assert.equal(pods().length, 3, 'no pod after the third failure');
    const events = await cluster.observe(resources.events);
    const e = await cluster.until('BackoffLimitExceeded event', () => events.list().find((ev) => ev.involvedObject.name === 'flaky' && ev.reason === 'BackoffLimitExceeded'));
    assert.equal(e.type, 'Warning');
  });

  test('restartPolicy OnFailure: container restarts count against the backoff limit', async () => {
    await cluster.api(resources.jobs).create(NS, job('restarts', { backoffLimit: 2, restartPolicy: 'OnFailure' }));
    const pods = await jobPods('restarts');
    const pod = await cluster.until('a running restarts pod', () => pods().find(running));
    await cluster.setPodStatus(NS, pod.metadata.name!, 'Running', { restartCount: 2 });
    const failed = await jobWhen('restarts', 'restarts Failed', (j) => cond(j, 'Failed')?.status === 'True');
    assert.equal(cond(failed, 'Failed')?.reason, 'BackoffLimitExceeded');
    // The pod still running was deleted, and is counted as failed.
    assert.equal(failed.status.failed, 1);
    await cluster.until('the pod deleted', () => (pods().length === 0 ? true : undefined));
  });

  test('activeDeadlineSeconds: the Job fails with DeadlineExceeded and its pods are deleted', async () => {
    const started = Date.now();
    await cluster.api(resources.jobs).create(NS, job('slow', { activeDeadlineSeconds: 2, parallelism: 2, completions: 5 }));
    const pods = await jobPods('slow');
    await cluster.until('two running slow pods', () => (pods().filter(running).length === 2 ? true : undefined));
    const failed = await jobWhen('slow', 'slow Failed', (j) => cond(j, 'Failed')?.status === 'True', 10_000);
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 1000 && elapsed < 5000, `failed after ${elapsed}ms`);
    assert.deepEqual([cond(failed, 'Failed')?.reason, cond(failed, 'Failed')?.message], ['DeadlineExceeded', 'Job was active longer than specified deadline']);
    assert.equal(failed.status.active, 0);
    assert.equal(failed.status.failed, 2);
    await cluster.until('slow pods gone', () => (pods().length === 0 ? true : undefined));
    const events = await cluster.observe(resources.events);
    await cluster.until('DeadlineExceeded event', () => events.list().find((e) => e.involvedObject.name === 'slow' && e.reason === 'DeadlineExceeded'));
  });
});

describe('suspend', () => {
  test('a suspended Job runs no pods; resuming starts them; suspending again deletes them uncounted', async () => {
    await cluster.api(resources.jobs).create(NS, job('later', { suspend: true, parallelism: 2, completions: 2 }));
    const suspended = await jobWhen('later', 'Suspended', (j) => cond(j, 'Suspended')?.status === 'True');
    assert.deepEqual([cond(suspended, 'Suspended')?.reason, cond(suspended, 'Suspended')?.message], ['JobSuspended', 'Job suspended']);
    assert.equal(suspended.status.startTime, undefined);
    const pods = await jobPods('later');
    assert.equal(pods().length, 0);

    await cluster.api(resources.jobs).patch(NS, 'later', { spec: { suspend: false } }, 'merge');
    const resumed = await jobWhen('later', 'resumed', (j) => cond(j, 'Suspended')?.status === 'False');
    assert.equal(cond(resumed, 'Suspended')?.reason, 'JobResumed');
    await cluster.until('two running pods', () => (pods().filter(running).length === 2 ? true : undefined));
    const active = await jobWhen('later', 'active 2, ready 2', (j) => j.status.active === 2 && j.status.ready === 2);
    assert.ok(active.status.startTime);

    await cluster.api(resources.jobs).patch(NS, 'later', { spec: { suspend: true } }, 'merge');
    await cluster.until('pods deleted', () => (pods().length === 0 ? true : undefined));
    const again = await jobWhen('later', 'suspended again', (j) => cond(j, 'Suspended')?.status === 'True' && j.status.active === 0);
    assert.equal(again.status.failed, undefined, 'pods removed by suspend are not failures');
  });
});

describe('tracking', () => {
  test('pods that end while the controller is down are counted once, even when already deleted', async () => {
    await cluster.api(resources.jobs).create(NS, job('durable', { completions: 2, parallelism: 2, backoffLimit: 3 }));
    const pods = await jobPods('durable');
    const [a, b] = await cluster.until('two running durable pods', () => {
      const r = pods().filter(running);
      return r.length === 2 ? r : undefined;
    });
    await jobWhen('durable', 'active 2', (j) => j.status.active === 2);
    await controller.stop();
    await cluster.setPodStatus(NS, a.metadata.name!, 'Succeeded');
    await cluster.setPodStatus(NS, b.metadata.name!, 'Failed');
    // Deleted by someone: the tracking finalizer keeps it until the controller has counted it.
    await cluster.api(resources.pods).delete(NS, a.metadata.name!, { gracePeriodSeconds: 0 });
    assert.ok((await cluster.api(resources.pods).get(NS, a.metadata.name!)).metadata.deletionTimestamp);

    await startController();
    await jobWhen('durable', 'succeeded 1, failed 1', (j) => j.status.succeeded === 1 && j.status.failed === 1);
    const replacement = await cluster.until('a replacement pod', () => pods().find((p) => running(p) && p.metadata.name !== a.metadata.name && p.metadata.name !== b.metadata.name));
    await cluster.until('the deleted pod gone', () => (pods().some((p) => p.metadata.name === a.metadata.name) ? undefined : true));
    await cluster.setPodStatus(NS, replacement.metadata.name!, 'Succeeded');
    const done = await jobWhen('durable', 'durable Complete', (j) => cond(j, 'Complete')?.status === 'True');
    assert.equal(done.status.succeeded, 2);
    assert.equal(done.status.failed, 1);
  });
});
