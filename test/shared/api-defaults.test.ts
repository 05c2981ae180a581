import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { DaemonSet, Deployment, ReplicaSet } from '../../shared/api/apps.ts';
import { Job, prepareJobForCreate } from '../../shared/api/batch.ts';
import { Container, defaultPullPolicy, Namespace, Node, Pod, podQOSClass, prepareNamespaceForCreate, Secret, Service } from '../../shared/api/core.ts';
import { EndpointSlice } from '../../shared/api/discovery.ts';

const meta = { name: 'x', namespace: 'default' };
const container = { name: 'app', image: 'nginx:1.25' };
const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [container] } };

describe('pod defaults', () => {
  test('a minimal pod gets what Kubernetes fills in', () => {
    const pod = Pod.parse({ metadata: meta, spec: { containers: [{ name: 'app', image: 'nginx', ports: [{ containerPort: 80 }] }] } });
    assert.equal(pod.apiVersion, 'v1');
    assert.equal(pod.kind, 'Pod');
    assert.equal(pod.spec.restartPolicy, 'Always');
    assert.equal(pod.spec.terminationGracePeriodSeconds, 30);
    assert.equal(pod.spec.dnsPolicy, 'ClusterFirst');
    assert.equal(pod.spec.schedulerName, 'default-scheduler');
    assert.deepEqual(pod.spec.securityContext, {});
    assert.equal(pod.spec.enableServiceLinks, true);
    const c = pod.spec.containers[0];
    assert.equal(c.terminationMessagePath, '/dev/termination-log');
    assert.equal(c.terminationMessagePolicy, 'File');
    assert.equal(c.imagePullPolicy, 'Always');
    assert.deepEqual(c.resources, {});
    assert.equal(c.ports![0].protocol, 'TCP');
    assert.deepEqual(pod.status, {});
  });

  test('given values are kept', () => {
    const pod = Pod.parse({
      metadata: meta,
      spec: {
        containers: [{ ...container, imagePullPolicy: 'Never', terminationMessagePolicy: 'FallbackToLogsOnError' }],
        restartPolicy: 'Never', terminationGracePeriodSeconds: 0, enableServiceLinks: false, schedulerName: 'mine',
      },
    });
    assert.equal(pod.spec.restartPolicy, 'Never');
    assert.equal(pod.spec.terminationGracePeriodSeconds, 0);
    assert.equal(pod.spec.enableServiceLinks, false);
    assert.equal(pod.spec.schedulerName, 'mine');
    assert.equal(pod.spec.containers[0].imagePullPolicy, 'Never');
    assert.equal(pod.spec.containers[0].terminationMessagePolicy, 'FallbackToLogsOnError');
  });

  test('imagePullPolicy depends on the tag', () => {
    assert.equal(defaultPullPolicy('nginx'), 'Always');
    assert.equal(defaultPullPolicy('nginx:latest'), 'Always');
    assert.equal(defaultPullPolicy('localhost:5000/nginx'), 'Always');
    assert.equal(defaultPullPolicy('nginx:1.25'), 'IfNotPresent');
    assert.equal(defaultPullPolicy('nginx@sha256:abcd'), 'IfNotPresent');
  });

  test('probes and httpGet get their defaults, zero meaning unset', () => {
    const c = Container.parse({ ...container, readinessProbe: { httpGet: { port: 8080 }, periodSeconds: 0, failureThreshold: 5 } });
    assert.deepEqual(c.readinessProbe, {
      httpGet: { path: '/', port: 8080, scheme: 'HTTP' },
      timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 5,
    });
  });

  test('limits become requests for pods, not for templates', () => {
    const resources = { limits: { cpu: '0.5', memory: '128Mi' }, requests: { cpu: '100m' } };
    const pod = Pod.parse({ metadata: meta, spec: { containers: [{ ...container, resources }] } });
    assert.deepEqual(pod.spec.containers[0].resources.requests, { cpu: '100m', memory: '128Mi' });
    assert.equal(pod.spec.containers[0].resources.limits!.cpu, '500m');
    const rs = ReplicaSet.parse({ metadata: meta, spec: { selector: { matchLabels: { app: 'web' } }, template: { ...template, spec: { containers: [{ ...container, resources }] } } } });
    assert.deepEqual(rs.spec.template.spec.containers[0].resources.requests, { cpu: '100m' });
    assert.equal(rs.spec.template.spec.enableServiceLinks, undefined);
  });

  test('volumes: no source means emptyDir, config volumes get defaultMode 0644', () => {
    const pod = Pod.parse({ metadata: meta, spec: { containers: [container], volumes: [{ name: 'a' }, { name: 'b', configMap: { name: 'cm' } }] } });
    assert.deepEqual(pod.spec.volumes, [{ name: 'a', emptyDir: {} }, { name: 'b', configMap: { name: 'cm', defaultMode: 420 } }]);
  });

  test('hostNetwork pods expose container ports on the host', () => {
    const pod = Pod.parse({ metadata: meta, spec: { hostNetwork: true, containers: [{ ...container, ports: [{ containerPort: 10250 }] }] } });
    assert.equal(pod.spec.containers[0].ports![0].hostPort, 10250);
  });

  test('QoS class', () => {
    const spec = (resources: object) => Pod.parse({ metadata: meta, spec: { containers: [{ ...container, resources }] } }).spec;
    assert.equal(podQOSClass(spec({})), 'BestEffort');
    assert.equal(podQOSClass(spec({ requests: { cpu: '100m' } })), 'Burstable');
    assert.equal(podQOSClass(spec({ limits: { cpu: '1', memory: '1Gi' } })), 'Guaranteed');
  });
});

describe('workload defaults', () => {
  test('a minimal deployment', () => {
    const d = Deployment.parse({ metadata: meta, spec: { selector: { matchLabels: { app: 'web' } }, template } });
    assert.equal(d.apiVersion, 'apps/v1');
    assert.equal(d.spec.replicas, 1);
    assert.deepEqual(d.spec.strategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } });
    assert.equal(d.spec.revisionHistoryLimit, 10);
    assert.equal(d.spec.progressDeadlineSeconds, 600);
    // The template gets the pod spec defaults too.
    assert.equal(d.spec.template.spec.restartPolicy, 'Always');
    assert.equal(d.spec.template.spec.containers[0].imagePullPolicy, 'IfNotPresent');
  });

  test('deployment: replicas 0 is kept, Recreate gets no rollingUpdate, a partial rollingUpdate is completed', () => {
    const parse = (spec: object) => Deployment.parse({ metadata: meta, spec: { selector: { matchLabels: { app: 'web' } }, template, ...spec } }).spec;
    assert.equal(parse({ replicas: 0 }).replicas, 0);
    assert.deepEqual(parse({ strategy: { type: 'Recreate' } }).strategy, { type: 'Recreate' });
    assert.deepEqual(parse({ strategy: { rollingUpdate: { maxSurge: 1 } } }).strategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: 1 } });
  });

  test('replicaset and daemonset', () => {
    const rs = ReplicaSet.parse({ metadata: meta, spec: { selector: { matchLabels: { app: 'web' } }, template } });
    assert.equal(rs.spec.replicas, 1);
    assert.equal(rs.status.replicas, 0);
    const ds = DaemonSet.parse({ metadata: meta, spec: { selector: { matchLabels: { app: 'web' } }, template } });
    assert.deepEqual(ds.spec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
    assert.equal(ds.spec.revisionHistoryLimit, 10);
    assert.equal(ds.status.numberReady, 0);
  });

  test('job: completions/parallelism only when both unset, labels from the template', () => {
    const jobTemplate = { ...template, spec: { ...template.spec, restartPolicy: 'Never' } };
    const job = Job.parse({ metadata: meta, spec: { template: jobTemplate } });
    assert.equal(job.spec.completions, 1);
    assert.equal(job.spec.parallelism, 1);
    assert.equal(job.spec.backoffLimit, 6);
    assert.equal(job.spec.completionMode, 'NonIndexed');
    assert.equal(job.spec.suspend, false);
    assert.deepEqual(job.metadata.labels, { app: 'web' });
    const parallel = Job.parse({ metadata: meta, spec: { parallelism: 3, template: jobTemplate } });
    assert.equal(parallel.spec.completions, undefined);
    assert.equal(parallel.spec.parallelism, 3);

    const prepared = prepareJobForCreate(Job.parse({ metadata: { ...meta, uid: 'u-1' }, spec: { template: jobTemplate } }));
    assert.deepEqual(prepared.spec.selector, { matchLabels: { 'batch.kubernetes.io/controller-uid': 'u-1' } });
    assert.equal(prepared.spec.template.metadata.labels!['batch.kubernetes.io/job-name'], 'x');
    assert.equal(Job.safeParse(prepared).success, true);
  });
});

describe('other kinds', () => {
  test('service defaults', () => {
    const svc = Service.parse({ metadata: meta, spec: { selector: { app: 'web' }, ports: [{ port: 80, name: 'a' }, { port: 443, targetPort: 'https', name: 'b' }] } });
    assert.equal(svc.spec.type, 'ClusterIP');
    assert.equal(svc.spec.sessionAffinity, 'None');
    assert.equal(svc.spec.internalTrafficPolicy, 'Cluster');
    assert.equal(svc.spec.externalTrafficPolicy, undefined);
    assert.deepEqual(svc.spec.ports![0], { name: 'a', protocol: 'TCP', port: 80, targetPort: 80 });
    assert.equal(svc.spec.ports![1].targetPort, 'https');
    assert.deepEqual(svc.status, { loadBalancer: {} });
    const np = Service.parse({ metadata: meta, spec: { type: 'NodePort', sessionAffinity: 'ClientIP', ports: [{ port: 80 }] } });
    assert.equal(np.spec.externalTrafficPolicy, 'Cluster');
    assert.deepEqual(np.spec.sessionAffinityConfig, { clientIP: { timeoutSeconds: 10800 } });
  });

  test('namespace: labelled with its name, Active; the finalizer is added on create only', () => {
    const ns = Namespace.parse({ metadata: { name: 'team-a' } });
    assert.deepEqual(ns.metadata.labels, { 'kubernetes.io/metadata.name': 'team-a' });
    assert.equal(ns.status.phase, 'Active');
    assert.equal(ns.spec.finalizers, undefined);
    assert.deepEqual(prepareNamespaceForCreate(ns).spec.finalizers, ['kubernetes']);
  });

  test('secret: type Opaque, stringData merged into data', () => {
    const s = Secret.parse({ metadata: meta, data: { a: 'eA==' }, stringData: { b: 'hello' } });
    assert.equal(s.type, 'Opaque');
    assert.deepEqual(s.data, { a: 'eA==', b: 'aGVsbG8=' });
    assert.equal('stringData' in s, false);
  });

  test('node: allocatable defaults to capacity', () => {
    const node = Node.parse({ metadata: { name: 'n1' }, status: { capacity: { cpu: 4, memory: '8Gi', pods: '110' } } });
    assert.deepEqual(node.status.allocatable, { cpu: '4', memory: '8Gi', pods: '110' });
  });

  test('endpointslice ports: name "" and protocol TCP', () => {
    const slice = EndpointSlice.parse({ metadata: meta, addressType: 'IPv4', endpoints: [{ addresses: ['10.0.0.1'] }], ports: [{ port: 80 }] });
    assert.deepEqual(slice.ports, [{ name: '', protocol: 'TCP', port: 80 }]);
    assert.deepEqual(slice.endpoints[0].conditions, {});
  });

  test('parsing twice changes nothing', () => {
    const d = Deployment.parse({ metadata: meta, spec: { selector: { matchLabels: { app: 'web' } }, template } });
    assert.deepEqual(Deployment.parse(d), d);
    const s = Secret.parse({ metadata: meta, stringData: { b: 'x' } });
    assert.deepEqual(Secret.parse(s), s);
  });
});
