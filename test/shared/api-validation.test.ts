import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { StatusCause } from '../../shared/errors.ts';
import { DeleteOptions } from '../../shared/api/meta.ts';
import { resources } from '../../shared/api/registry.ts';
import { parseObject, validateObject, DECODE_ERROR } from '../../shared/api/validation.ts';

const meta = { name: 'x', namespace: 'default' };
const container = { name: 'app', image: 'nginx:1.25' };

function causesOf(result: { ok: true } | { ok: false; causes: StatusCause[] }): StatusCause[] {
  assert.equal(result.ok, false, 'expected validation to fail');
  return (result as { causes: StatusCause[] }).causes;
}
const find = (causes: StatusCause[], field: string) => causes.filter((c) => c.field === field);

describe('validateObject: metadata', () => {
  test('name required, name rule of the resource, namespace required or forbidden', () => {
    const noName = causesOf(validateObject(resources.pods, { metadata: { namespace: 'default' }, spec: { containers: [container] } }));
    assert.deepEqual(noName, [{ reason: 'FieldValueRequired', field: 'metadata.name', message: 'Required value: name or generateName is required' }]);

    const dotted = causesOf(validateObject(resources.namespaces, { metadata: { name: 'a.b' } }));
    assert.deepEqual(dotted, [{ reason: 'FieldValueInvalid', field: 'metadata.name', message: 'Invalid value: "a.b": must not contain dots' }]);
    assert.equal(validateObject(resources.configmaps, { metadata: { name: 'a.b', namespace: 'default' } }).ok, true);

    assert.deepEqual(find(causesOf(validateObject(resources.configmaps, { metadata: { name: 'c' } })), 'metadata.namespace'),
      [{ reason: 'FieldValueRequired', field: 'metadata.namespace', message: 'Required value' }]);
    assert.deepEqual(causesOf(validateObject(resources.nodes, { metadata: { name: 'n', namespace: 'default' } })),
      [{ reason: 'FieldValueForbidden', field: 'metadata.namespace', message: 'Forbidden: not allowed on this type' }]);
  });

  test('labels and annotations are checked like Kubernetes, at the map path', () => {
    const causes = causesOf(validateObject(resources.configmaps, { metadata: { ...meta, labels: { 'bad key': 'v', ok: 'bad value!' }, annotations: { 'a/b/c': '' } } }));
    assert.equal(find(causes, 'metadata.labels').length, 2);
    assert.match(find(causes, 'metadata.labels')[0].message!, /^Invalid value: "bad key": name part must consist of/);
    assert.match(find(causes, 'metadata.labels')[1].message!, /^Invalid value: "bad value!": a valid label must be an empty string/);
    assert.match(find(causes, 'metadata.annotations')[0].message!, /^Invalid value: "a\/b\/c": a qualified name must consist/);
  });

  test('owner references: one controller at most', () => {
    const ref = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'u', controller: true };
    const causes = causesOf(validateObject(resources.configmaps, { metadata: { ...meta, ownerReferences: [ref, { ...ref, name: 'rs2' }] } }));
    assert.equal(causes.length, 1);
    assert.equal(causes[0].field, 'metadata.ownerReferences');
    assert.match(causes[0].message!, /Only one reference can have Controller set to true. Found "true" in references for ReplicaSet\/rs and ReplicaSet\/rs2$/);
  });

  test('null means unset', () => {
    assert.equal(validateObject(resources.configmaps, { metadata: { ...meta, creationTimestamp: null }, data: null }).ok, true);
  });
});

describe('validateObject: pods', () => {
  test('field paths and reasons', () => {
    const causes = causesOf(validateObject(resources.pods, {
      metadata: meta,
      spec: {
        restartPolicy: 'Sometimes',
        containers: [
          { name: 'Web', image: 'nginx', ports: [{ containerPort: 70000 }, { containerPort: 80, protocol: 'HTTP' }] },
          { name: 'side' },
          { name: 'side', image: 'x', volumeMounts: [{ name: 'data', mountPath: '/data' }] },
        ],
      },
    }));
    assert.deepEqual(find(causes, 'spec.restartPolicy'), [{ reason: 'FieldValueNotSupported', field: 'spec.restartPolicy', message: 'Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"' }]);
    assert.equal(find(causes, 'spec.containers[0].name')[0].reason, 'FieldValueInvalid');
    assert.deepEqual(find(causes, 'spec.containers[0].ports[0].containerPort'), [{ reason: 'FieldValueInvalid', field: 'spec.containers[0].ports[0].containerPort', message: 'Invalid value: 70000: must be between 1 and 65535, inclusive' }]);
    assert.equal(find(causes, 'spec.containers[0].ports[1].protocol')[0].message, 'Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"');
    assert.deepEqual(find(causes, 'spec.containers[1].image'), [{ reason: 'FieldValueRequired', field: 'spec.containers[1].image', message: 'Required value' }]);
    assert.deepEqual(find(causes, 'spec.containers[2].name'), [{ reason: 'FieldValueDuplicate', field: 'spec.containers[2].name', message: 'Duplicate value: "side"' }]);
    assert.deepEqual(find(causes, 'spec.containers[2].volumeMounts[0].name'), [{ reason: 'FieldValueNotFound', field: 'spec.containers[2].volumeMounts[0].name', message: 'Not found: "data"' }]);
  });

  test('a pod needs containers, each with a name', () => {
    const causes = causesOf(validateObject(resources.pods, { metadata: meta, spec: { containers: [{ image: 'x' }] } }));
    assert.deepEqual(causes, [{ reason: 'FieldValueRequired', field: 'spec.containers[0].name', message: 'Required value' }]);
    const none = causesOf(validateObject(resources.pods, { metadata: meta }));
    assert.deepEqual(none, [{ reason: 'FieldValueRequired', field: 'spec.containers', message: 'Required value' }]);
  });

  test('probes need exactly one handler; requests may not exceed limits', () => {
    const causes = causesOf(validateObject(resources.pods, {
      metadata: meta,
      spec: { containers: [{ ...container, livenessProbe: {}, readinessProbe: { exec: { command: ['true'] }, tcpSocket: { port: 80 } }, resources: { requests: { cpu: '2' }, limits: { cpu: '1' } } }] },
    }));
    assert.deepEqual(find(causes, 'spec.containers[0].livenessProbe'), [{ reason: 'FieldValueRequired', field: 'spec.containers[0].livenessProbe', message: 'Required value: must specify a handler type' }]);
    assert.equal(find(causes, 'spec.containers[0].readinessProbe.tcpSocket')[0].message, 'Forbidden: may not specify more than 1 handler type');
    assert.equal(find(causes, 'spec.containers[0].resources.requests')[0].message, 'Invalid value: "2": must be less than or equal to cpu limit of 1');
  });

  test('invalid quantities, tolerations and node affinity', () => {
    const causes = causesOf(validateObject(resources.pods, {
      metadata: meta,
      spec: {
        containers: [{ ...container, resources: { limits: { memory: 'lots' } } }],
        tolerations: [{ operator: 'Equal', value: 'x' }],
        affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In' }] }] } } },
      },
    }));
    assert.match(find(causes, 'spec.containers[0].resources.limits.memory')[0].message!, /^Invalid value: "lots": quantities must match/);
    assert.equal(find(causes, 'spec.tolerations[0].operator')[0].message, 'Invalid value: "Equal": operator must be Exists when `key` is empty, which means "match all values and all keys"');
    assert.equal(find(causes, 'spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values')[0].message,
      "Required value: must be specified when `operator` is 'In' or 'NotIn'");
  });

  test('wrong JSON types are decoding errors (the server answers 400, as kube does)', () => {
    const causes = causesOf(validateObject(resources.pods, { metadata: meta, spec: { containers: [{ ...container, ports: [{ containerPort: '80' }] }] } }));
    assert.deepEqual(causes, [{ reason: DECODE_ERROR, field: 'spec.containers[0].ports[0].containerPort', message: 'json: cannot unmarshal string into Go struct field spec.containers[0].ports[0].containerPort of type number' }]);
  });
});

describe('validateObject: workloads and services', () => {
  const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [container] } };

  test('selector must match the template labels', () => {
    const causes = causesOf(validateObject(resources.deployments, { metadata: meta, spec: { selector: { matchLabels: { app: 'api' } }, template } }));
    assert.deepEqual(causes, [{
      reason: 'FieldValueInvalid',
      field: 'spec.template.metadata.labels',
      message: 'Invalid value: map[string]string{"app":"web"}: `selector` does not match template `labels`',
    }]);
  });

  test('a missing selector is required, and matches nothing', () => {
    const causes = causesOf(validateObject(resources.replicasets, { metadata: meta, spec: { template } }));
    assert.deepEqual(causes.map((c) => c.field), ['spec.selector', 'spec.template.metadata.labels']);
    assert.equal(causes[0].message, 'Required value');
  });

  test('replicas, restart policy and strategy', () => {
    const causes = causesOf(validateObject(resources.deployments, {
      metadata: meta,
      spec: {
        replicas: -1, selector: { matchLabels: { app: 'web' } }, strategy: { type: 'Recreate', rollingUpdate: {} },
        template: { ...template, spec: { ...template.spec, restartPolicy: 'Never' } },
      },
    }));
    assert.equal(find(causes, 'spec.replicas')[0].message, 'Invalid value: -1: must be greater than or equal to 0');
    assert.equal(find(causes, 'spec.template.spec.restartPolicy')[0].message, 'Unsupported value: "Never": supported values: "Always"');
    assert.equal(find(causes, 'spec.strategy.rollingUpdate')[0].message, "Forbidden: may not be specified when strategy `type` is 'Recreate'");
    const zero = causesOf(validateObject(resources.deployments, {
      metadata: meta, spec: { selector: { matchLabels: { app: 'web' } }, template, strategy: { rollingUpdate: { maxSurge: 0, maxUnavailable: '0%' } } },
    }));
    assert.equal(find(zero, 'spec.strategy.rollingUpdate.maxUnavailable')[0].message, 'Invalid value: 0%: may not be 0 when `maxSurge` is 0');
  });

  test('jobs may not restart pods Always', () => {
    const causes = causesOf(validateObject(resources.jobs, { metadata: meta, spec: { template } }));
    assert.deepEqual(causes, [{ reason: 'FieldValueNotSupported', field: 'spec.template.spec.restartPolicy', message: 'Unsupported value: "Always": supported values: "OnFailure", "Never"' }]);
  });

  test('service ports', () => {
    const causes = causesOf(validateObject(resources.services, {
      metadata: meta,
      spec: { type: 'Balanced', ports: [{ port: 80 }, { name: 'b', targetPort: 8080 }, { name: 'b', port: 81, nodePort: 30001 }] },
    }));
    assert.equal(find(causes, 'spec.type')[0].message, 'Unsupported value: "Balanced": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"');
    assert.deepEqual(find(causes, 'spec.ports[1].port'), [{ reason: 'FieldValueRequired', field: 'spec.ports[1].port', message: 'Required value' }]);
    const ok = causesOf(validateObject(resources.services, { metadata: meta, spec: { ports: [{ port: 80 }, { name: 'b', port: 81 }, { name: 'b', port: 82, nodePort: 30001 }] } }));
    assert.deepEqual(find(ok, 'spec.ports[0].name'), [{ reason: 'FieldValueRequired', field: 'spec.ports[0].name', message: 'Required value' }]);
    assert.deepEqual(find(ok, 'spec.ports[2].name'), [{ reason: 'FieldValueDuplicate', field: 'spec.ports[2].name', message: 'Duplicate value: "b"' }]);
    assert.equal(find(ok, 'spec.ports[2].nodePort')[0].message, "Forbidden: may not be used when `type` is 'ClusterIP'");
    assert.deepEqual(causesOf(validateObject(resources.services, { metadata: meta, spec: {} })),
      [{ reason: 'FieldValueRequired', field: 'spec.ports', message: 'Required value' }]);
    assert.equal(validateObject(resources.services, { metadata: meta, spec: { clusterIP: 'None' } }).ok, true);
  });

  test('service names must start with a letter', () => {
    const causes = causesOf(validateObject(resources.services, { metadata: { ...meta, name: '1web' }, spec: { ports: [{ port: 80 }] } }));
    assert.equal(causes[0].field, 'metadata.name');
    assert.match(causes[0].message!, /a DNS-1035 label must consist of/);
  });

  test('lease, configmap, secret', () => {
    assert.equal(causesOf(validateObject(resources.leases, { metadata: meta, spec: { leaseDurationSeconds: 0 } }))[0].message, 'Invalid value: 0: must be greater than 0');
    const cm = causesOf(validateObject(resources.configmaps, { metadata: meta, data: { 'a b': '1' } }));
    assert.equal(cm[0].field, 'data[a b]');
    const tls = causesOf(validateObject(resources.secrets, { metadata: meta, type: 'kubernetes.io/tls', data: { 'tls.crt': 'eA==' } }));
    assert.deepEqual(tls, [{ reason: 'FieldValueRequired', field: 'data[tls.key]', message: 'Required value' }]);
  });
});

describe('DeleteOptions', () => {
  test('defaults nothing, checks propagationPolicy and dryRun', () => {
    const ok = parseObject(DeleteOptions, { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Foreground', gracePeriodSeconds: 0, preconditions: { uid: 'u' } });
    assert.deepEqual(ok, { ok: true, value: { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Foreground', gracePeriodSeconds: 0, preconditions: { uid: 'u' } } });
    const causes = causesOf(parseObject(DeleteOptions, { propagationPolicy: 'Sideways', dryRun: ['Some'] }));
    assert.equal(find(causes, 'propagationPolicy')[0].reason, 'FieldValueNotSupported');
    assert.equal(find(causes, 'dryRun')[0].message, 'Unsupported value: []string{"Some"}: supported values: "All"');
    const both = causesOf(parseObject(DeleteOptions, { propagationPolicy: 'Orphan', orphanDependents: true }));
    assert.equal(both[0].message, 'Invalid value: "Orphan": orphanDependents and deletionPropagation cannot be both set');
  });
});
