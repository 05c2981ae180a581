// Two real kube-scheduler processes against a real API server: the leader election suite
// (test/fixtures/leader-election-pair.ts), with pods as the work. The scheduler's Events name the
// replica that wrote them (reportingInstance is its identity), so each pod's Scheduled event says
// which replica bound it, and the Events in the test's namespace are the record of who acted when.
import { describeLeaderElection, type WorkProbe } from '../fixtures/leader-election-pair.ts';
import { call, openWatch } from '../helpers/http.ts';
import { nodeObject, podObject } from './fixtures.ts';

async function podsToBind(apiUrl: string, namespace: string): Promise<WorkProbe> {
  const node = await call(apiUrl, 'POST', '/api/v1/nodes', nodeObject('worker'));
  if (node.status !== 201 && node.status !== 409) throw new Error(`creating the node: ${node.status} ${JSON.stringify(node.body)}`);
  const ns = await call(apiUrl, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  if (ns.status !== 201) throw new Error(`creating namespace ${namespace}: ${ns.status} ${JSON.stringify(ns.body)}`);
  const events = await openWatch(apiUrl, `/api/v1/namespaces/${namespace}/events?watch=1`);
  const written = () => events.events.filter((e) => e.type === 'ADDED' || e.type === 'MODIFIED').map((e) => e.object);
  return {
    async act(name, timeoutMs = 10_000) {
      const pod = await call(apiUrl, 'POST', `/api/v1/namespaces/${namespace}/pods`, podObject(name, { cpu: '10m' }));
      if (pod.status !== 201) throw new Error(`creating pod ${name}: ${pod.status} ${JSON.stringify(pod.body)}`);
      const scheduled = (e: any) => e.reason === 'Scheduled' && e.involvedObject.name === name;
      await events.until(() => written().some(scheduled), timeoutMs);
      return written().find(scheduled).reportingInstance;
    },
    writers: () => written().map((e) => e.reportingInstance),
    close: () => events.close(),
  };
}

describeLeaderElection({ component: 'kube-scheduler', script: 'scheduler/main.ts', leasePrefix: 'sched', work: podsToBind });
