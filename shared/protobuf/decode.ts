// Decodes a Kubernetes protobuf body into the JSON object Go would produce from it: proto-unmarshal into the
// Go struct, then encoding/json. So a Go value field that is absent on the wire still appears (zero, unless
// its json tag says omitempty), a Go pointer appears only when sent, and message fields absent on the wire
// render as Go's zero struct (`status: {}`). Go's `null` (nil slices, maps and pointers without omitempty,
// zero Time) is left out instead, since Kubernetes reads null as absent.
import { messageDescriptor, messageForKind, type FieldDescriptor, type ScalarType } from './descriptors.ts';
import { readEnvelope, hasProtobufMagic } from './envelope.ts';
import { durationJson, embeddedJson, intOrStringJson, microTimeJson, quantityJson, timeJson } from './go-json.ts';
import {
  ProtobufDecodeError, WIRE_BYTES, WIRE_FIXED32, WIRE_FIXED64, WIRE_VARINT, WireReader,
  toBigInt64, toBool, toInt32, toInt64, type Varint64, type WireType,
} from './wire.ts';

export { ProtobufDecodeError } from './wire.ts';

export interface DecodedObject {
  apiVersion: string;
  kind: string;
  object: Record<string, unknown>;
}

type RawValue =
  | { wireType: typeof WIRE_VARINT; varint: Varint64 }
  | { wireType: typeof WIRE_FIXED64; fixed64: Varint64 }
  | { wireType: typeof WIRE_FIXED32; fixed32: number }
  | { wireType: typeof WIRE_BYTES; bytes: Uint8Array };

type ScalarValue = string | number | boolean | Uint8Array;

/** Every field occurrence by number, in wire order; unknown numbers are kept and ignored, as Go skips them. */
function readRawFields(bytes: Uint8Array): Map<number, RawValue[]> {
  const fields = new Map<number, RawValue[]>();
  const reader = new WireReader(bytes);
  while (!reader.done) {
    const { number, wireType } = reader.readKey();
    const value: RawValue = wireType === WIRE_VARINT ? { wireType, varint: reader.readVarint() }
      : wireType === WIRE_FIXED64 ? { wireType, fixed64: reader.readFixed64() }
        : wireType === WIRE_FIXED32 ? { wireType, fixed32: reader.readFixed32() }
          : { wireType, bytes: reader.readBytes() };
    const list = fields.get(number);
    if (list) list.push(value);
    else fields.set(number, [value]);
  }
  return fields;
}

const wrongWireType = (where: string, got: WireType) => new ProtobufDecodeError(`${where}: unexpected wire type ${got}`);

function varintScalar(type: ScalarType, v: Varint64): ScalarValue {
  return type === 'bool' ? toBool(v) : type === 'int32' ? toInt32(v) : toInt64(v);
}

/** One occurrence's values: one, or several for a packed repeated numeric field (Go accepts both forms). */
function scalarValues(type: ScalarType, raw: RawValue, where: string): ScalarValue[] {
  if (type === 'string' || type === 'bytes') {
    if (raw.wireType !== WIRE_BYTES) throw wrongWireType(where, raw.wireType);
    return [type === 'bytes' ? raw.bytes : Buffer.from(raw.bytes.buffer, raw.bytes.byteOffset, raw.bytes.length).toString('utf8')];
  }
  if (type === 'float64') {
    if (raw.wireType === WIRE_FIXED64) {
      const view = new DataView(new ArrayBuffer(8));
      view.setUint32(0, raw.fixed64.lo, true);
      view.setUint32(4, raw.fixed64.hi, true);
      return [view.getFloat64(0, true)];
    }
    if (raw.wireType !== WIRE_BYTES) throw wrongWireType(where, raw.wireType);
    const reader = new WireReader(raw.bytes);
    const out: number[] = [];
    while (!reader.done) out.push(reader.readDouble());
    return out;
  }
  if (raw.wireType === WIRE_VARINT) return [varintScalar(type, raw.varint)];
  if (raw.wireType !== WIRE_BYTES) throw wrongWireType(where, raw.wireType);
  const reader = new WireReader(raw.bytes);
  const out: ScalarValue[] = [];
  while (!reader.done) out.push(varintScalar(type, reader.readVarint()));
  return out;
}

const lastScalar = (type: ScalarType, raws: RawValue[] | undefined, where: string): ScalarValue | undefined =>
  raws?.length ? scalarValues(type, raws[raws.length - 1], where).at(-1) : undefined;

const isZero = (v: ScalarValue) => v === '' || v === 0 || v === false || (v instanceof Uint8Array && v.length === 0);

const ZERO: Record<ScalarType, ScalarValue> = { string: '', bool: false, int32: 0, int64: 0, float64: 0, bytes: new Uint8Array(0) };

function scalarJson(v: ScalarValue, where: string): unknown {
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.length).toString('base64');
  if (typeof v === 'number' && !Number.isFinite(v)) throw new ProtobufDecodeError(`${where}: unsupported value ${v}`);
  return v;
}

function messageBytes(raws: RawValue[], where: string): Uint8Array[] {
  return raws.map((r) => {
    if (r.wireType !== WIRE_BYTES) throw wrongWireType(where, r.wireType);
    return r.bytes;
  });
}

/** Proto merges repeated occurrences of a singular message field, which is what decoding their concatenation does. */
const merged = (parts: Uint8Array[]): Uint8Array => (parts.length === 1 ? parts[0] : Buffer.concat(parts));

type GoMarshaler = (fields: Map<number, RawValue[]>, bytes: Uint8Array, where: string) => unknown;

const GO_MARSHALERS: Readonly<Record<string, GoMarshaler>> = {
  'meta.v1.Time': (f, bytes, where) => timeJson(bytes.length === 0, Number(lastScalar('int64', f.get(1), where) ?? 0), Number(lastScalar('int32', f.get(2), where) ?? 0)),
  'meta.v1.MicroTime': (f, bytes, where) => microTimeJson(bytes.length === 0, Number(lastScalar('int64', f.get(1), where) ?? 0), Number(lastScalar('int32', f.get(2), where) ?? 0)),
  'meta.v1.Duration': (f, _bytes, where) => {
    const raw = f.get(1)?.at(-1);
    if (raw && raw.wireType !== WIRE_VARINT) throw wrongWireType(`${where}.duration`, raw.wireType);
    return durationJson(raw ? toBigInt64(raw.varint) : 0n);
  },
  'resource.Quantity': (f, _bytes, where) => quantityJson(lastScalar('string', f.get(1), where) as string | undefined),
  'intstr.IntOrString': (f, _bytes, where) => intOrStringJson(
    Number(lastScalar('int64', f.get(1), where) ?? 0),
    Number(lastScalar('int32', f.get(2), where) ?? 0),
    String(lastScalar('string', f.get(3), where) ?? ''),
  ),
  'meta.v1.FieldsV1': (f, _bytes, where) => embeddedJson(lastScalar('bytes', f.get(1), where) as Uint8Array | undefined, 'fieldsV1'),
  'runtime.RawExtension': (f, _bytes, where) => {
    const raw = lastScalar('bytes', f.get(1), where) as Uint8Array | undefined;
    // An object embedded by a protobuf client is itself a k8s protobuf envelope.
    if (raw && hasProtobufMagic(raw)) return decodeKubernetesProtobuf(raw).object;
    return embeddedJson(raw, 'RawExtension');
  },
};

/** The Go-JSON value of one message: an object, a special type's JSON value, or undefined for Go's null. */
export function decodeMessage(name: string, bytes: Uint8Array): unknown {
  const descriptor = messageDescriptor(name);
  const fields = readRawFields(bytes);
  const marshaler = GO_MARSHALERS[name];
  if (marshaler) return marshaler(fields, bytes, name);
  const out: Record<string, unknown> = {};
  for (const field of descriptor.fields) renderField(name, field, fields.get(field.number) ?? [], out);
  return out;
}

function valueOf(field: FieldDescriptor, raws: RawValue[], where: string): unknown[] {
  const v = field.value;
  if ('scalar' in v) return raws.flatMap((r) => scalarValues(v.scalar, r, where)).map((s) => scalarJson(s, where));
  return messageBytes(raws, where).map((b) => decodeMessage(v.message, b) ?? null);
}

function renderMap(field: FieldDescriptor, raws: RawValue[], where: string): Record<string, unknown> {
  const entries = new Map<string, unknown>();
  for (const entryBytes of messageBytes(raws, where)) {
    const entry = readRawFields(entryBytes);
    const key = lastScalar(field.mapKey!, entry.get(1), `${where} key`) ?? ZERO[field.mapKey!];
    const valueRaws = entry.get(2) ?? [];
    const v = field.value;
    let value: unknown;
    if ('scalar' in v) value = scalarJson(lastScalar(v.scalar, valueRaws, `${where}[${String(key)}]`) ?? ZERO[v.scalar], where);
    else value = decodeMessage(v.message, merged(messageBytes(valueRaws, where))) ?? null;
    entries.set(String(scalarJson(key, where)), value);
  }
  // Go's encoding/json writes map keys sorted.
  return Object.fromEntries([...entries.keys()].sort().map((k) => [k, entries.get(k)]));
}

function renderField(message: string, field: FieldDescriptor, raws: RawValue[], out: Record<string, unknown>): void {
  const where = `${message}.${field.name}`;
  switch (field.cardinality) {
    case 'map': {
      if (raws.length > 0) out[field.name] = renderMap(field, raws, where);
      return;
    }
    case 'repeated': {
      const values = valueOf(field, raws, where);
      if (values.length > 0) out[field.name] = values;
      return;
    }
    case 'pointer': {
      if (raws.length === 0) return;
      let value: unknown;
      if ('scalar' in field.value) {
        const scalar = lastScalar(field.value.scalar, raws, where);
        value = scalar === undefined ? undefined : scalarJson(scalar, where);
      } else value = decodeMessage(field.value.message, merged(messageBytes(raws, where)));
      if (value !== undefined) out[field.name] = value;
      return;
    }
    case 'single': {
      if ('scalar' in field.value) {
        const value = lastScalar(field.value.scalar, raws, where) ?? ZERO[field.value.scalar];
        // A nil []byte is null in Go's JSON, so an empty one is left out with or without omitempty.
        if (isZero(value) && (field.omitEmpty || field.value.scalar === 'bytes')) return;
        out[field.name] = scalarJson(value, where);
        return;
      }
      // Go's omitempty never omits a struct: an absent message field is its zero value.
      const value = decodeMessage(field.value.message, merged(messageBytes(raws, where)));
      if (value === undefined) return;
      if (field.inline) Object.assign(out, value);
      else out[field.name] = value;
    }
  }
}

/**
 * Decodes a body sent as `application/vnd.kubernetes.protobuf` into the object a JSON client would have sent,
 * carrying `kind` and `apiVersion` from the envelope. Throws ProtobufDecodeError for a bad magic, an unknown
 * kind or malformed wire data.
 */
export function decodeKubernetesProtobuf(body: Uint8Array): DecodedObject {
  const { apiVersion, kind, raw } = readEnvelope(body);
  const message = messageForKind(apiVersion, kind);
  if (!message) throw new ProtobufDecodeError(`no kind ${JSON.stringify(kind)} is registered for version ${JSON.stringify(apiVersion)}`);
  const decoded = decodeMessage(message, raw) as Record<string, unknown>;
  return { apiVersion, kind, object: { kind, apiVersion, ...decoded } };
}
