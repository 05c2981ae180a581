// RollingUpdate: a template change rolls pods from the old ReplicaSet to a new one while, at every
// moment the test observes, the ReplicaSets' spec.replicas stay within replicas+maxSurge (kube's
// invariant), so do live pods (ours is stricter: it counts an old ReplicaSet's pods not yet deleted),
// ready pods stay at or above replicas-maxUnavailable, and the old ReplicaSet only ever shrinks;
// revisions 1 and 2 end up on the ReplicaSets and the Deployment.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ReplicaSet } from '../../shared/api/apps.ts';
import type { Pod } from '../../shared/api/pod.ts';
import { resources } from '../../shared/api/registry.ts';
import { eventsFor, isReady, isTerminating, podTemplate, startCluster, until, type Cluster } from './workloads-harness.ts';

describe('Deployment RollingUpdate', () => {
  let cluster: Cluster;
  before(async () => {
    cluster = await startCluster({ controllers: ['replicaset', 'deployment'] });
  });
  after(async () => cluster?.stop());

  /**
   * Watches the app's pods and ReplicaSets and records, after every event, the extremes of live and
   * ready pods and of the ReplicaSets' summed spec.replicas, and every size an existing ReplicaSet grew to.
   */
  function observe(app: string) {
    const seen = { maxLive: 0, minReady: Infinity, maxSpecTotal: 0, events: 0, grown: [] as string[] };
    const check = () => {
      const pods = cluster.podWatch.list('default').filter((p: Pod) => p.metadata?.labels?.app === app && !isTerminating(p));
      seen.maxLive = Math.max(seen.maxLive, pods.length);
      seen.minReady = Math.min(seen.minReady, pods.filter(isReady).length);
      seen.events++;
    };
    cluster.podWatch.addEventHandler({ onAdd: check, onUpdate: check, onDelete: check });
    const rsCache = cluster.informers.informerFor(resources.replicasets);
    const ours = (rs: ReplicaSet) => rs.metadata.labels?.app === app;
    const checkReplicaSets = () => {
      const total = rsCache.list('default').filter(ours).reduce((n, rs) => n + rs.spec.replicas, 0);
      seen.maxSpecTotal = Math.max(seen.maxSpecTotal, total);
    };
    rsCache.addEventHandler({
      onAdd: checkReplicaSets,
      onUpdate: (old, cur) => {
        checkReplicaSets();
        const revision = cur.metadata.annotations?.['deployment.kubernetes.io/revision'];
        if (ours(cur) && cur.spec.replicas > old.spec.replicas) seen.grown.push(`revision ${revision}: ${old.spec.replicas} -> ${cur.spec.replicas}`);
      },
      onDelete: checkReplicaSets,
    });
    return seen;
  }

  async function rollout(app: string, replicas: number, maxSurge: number | string, maxUnavailable: number | string, surgeCount: number, unavailableCount: number) {
    await cluster.deployments.create('default', {
      metadata: { name: app },
      spec: {
        replicas, selector: { matchLabels: { app } }, template: podTemplate({ app }, 'nginx:1.27'),
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge, maxUnavailable } },
      },
    } as never);
    await until(async () => (await cluster.deployments.get('default', app)).status.availableReplicas === replicas, `${app}: ${replicas} available`);
    await until(() => cluster.podWatch.list('default').filter((p) => p.metadata?.labels?.app === app && !isTerminating(p) && isReady(p)).length === replicas, 'the test sees them ready');
    const seen = observe(app);
    await cluster.deployments.patch('default', app, { spec: { template: { spec: { containers: [{ name: 'web', image: 'nginx:1.28' }] } } } }, 'strategic');
    const done = await until(async () => {
      const d = await cluster.deployments.get('default', app);
      const s = d.status;
      return s.observedGeneration === d.metadata.generation && s.updatedReplicas === replicas && s.replicas === replicas && s.availableReplicas === replicas && d;
    }, `${app}: rollout complete`, 60_000);
    assert.ok(seen.events > 0);
    assert.ok(seen.maxSpecTotal <= replicas + surgeCount, `${app}: ReplicaSets summed to ${seen.maxSpecTotal} replicas, limit ${replicas + surgeCount}`);
    assert.ok(seen.maxLive <= replicas + surgeCount, `${app}: saw ${seen.maxLive} live pods, limit ${replicas + surgeCount}`);
    // Only the new ReplicaSet grows during a rollout: an old one scaled back up replaces pods it was deleting.
    assert.deepEqual(seen.grown.filter((g) => !g.startsWith('revision 2:')), [], `${app}: an old ReplicaSet grew`);
    assert.ok(seen.minReady >= replicas - unavailableCount, `${app}: saw only ${seen.minReady} ready pods, floor ${replicas - unavailableCount}`);
    const pods = await until(() => { const p = cluster.podWatch.list('default').filter((x) => x.metadata?.labels?.app === app); return p.length === replicas && p; }, 'old pods gone');
    assert.ok(pods.every((p) => p.spec?.containers[0].image === 'nginx:1.28'));
    const rsList = (await cluster.replicaSets.list('default', { labelSelector: `app=${app}` })).items;
    assert.equal(rsList.length, 2);
    const byRevision = new Map(rsList.map((rs) => [rs.metadata.annotations?.['deployment.kubernetes.io/revision'], rs]));
    assert.equal(byRevision.get('1')?.spec.replicas, 0);
    assert.equal(byRevision.get('2')?.spec.replicas, replicas);
    assert.equal(byRevision.get('2')?.spec.template.spec.containers[0].image, 'nginx:1.28');
    assert.equal(done.metadata.annotations?.['deployment.kubernetes.io/revision'], '2');
    const progressing = await until(async () => {
      const c = (await cluster.deployments.get('default', app)).status.conditions?.find((x) => x.type === 'Progressing');
      return c?.reason === 'NewReplicaSetAvailable' && c;
    }, 'NewReplicaSetAvailable');
    assert.equal(progressing.message, `ReplicaSet "${byRevision.get('2')?.metadata.name}" has successfully progressed.`);
    return byRevision;
  }

  test('maxSurge 1, maxUnavailable 0: never fewer ready pods than replicas', async () => {
    const rsByRevision = await rollout('surge', 4, 1, 0, 1, 0);
    await cluster.context.recorder.flush();
    const messages = (await eventsFor(cluster, 'surge')).map((e) => e.message);
    const newName = rsByRevision.get('2')!.metadata.name;
    const oldName = rsByRevision.get('1')!.metadata.name;
    assert.ok(messages.includes(`Scaled up replica set ${newName} from 0 to 1`), JSON.stringify(messages));
    assert.ok(messages.some((m) => m?.startsWith(`Scaled down replica set ${oldName} from 4 to `)), JSON.stringify(messages));
  });

  test('maxSurge 0, maxUnavailable 1: never more pods than replicas', async () => {
    await rollout('unavail', 4, 0, 1, 0, 1);
  });

  test('percentages: surge rounds up, unavailable rounds down', async () => {
    // 5 replicas: 30% surge = ceil(1.5) = 2; 30% unavailable = floor(1.5) = 1.
    await rollout('percent', 5, '30%', '30%', 2, 1);
  });
});
