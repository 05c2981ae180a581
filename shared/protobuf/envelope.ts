// The envelope of a Kubernetes protobuf body (k8s.io/apimachinery/pkg/runtime/serializer/protobuf): the magic
// `k8s\x00`, then a runtime.Unknown message whose `raw` holds the object's own message:
//
//   message Unknown { optional TypeMeta typeMeta = 1; optional bytes raw = 2;
//                     optional string contentEncoding = 3; optional string contentType = 4; }
//   message TypeMeta { optional string apiVersion = 1; optional string kind = 2; }
import { ProtobufDecodeError, WIRE_BYTES, WireReader } from './wire.ts';

export const PROTOBUF_MAGIC = Uint8Array.of(0x6b, 0x38, 0x73, 0x00);

export interface Envelope {
  apiVersion: string;
  kind: string;
  raw: Uint8Array;
  contentEncoding: string;
  contentType: string;
}

export const hasProtobufMagic = (data: Uint8Array): boolean =>
  data.length >= PROTOBUF_MAGIC.length && PROTOBUF_MAGIC.every((b, i) => data[i] === b);

const text = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8');

function readBytesField(reader: WireReader, wireType: number, name: string): Uint8Array {
  if (wireType !== WIRE_BYTES) throw new ProtobufDecodeError(`runtime.Unknown: field ${name} has wire type ${wireType}, expected 2`);
  return reader.readBytes();
}

function readTypeMeta(bytes: Uint8Array): { apiVersion: string; kind: string } {
  const out = { apiVersion: '', kind: '' };
  const reader = new WireReader(bytes);
  while (!reader.done) {
    const { number, wireType } = reader.readKey();
    if (number === 1) out.apiVersion = text(readBytesField(reader, wireType, 'typeMeta.apiVersion'));
    else if (number === 2) out.kind = text(readBytesField(reader, wireType, 'typeMeta.kind'));
    else reader.skip(wireType);
  }
  return out;
}

/** Reads the magic and the runtime.Unknown around the object, with Go's error wording. */
export function readEnvelope(body: Uint8Array): Envelope {
  if (body.length === 0) throw new ProtobufDecodeError('empty data');
  if (!hasProtobufMagic(body)) {
    throw new ProtobufDecodeError(`provided data does not appear to be a protobuf message, expected prefix [${[...PROTOBUF_MAGIC].join(' ')}]`);
  }
  if (body.length === PROTOBUF_MAGIC.length) throw new ProtobufDecodeError('empty body');
  const envelope: Envelope = { apiVersion: '', kind: '', raw: new Uint8Array(0), contentEncoding: '', contentType: '' };
  const reader = new WireReader(body.subarray(PROTOBUF_MAGIC.length));
  while (!reader.done) {
    const { number, wireType } = reader.readKey();
    if (number === 1) Object.assign(envelope, readTypeMeta(readBytesField(reader, wireType, 'typeMeta')));
    else if (number === 2) envelope.raw = readBytesField(reader, wireType, 'raw');
    else if (number === 3) envelope.contentEncoding = text(readBytesField(reader, wireType, 'contentEncoding'));
    else if (number === 4) envelope.contentType = text(readBytesField(reader, wireType, 'contentType'));
    else reader.skip(wireType);
  }
  const typeMeta = `runtime.TypeMeta{APIVersion:${JSON.stringify(envelope.apiVersion)}, Kind:${JSON.stringify(envelope.kind)}}`;
  if (!envelope.kind) throw new ProtobufDecodeError(`Object 'Kind' is missing in '${typeMeta}'`);
  if (!envelope.apiVersion) throw new ProtobufDecodeError(`Object 'apiVersion' is missing in '${typeMeta}'`);
  // Go unmarshals `raw` as protobuf whatever these say; a compressed or foreign payload would not decode.
  if (envelope.contentEncoding) throw new ProtobufDecodeError(`unsupported contentEncoding ${JSON.stringify(envelope.contentEncoding)}`);
  return envelope;
}
