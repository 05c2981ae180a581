// Bodies that are not a decodable Kubernetes protobuf object fail with a clear ProtobufDecodeError
// (the API server turns it into a 400 BadRequest Status).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeKubernetesProtobuf, ProtobufDecodeError } from '../../shared/protobuf/decode.ts';
import { concat, envelope, int, message, str } from './protobuf-encoder.ts';

const fails = (body: Uint8Array, pattern: RegExp) =>
  assert.throws(() => decodeKubernetesProtobuf(body), (err: unknown) => err instanceof ProtobufDecodeError && pattern.test(err.message));

describe('decodeKubernetesProtobuf errors', () => {
  test('no magic, empty data, magic only', () => {
    fails(Buffer.from('{"kind":"ConfigMap"}'), /does not appear to be a protobuf message, expected prefix \[107 56 115 0\]/);
    fails(new Uint8Array(0), /^empty data$/);
    fails(Buffer.from('k8s\0', 'latin1'), /^empty body$/);
  });

  test('missing kind or apiVersion in the envelope', () => {
    fails(envelope('v1', '', new Uint8Array(0)), /Object 'Kind' is missing/);
    fails(envelope('', 'ConfigMap', new Uint8Array(0)), /Object 'apiVersion' is missing/);
  });

  test('a kind without a descriptor', () => {
    fails(envelope('v1', 'PersistentVolumeClaim', new Uint8Array(0)), /no kind "PersistentVolumeClaim" is registered for version "v1"/);
    fails(envelope('apps/v2', 'Deployment', new Uint8Array(0)), /no kind "Deployment" is registered for version "apps\/v2"/);
  });

  test('a compressed payload', () => {
    const body = Buffer.concat([Buffer.from('k8s\0', 'latin1'), message(1, str(1, 'v1'), str(2, 'ConfigMap')), str(3, 'gzip')]);
    fails(body, /unsupported contentEncoding "gzip"/);
  });

  test('truncated wire data', () => {
    const good = envelope('v1', 'ConfigMap', message(1, str(1, 'c1')));
    fails(good.subarray(0, good.length - 5), /runs past the end/); // cuts into `raw` (then contentEncoding, contentType)
    fails(envelope('v1', 'ConfigMap', Uint8Array.of(0x08, 0x80)), /end of data inside a varint/);
  });

  test('a field with the wrong wire type for its descriptor', () => {
    fails(envelope('v1', 'ConfigMap', concat(message(1, int(1, 5)))), /meta\.v1\.ObjectMeta\.name: unexpected wire type 0/);
    fails(envelope('v1', 'ConfigMap', int(2, 1)), /core\.v1\.ConfigMap\.data: unexpected wire type 0/);
  });

  test('groups and field number 0 are rejected', () => {
    fails(envelope('v1', 'ConfigMap', Uint8Array.of(0x0b, 0x0c)), /unsupported wire type 3/);
    fails(envelope('v1', 'ConfigMap', Uint8Array.of(0x00, 0x00)), /illegal field number 0/);
  });
});
