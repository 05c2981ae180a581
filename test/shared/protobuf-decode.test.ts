// Kubernetes protobuf bodies, built the way client-go's gogo-generated Marshal writes them (every Go value field
// written, zero or not; pointers only when set), decode into the JSON Go's encoding/json would write.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeKubernetesProtobuf } from '../../shared/protobuf/decode.ts';
import { bool, bytes, concat, envelope, int, intOrString, mapEntry, message, quantity, str, stringMap, time } from './protobuf-encoder.ts';

const T_2024 = Date.UTC(2024, 0, 2, 3, 4, 5) / 1000;

/** ObjectMeta as gogo writes it: all value fields (zero ones too), an empty creationTimestamp when unset. */
function objectMeta(field: number, m: { name?: string; namespace?: string; labels?: Record<string, string>; created?: number; generateName?: string }) {
  return message(field,
    str(1, m.name ?? ''), str(2, m.generateName ?? ''), str(3, m.namespace ?? ''), str(4, ''), str(5, ''), str(6, ''), int(7, 0),
    m.created ? time(8, m.created) : message(8),
    stringMap(11, m.labels ?? {}),
    str(16, ''), // a field number kube removed (clusterName): Go skips unknown fields
  );
}

/** A container as `kubectl create deployment --image=... --port=...` builds it. */
function container(field: number, name: string, image: string, extra: Uint8Array[] = []) {
  return message(field,
    str(1, name), str(2, image), str(5, ''),
    message(8), // resources: a value struct, always written
    str(13, ''), str(14, ''), bool(16, false), bool(17, false), bool(18, false), str(20, ''),
    ...extra,
  );
}

describe('decodeKubernetesProtobuf: objects kubectl create sends', () => {
  test('ConfigMap: string data and binaryData as base64, omitempty metadata fields left out', () => {
    const body = envelope('v1', 'ConfigMap', concat(
      objectMeta(1, { name: 'c1', namespace: 'ns' }),
      stringMap(2, { z: 'last', a: 'b' }),
      mapEntry(3, 'bin', bytes(2, Uint8Array.of(0, 1, 2, 255))),
    ));
    const decoded = decodeKubernetesProtobuf(body);
    assert.equal(decoded.apiVersion, 'v1');
    assert.equal(decoded.kind, 'ConfigMap');
    assert.deepEqual(decoded.object, {
      kind: 'ConfigMap', apiVersion: 'v1',
      metadata: { name: 'c1', namespace: 'ns' },
      data: { a: 'b', z: 'last' },
      binaryData: { bin: 'AAEC/w==' },
    });
    // Go's encoding/json writes map keys sorted.
    assert.deepEqual(Object.keys((decoded.object as { data: object }).data), ['a', 'z']);
  });

  test('Secret: bytes values as base64, a pointer bool kept even when false, type', () => {
    const body = envelope('v1', 'Secret', concat(
      objectMeta(1, { name: 's1' }),
      mapEntry(2, 'password', bytes(2, 'hunter2')),
      mapEntry(2, 'empty', bytes(2, '')),
      str(3, 'Opaque'),
      bool(5, false),
    ));
    assert.deepEqual(decodeKubernetesProtobuf(body).object, {
      kind: 'Secret', apiVersion: 'v1',
      metadata: { name: 's1' },
      immutable: false,
      data: { empty: '', password: Buffer.from('hunter2').toString('base64') },
      type: 'Opaque',
    });
  });

  test('Deployment: nested template, IntOrString maxSurge/maxUnavailable, Quantity resources, Time, zero-valued status', () => {
    const resources = message(8,
      mapEntry(1, 'cpu', quantity(2, '0.5')), mapEntry(1, 'memory', quantity(2, '128Mi')),
      mapEntry(2, 'cpu', quantity(2, '100m')),
    );
    const spec = message(2,
      int(1, 2), // replicas *int32
      message(2, stringMap(1, { app: 'web' })), // selector
      message(3, // template
        objectMeta(1, { labels: { app: 'web' } }),
        message(2, container(2, 'nginx', 'nginx:1.27', [message(6, str(1, ''), int(2, 0), int(3, 80), str(4, 'TCP'), str(5, '')), resources]),
          str(3, 'Always'), str(6, ''), str(8, ''), str(9, ''), str(10, ''), bool(11, false), bool(12, false), bool(13, false)),
      ),
      message(4, str(1, 'RollingUpdate'), message(2, intOrString(1, 1), intOrString(2, '25%'))), // strategy
      int(5, 0), bool(7, false), // minReadySeconds, paused: omitempty value fields
    );
    const body = envelope('apps/v1', 'Deployment', concat(objectMeta(1, { name: 'web', namespace: 'default', created: T_2024 }), spec, message(3)));
    assert.deepEqual(decodeKubernetesProtobuf(body).object, {
      kind: 'Deployment', apiVersion: 'apps/v1',
      metadata: { name: 'web', namespace: 'default', creationTimestamp: '2024-01-02T03:04:05Z' },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: {
            containers: [{
              name: 'nginx', image: 'nginx:1.27',
              ports: [{ containerPort: 80, protocol: 'TCP' }],
              resources: { limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: '100m' } },
            }],
            restartPolicy: 'Always',
          },
        },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: '25%' } },
      },
      status: {},
    });
  });

  test('Deployment: replicas 0 is kept (a pointer), and an absent status is still the zero struct', () => {
    const body = envelope('apps/v1', 'Deployment', concat(objectMeta(1, { name: 'zero' }), message(2, int(1, 0))));
    const object = decodeKubernetesProtobuf(body).object as { spec: Record<string, unknown>; status: unknown };
    assert.equal(object.spec.replicas, 0);
    // template is a value struct; its metadata and spec render as Go's zero values.
    assert.deepEqual(object.spec.template, { metadata: {}, spec: {} });
    assert.deepEqual(object.spec.strategy, {});
    assert.deepEqual(object.status, {});
  });

  test('Service: IntOrString targetPort as number or string, port 0 kept (no omitempty), status.loadBalancer {}', () => {
    const port = (name: string, p: number, target: number | string) => message(1, str(1, name), str(2, 'TCP'), int(3, p), intOrString(4, target), int(5, 0));
    const body = envelope('v1', 'Service', concat(
      objectMeta(1, { name: 's', labels: { app: 's' } }),
      message(2, port('80-8080', 80, 8080), port('named', 0, 'http'), stringMap(2, { app: 's' }), str(3, ''), str(4, 'ClusterIP'), str(7, ''), bool(13, false)),
      message(3, message(1)),
    ));
    assert.deepEqual(decodeKubernetesProtobuf(body).object, {
      kind: 'Service', apiVersion: 'v1',
      metadata: { name: 's', labels: { app: 's' } },
      spec: {
        ports: [
          { name: '80-8080', protocol: 'TCP', port: 80, targetPort: 8080 },
          { name: 'named', protocol: 'TCP', port: 0, targetPort: 'http' },
        ],
        selector: { app: 's' },
        type: 'ClusterIP',
      },
      status: { loadBalancer: {} },
    });
  });

  test('Namespace: cluster-scoped, spec and status are zero structs', () => {
    const body = envelope('v1', 'Namespace', concat(objectMeta(1, { name: 'x' }), message(2), message(3, str(1, ''))));
    assert.deepEqual(decodeKubernetesProtobuf(body).object, { kind: 'Namespace', apiVersion: 'v1', metadata: { name: 'x' }, spec: {}, status: {} });
  });

  test('Job: command, pointer fields, restartPolicy, zero status', () => {
    const podSpec = message(2, container(2, 'j', 'busybox', [str(3, 'echo'), str(3, 'hi')]), str(3, 'Never'));
    const body = envelope('batch/v1', 'Job', concat(
      objectMeta(1, { name: 'j' }),
      message(2, int(7, 4), message(6, objectMeta(1, {}), podSpec), bool(10, false)),
      message(3, int(4, 0), int(5, 0), int(6, 0)),
    ));
    assert.deepEqual(decodeKubernetesProtobuf(body).object, {
      kind: 'Job', apiVersion: 'batch/v1',
      metadata: { name: 'j' },
      spec: {
        backoffLimit: 4,
        template: { metadata: {}, spec: { containers: [{ name: 'j', image: 'busybox', command: ['echo', 'hi'], resources: {} }], restartPolicy: 'Never' } },
        suspend: false,
      },
      status: {},
    });
  });

  test('Volume sources are inlined into the volume, probe handlers into the probe', () => {
    const podSpec = message(2,
      message(1, str(1, 'cfg'), message(2, message(19, message(1, str(1, 'my-config')), int(3, 420)))), // configMap source, defaultMode *int32
      container(2, 'c', 'img', [message(10, message(1, message(2, str(1, '/healthz'), intOrString(2, 'http'), str(4, 'HTTP'))), int(2, 3), int(3, 1))]),
    );
    const object = decodeKubernetesProtobuf(envelope('v1', 'Pod', concat(objectMeta(1, { name: 'p' }), podSpec))).object as { spec: { volumes: unknown[]; containers: Array<{ livenessProbe: unknown }> } };
    assert.deepEqual(object.spec.volumes, [{ name: 'cfg', configMap: { name: 'my-config', defaultMode: 420 } }]);
    assert.deepEqual(object.spec.containers[0].livenessProbe, { httpGet: { path: '/healthz', port: 'http', scheme: 'HTTP' }, initialDelaySeconds: 3, timeoutSeconds: 1 });
  });

  test('Lease: MicroTime with microseconds', () => {
    const body = envelope('coordination.k8s.io/v1', 'Lease', concat(
      objectMeta(1, { name: 'node-1', namespace: 'kube-node-lease' }),
      message(2, str(1, 'node-1'), int(2, 40), time(4, T_2024, 123_456_789)),
    ));
    assert.deepEqual(decodeKubernetesProtobuf(body).object, {
      kind: 'Lease', apiVersion: 'coordination.k8s.io/v1',
      metadata: { name: 'node-1', namespace: 'kube-node-lease' },
      spec: { holderIdentity: 'node-1', leaseDurationSeconds: 40, renewTime: '2024-01-02T03:04:05.123456Z' },
    });
  });

  test('EndpointSlice: addressType and endpoint conditions', () => {
    const body = envelope('discovery.k8s.io/v1', 'EndpointSlice', concat(
      objectMeta(1, { name: 'es' }),
      message(2, str(1, '10.0.0.1'), message(2, bool(1, true)), str(6, 'node-1')),
      message(3, str(1, 'http'), str(2, 'TCP'), int(3, 8080)),
      str(4, 'IPv4'),
    ));
    assert.deepEqual(decodeKubernetesProtobuf(body).object, {
      kind: 'EndpointSlice', apiVersion: 'discovery.k8s.io/v1',
      metadata: { name: 'es' },
      addressType: 'IPv4',
      endpoints: [{ addresses: ['10.0.0.1'], conditions: { ready: true }, nodeName: 'node-1' }],
      ports: [{ name: 'http', protocol: 'TCP', port: 8080 }],
    });
  });

  test('Scale: status.replicas has no omitempty, so 0 is written', () => {
    const body = envelope('autoscaling/v1', 'Scale', concat(objectMeta(1, { name: 'web', namespace: 'default' }), message(2, int(1, 5)), message(3, int(1, 0), str(2, ''))));
    assert.deepEqual(decodeKubernetesProtobuf(body).object, {
      kind: 'Scale', apiVersion: 'autoscaling/v1',
      metadata: { name: 'web', namespace: 'default' },
      spec: { replicas: 5 },
      status: { replicas: 0 },
    });
  });

  test('DeleteOptions in any group version, with preconditions and dryRun', () => {
    const body = envelope('apps/v1', 'DeleteOptions', concat(int(1, 0), message(2, str(1, 'uid-1')), str(4, 'Foreground'), str(5, 'All')));
    assert.deepEqual(decodeKubernetesProtobuf(body), {
      apiVersion: 'apps/v1', kind: 'DeleteOptions',
      object: { kind: 'DeleteOptions', apiVersion: 'apps/v1', gracePeriodSeconds: 0, preconditions: { uid: 'uid-1' }, propagationPolicy: 'Foreground', dryRun: ['All'] },
    });
  });

  test('Event: involvedObject, zero value Time and MicroTime left out, reporting fields without omitempty written', () => {
    const body = envelope('v1', 'Event', concat(
      objectMeta(1, { name: 'e.1', namespace: 'default' }),
      message(2, str(1, 'Pod'), str(2, 'default'), str(3, 'p')),
      str(3, 'Scheduled'), str(4, 'assigned'), message(5, str(1, 'scheduler')),
      time(6, T_2024), message(7), int(8, 1), str(9, 'Normal'), message(10),
    ));
    assert.deepEqual(decodeKubernetesProtobuf(body).object, {
      kind: 'Event', apiVersion: 'v1',
      metadata: { name: 'e.1', namespace: 'default' },
      involvedObject: { kind: 'Pod', namespace: 'default', name: 'p' },
      reason: 'Scheduled', message: 'assigned', source: { component: 'scheduler' },
      firstTimestamp: '2024-01-02T03:04:05Z', count: 1, type: 'Normal',
      reportingComponent: '', reportingInstance: '',
    });
  });
});
