// Single values decode as Go's encoding/json writes them: the hand-written MarshalJSON of Time, MicroTime,
// Duration, Quantity, IntOrString, RawExtension and FieldsV1, and the scalar encodings (negative int32,
// large int64, packed repeated numbers, merged message occurrences, unknown fields).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeKubernetesProtobuf, decodeMessage } from '../../shared/protobuf/decode.ts';
import { durationJson } from '../../shared/protobuf/go-json.ts';
import { bytes, concat, envelope, int, intOrString, message, quantity, str, time } from './protobuf-encoder.ts';

const inner = (field: Uint8Array) => field.subarray(2); // a one-byte key and a one-byte length

describe('Go MarshalJSON forms', () => {
  test('Time: RFC 3339 in UTC to the second; an empty message is null (left out)', () => {
    const seconds = Date.UTC(2006, 0, 2, 15, 4, 5) / 1000;
    assert.equal(decodeMessage('meta.v1.Time', inner(time(1, seconds, 999_999_999))), '2006-01-02T15:04:05Z');
    assert.equal(decodeMessage('meta.v1.Time', new Uint8Array(0)), undefined);
  });

  test('MicroTime: six fractional digits, nanoseconds truncated', () => {
    const seconds = Date.UTC(2006, 0, 2, 15, 4, 5) / 1000;
    assert.equal(decodeMessage('meta.v1.MicroTime', inner(time(1, seconds, 1_999))), '2006-01-02T15:04:05.000001Z');
    assert.equal(decodeMessage('meta.v1.MicroTime', inner(time(1, seconds))), '2006-01-02T15:04:05.000000Z');
  });

  test('Duration: Go time.Duration.String()', () => {
    const cases: Array<[bigint, string]> = [
      [0n, '0s'], [1n, '1ns'], [1_100n, '1.1µs'], [2_200_000n, '2.2ms'], [1_500_000_000n, '1.5s'],
      [60_000_000_000n, '1m0s'], [3_600_000_000_000n, '1h0m0s'], [-90_000_000_000n, '-1m30s'],
      [5_400_000_000_123n, '1h30m0.000000123s'], [9_223_372_036_854_775_807n, '2562047h47m16.854775807s'],
    ];
    for (const [ns, text] of cases) assert.equal(durationJson(ns), text, String(ns));
    assert.equal(decodeMessage('meta.v1.Duration', int(1, 9_223_372_036_854_775_807n)), '2562047h47m16.854775807s');
    assert.equal(decodeMessage('meta.v1.Duration', new Uint8Array(0)), '0s');
  });

  test('Quantity: canonical form; unset is "0"; malformed fails like Go ParseQuantity', () => {
    assert.equal(decodeMessage('resource.Quantity', inner(quantity(1, '0.5'))), '500m');
    assert.equal(decodeMessage('resource.Quantity', inner(quantity(1, '1024Mi'))), '1Gi');
    assert.equal(decodeMessage('resource.Quantity', new Uint8Array(0)), '0');
    assert.throws(() => decodeMessage('resource.Quantity', inner(quantity(1, 'lots'))), /quantity "lots"/);
  });

  test('IntOrString: by its type; an unknown type fails', () => {
    assert.equal(decodeMessage('intstr.IntOrString', inner(intOrString(1, 8080))), 8080);
    assert.equal(decodeMessage('intstr.IntOrString', inner(intOrString(1, '25%'))), '25%');
    assert.equal(decodeMessage('intstr.IntOrString', new Uint8Array(0)), 0);
    assert.throws(() => decodeMessage('intstr.IntOrString', int(1, 7)), /impossible IntOrString.Type 7/);
  });

  test('RawExtension and FieldsV1: embedded JSON; a nested protobuf object is decoded', () => {
    assert.deepEqual(decodeMessage('runtime.RawExtension', bytes(1, '{"a":[1,2]}')), { a: [1, 2] });
    assert.deepEqual(decodeMessage('meta.v1.FieldsV1', bytes(1, '{"f:data":{".":{}}}')), { 'f:data': { '.': {} } });
    assert.equal(decodeMessage('runtime.RawExtension', new Uint8Array(0)), undefined);
    const nested = envelope('v1', 'Namespace', message(1, str(1, 'inner')));
    assert.deepEqual(decodeMessage('runtime.RawExtension', bytes(1, nested)), { kind: 'Namespace', apiVersion: 'v1', metadata: { name: 'inner' }, spec: {}, status: {} });
    assert.throws(() => decodeMessage('runtime.RawExtension', bytes(1, 'not json')), /RawExtension does not hold JSON/);
  });

  test('managedFields: time and fieldsV1 inside metadata', () => {
    const entry = message(17, str(1, 'kubectl-create'), str(2, 'Update'), str(3, 'v1'), time(4, 1_700_000_000), str(6, 'FieldsV1'), message(7, bytes(1, '{"f:data":{}}')), str(8, ''));
    const object = decodeKubernetesProtobuf(envelope('v1', 'ConfigMap', message(1, str(1, 'c'), entry))).object;
    assert.deepEqual(object.metadata, {
      name: 'c',
      managedFields: [{ manager: 'kubectl-create', operation: 'Update', apiVersion: 'v1', time: '2023-11-14T22:13:20Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': {} } }],
    });
  });
});

describe('scalar encodings', () => {
  test('a negative int32 (sent sign-extended in 10 bytes) and a large int64', () => {
    const object = decodeKubernetesProtobuf(envelope('v1', 'Pod', concat(
      message(1, str(1, 'p'), int(7, 2 ** 40 + 3)),
      message(2, int(4, -5), message(14, int(2, -1))), // terminationGracePeriodSeconds, securityContext.runAsUser
    ))).object as { metadata: { generation: number }; spec: Record<string, unknown> };
    assert.equal(object.metadata.generation, 2 ** 40 + 3);
    assert.equal(object.spec.terminationGracePeriodSeconds, -5);
    assert.deepEqual(object.spec.securityContext, { runAsUser: -1 });
  });

  test('int32 fields truncate to 32 bits as Go does', () => {
    const object = decodeKubernetesProtobuf(envelope('apps/v1', 'Deployment', message(2, int(1, -2)))).object as { spec: { replicas: number } };
    assert.equal(object.spec.replicas, -2);
  });

  test('repeated numbers are read packed or unpacked', () => {
    const packed = bytes(4, Uint8Array.from([1, 2, 0xac, 0x02]));
    const unpacked = concat(int(4, 1), int(4, 2), int(4, 300));
    for (const groups of [packed, unpacked]) {
      const spec = decodeMessage('core.v1.PodSecurityContext', groups) as { supplementalGroups: number[] };
      assert.deepEqual(spec.supplementalGroups, [1, 2, 300]);
    }
  });

  test('a singular message sent twice is merged; a scalar sent twice keeps the last', () => {
    const object = decodeMessage('meta.v1.ObjectMeta', concat(str(1, 'first'), str(1, 'second'), message(11, str(1, 'a'), str(2, '1')), message(11, str(1, 'b'), str(2, '2'))));
    assert.deepEqual(object, { name: 'second', labels: { a: '1', b: '2' } });
    const spec = decodeMessage('apps.v1.DeploymentSpec', concat(message(4, str(1, 'Recreate')), message(4, message(2, intOrString(1, 1)))));
    assert.deepEqual((spec as { strategy: unknown }).strategy, { type: 'Recreate', rollingUpdate: { maxUnavailable: 1 } });
  });

  test('unknown field numbers of every wire type are skipped', () => {
    const fixed32 = Uint8Array.from([(99 << 3 | 5) & 0x7f | 0x80, (99 << 3 | 5) >> 7, 1, 2, 3, 4]);
    const fixed64 = Uint8Array.from([(98 << 3 | 1) & 0x7f | 0x80, (98 << 3 | 1) >> 7, 1, 2, 3, 4, 5, 6, 7, 8]);
    const object = decodeMessage('meta.v1.ObjectMeta', concat(int(100, 5), fixed32, str(1, 'n'), fixed64, bytes(101, 'x')));
    assert.deepEqual(object, { name: 'n' });
  });

  test('strings are UTF-8', () => {
    assert.deepEqual(decodeMessage('meta.v1.ObjectMeta', concat(message(12, str(1, 'note'), str(2, 'héllo ✓')))), { annotations: { note: 'héllo ✓' } });
  });
});
