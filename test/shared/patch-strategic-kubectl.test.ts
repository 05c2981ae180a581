// Strategic merge patches as kubectl and the control plane send them, on the real kinds' metadata.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { applyStrategicMergePatch } from '../../shared/patch/strategic-merge-patch.ts';
import { patchMetaFor } from '../../shared/patch/patch-meta.ts';

// The tests read deep into untyped results.
type Any = any;

function patchKind(apiVersion: string, kind: string, original: unknown, patch: unknown): Any {
  const meta = patchMetaFor(apiVersion, kind);
  assert.ok(meta);
  return applyStrategicMergePatch(original, patch, meta);
}
const patchDeployment = (original: unknown, patch: unknown) => patchKind('apps/v1', 'Deployment', original, patch);
const patchPod = (original: unknown, patch: unknown) => patchKind('v1', 'Pod', original, patch);
const names = (list: Array<{ name: string }>) => list.map((e) => e.name);

/** A live Deployment, with the defaults and injected bits the server adds. */
function liveDeployment() {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', resourceVersion: '42', labels: { app: 'web', tier: 'frontend' }, annotations: { 'deployment.kubernetes.io/revision': '1' } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: '25%' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [
            {
              name: 'web',
              image: 'nginx:1.25',
              imagePullPolicy: 'IfNotPresent',
              env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }, { name: 'INJECTED', value: 'x' }],
              ports: [{ containerPort: 80, protocol: 'TCP' }],
            },
            { name: 'log', image: 'fluentd', imagePullPolicy: 'Always' },
          ],
          volumes: [{ name: 'cache', emptyDir: {} }],
          restartPolicy: 'Always',
          tolerations: [{ key: 'a', operator: 'Exists' }],
        },
      },
    },
    status: { replicas: 2, conditions: [{ type: 'Available', status: 'True' }] },
  };
}

describe('kubectl apply', () => {
  // What kubectl apply computes when the applied config drops the tier label, bumps replicas,
  // switches to Recreate, changes the image, replaces env B by C, adds port 443, removes the log
  // container and turns the cache volume from emptyDir into a configMap.
  const applyPatch = {
    metadata: { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"kind":"Deployment"}\n' }, labels: { tier: null } },
    spec: {
      replicas: 3,
      strategy: { $retainKeys: ['type'], type: 'Recreate' },
      template: {
        spec: {
          '$setElementOrder/containers': [{ name: 'web' }],
          '$setElementOrder/volumes': [{ name: 'cache' }],
          containers: [
            {
              '$setElementOrder/env': [{ name: 'A' }, { name: 'C' }],
              '$setElementOrder/ports': [{ containerPort: 80 }, { containerPort: 443 }],
              env: [{ name: 'C', value: '3' }, { name: 'B', $patch: 'delete' }],
              image: 'nginx:1.27',
              name: 'web',
              ports: [{ containerPort: 443 }],
            },
            { $patch: 'delete', name: 'log' },
          ],
          volumes: [{ $retainKeys: ['configMap', 'name'], configMap: { name: 'cfg' }, emptyDir: null, name: 'cache' }],
        },
      },
    },
  };

  test('updates what the config changed and keeps what the server added', () => {
    const result = patchDeployment(liveDeployment(), applyPatch);
    assert.deepEqual(result.metadata.labels, { app: 'web' });
    assert.equal(result.metadata.annotations['deployment.kubernetes.io/revision'], '1');
    assert.equal(result.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration'], '{"kind":"Deployment"}\n');
    assert.equal(result.metadata.resourceVersion, '42');
    assert.equal(result.spec.replicas, 3);
    assert.deepEqual(result.status, liveDeployment().status);
  });

  test('$retainKeys drops the defaulted rollingUpdate when switching to Recreate', () => {
    assert.deepEqual(patchDeployment(liveDeployment(), applyPatch).spec.strategy, { type: 'Recreate' });
  });

  test('containers merge by name: the log container is deleted, web keeps its pull policy', () => {
    const [web, ...rest] = patchDeployment(liveDeployment(), applyPatch).spec.template.spec.containers;
    assert.equal(rest.length, 0);
    assert.equal(web.name, 'web');
    assert.equal(web.image, 'nginx:1.27');
    assert.equal(web.imagePullPolicy, 'IfNotPresent');
  });

  test('env merges by name in $setElementOrder order, the injected variable kept last', () => {
    const env = patchDeployment(liveDeployment(), applyPatch).spec.template.spec.containers[0].env;
    assert.deepEqual(env, [{ name: 'A', value: '1' }, { name: 'C', value: '3' }, { name: 'INJECTED', value: 'x' }]);
  });

  test('ports merge by containerPort, the defaulted protocol kept', () => {
    const ports = patchDeployment(liveDeployment(), applyPatch).spec.template.spec.containers[0].ports;
    assert.deepEqual(ports, [{ containerPort: 80, protocol: 'TCP' }, { containerPort: 443 }]);
  });

  test('a volume changes its source through $retainKeys', () => {
    assert.deepEqual(patchDeployment(liveDeployment(), applyPatch).spec.template.spec.volumes, [{ name: 'cache', configMap: { name: 'cfg' } }]);
  });

  test('no directive reaches the result, and the live object is untouched', () => {
    const live = liveDeployment();
    const text = JSON.stringify(patchDeployment(live, applyPatch));
    assert.doesNotMatch(text, /\$patch|\$retainKeys|\$setElementOrder|\$deleteFromPrimitiveList/);
    assert.deepEqual(live, liveDeployment());
  });

  test('a container added by apply takes its place from $setElementOrder', () => {
    const patch = {
      spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'init-proxy' }, { name: 'web' }, { name: 'log' }], containers: [{ name: 'init-proxy', image: 'envoy' }] } } },
    };
    assert.deepEqual(names(patchDeployment(liveDeployment(), patch).spec.template.spec.containers), ['init-proxy', 'web', 'log']);
  });
});

describe('kubectl patch (strategic, the default type)', () => {
  test('a new container goes first, as the Kubernetes docs show', () => {
    const patch = { spec: { template: { spec: { containers: [{ name: 'sidecar', image: 'redis' }] } } } };
    assert.deepEqual(names(patchDeployment(liveDeployment(), patch).spec.template.spec.containers), ['sidecar', 'web', 'log']);
  });

  test('changing one container leaves the others and the list order alone', () => {
    const patch = { spec: { template: { spec: { containers: [{ name: 'log', image: 'fluent-bit' }] } } } };
    const containers = patchDeployment(liveDeployment(), patch).spec.template.spec.containers;
    assert.deepEqual(names(containers), ['web', 'log']);
    assert.equal(containers[1].image, 'fluent-bit');
    assert.equal(containers[1].imagePullPolicy, 'Always');
    assert.equal(containers[0].image, 'nginx:1.25');
  });

  test('$patch: delete removes a container by name', () => {
    const patch = { spec: { template: { spec: { containers: [{ name: 'web', $patch: 'delete' }] } } } };
    assert.deepEqual(names(patchDeployment(liveDeployment(), patch).spec.template.spec.containers), ['log']);
  });

  test('env merges by name: one variable changed, one unset field, the rest kept', () => {
    const patch = { spec: { template: { spec: { containers: [{ name: 'web', env: [{ name: 'B', value: 'two' }, { name: 'A', value: null }] }] } } } };
    const env = patchDeployment(liveDeployment(), patch).spec.template.spec.containers[0].env;
    assert.deepEqual(env, [{ name: 'B', value: 'two' }, { name: 'A' }, { name: 'INJECTED', value: 'x' }]);
  });

  test('tolerations carry no strategy and are replaced', () => {
    const patch = { spec: { template: { spec: { tolerations: [{ key: 'b', operator: 'Exists' }] } } } };
    assert.deepEqual(patchDeployment(liveDeployment(), patch).spec.template.spec.tolerations, [{ key: 'b', operator: 'Exists' }]);
  });

  test('$patch: replace on the container list', () => {
    const patch = { spec: { template: { spec: { containers: [{ $patch: 'replace' }, { name: 'only', image: 'busybox' }] } } } };
    assert.deepEqual(patchDeployment(liveDeployment(), patch).spec.template.spec.containers, [{ name: 'only', image: 'busybox' }]);
  });

  test('the same template rules apply to DaemonSets, ReplicaSets and Jobs', () => {
    const patch = { spec: { template: { spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] } } } };
    for (const [apiVersion, kind] of [['apps/v1', 'DaemonSet'], ['apps/v1', 'ReplicaSet'], ['batch/v1', 'Job']]) {
      const containers = patchKind(apiVersion, kind, { ...liveDeployment(), apiVersion, kind }, patch).spec.template.spec.containers;
      assert.deepEqual(names(containers), ['web', 'log'], kind);
      assert.equal(containers[0].env.length, 3, kind);
    }
  });
});

describe('metadata lists', () => {
  const pod = { metadata: { name: 'p', finalizers: ['a.example.com/x', 'b.example.com/y'], ownerReferences: [{ uid: 'u1', kind: 'ReplicaSet', name: 'rs' }] } };

  test('finalizers merge as a set', () => {
    assert.deepEqual(patchPod(pod, { metadata: { finalizers: ['b.example.com/y', 'c.example.com/z'] } }).metadata.finalizers, ['a.example.com/x', 'b.example.com/y', 'c.example.com/z']);
    assert.deepEqual(patchPod(pod, { metadata: { finalizers: ['a.example.com/x'] } }).metadata.finalizers, ['a.example.com/x', 'b.example.com/y']);
  });

  test('finalizers are removed with $deleteFromPrimitiveList, or all at once with null', () => {
    assert.deepEqual(patchPod(pod, { metadata: { '$deleteFromPrimitiveList/finalizers': ['a.example.com/x'] } }).metadata.finalizers, ['b.example.com/y']);
    assert.equal(patchPod(pod, { metadata: { finalizers: null } }).metadata.finalizers, undefined);
  });

  test('ownerReferences merge by uid', () => {
    const patch = { metadata: { ownerReferences: [{ uid: 'u1', controller: true }, { uid: 'u2', kind: 'Node', name: 'n' }] } };
    assert.deepEqual(patchPod(pod, patch).metadata.ownerReferences, [
      { uid: 'u1', kind: 'ReplicaSet', name: 'rs', controller: true },
      { uid: 'u2', kind: 'Node', name: 'n' },
    ]);
  });
});

describe('status patches from the control plane', () => {
  test('the kubelet updates one node condition by type', () => {
    const node = {
      status: {
        conditions: [
          { type: 'MemoryPressure', status: 'False', lastHeartbeatTime: 't0' },
          { type: 'Ready', status: 'False', lastHeartbeatTime: 't0', reason: 'KubeletNotReady' },
        ],
        addresses: [{ type: 'InternalIP', address: '10.0.0.1' }, { type: 'Hostname', address: 'n1' }],
      },
    };
    const patch = {
      status: {
        '$setElementOrder/conditions': [{ type: 'MemoryPressure' }, { type: 'Ready' }],
        conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: 't1', reason: 'KubeletReady' }],
        addresses: [{ type: 'InternalIP', address: '10.0.0.2' }],
      },
    };
    const status = patchKind('v1', 'Node', node, patch).status;
    assert.deepEqual(status.conditions, [
      { type: 'MemoryPressure', status: 'False', lastHeartbeatTime: 't0' },
      { type: 'Ready', status: 'True', lastHeartbeatTime: 't1', reason: 'KubeletReady' },
    ]);
    assert.deepEqual(status.addresses, [{ type: 'InternalIP', address: '10.0.0.2' }, { type: 'Hostname', address: 'n1' }]);
  });

  test('pod conditions merge by type while container statuses are replaced', () => {
    const pod = {
      status: {
        conditions: [{ type: 'PodScheduled', status: 'True' }],
        containerStatuses: [{ name: 'a', ready: false }, { name: 'b', ready: false }],
      },
    };
    const patch = { status: { conditions: [{ type: 'Ready', status: 'True' }], containerStatuses: [{ name: 'a', ready: true }] } };
    const status = patchPod(pod, patch).status;
    assert.deepEqual(status.conditions, [{ type: 'Ready', status: 'True' }, { type: 'PodScheduled', status: 'True' }]);
    assert.deepEqual(status.containerStatuses, [{ name: 'a', ready: true }]);
  });

  test('service ports merge by port', () => {
    const svc = { spec: { ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' }, { port: 443, targetPort: 8443, protocol: 'TCP' }] } };
    const patch = { spec: { ports: [{ port: 443, nodePort: 30443 }] } };
    assert.deepEqual(patchKind('v1', 'Service', svc, patch).spec.ports, [
      { port: 80, targetPort: 8080, protocol: 'TCP' },
      { port: 443, targetPort: 8443, protocol: 'TCP', nodePort: 30443 },
    ]);
  });
});
