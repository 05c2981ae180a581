// A tiny protobuf encoder for tests: builds the bytes a gogo-generated Kubernetes client would send.
// Each helper returns one encoded field; `message` nests fields; `envelope` wraps an object in `k8s\0` + Unknown.

export const varint = (value: bigint): number[] => {
  let v = BigInt.asUintN(64, value);
  const out: number[] = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v) b |= 0x80;
    out.push(b);
  } while (v);
  return out;
};

const key = (field: number, wireType: number) => varint(BigInt((field << 3) | wireType));

export type Field = Uint8Array;

export const int = (field: number, value: number | bigint): Field => Uint8Array.from([...key(field, 0), ...varint(BigInt(value))]);
export const bool = (field: number, value: boolean): Field => int(field, value ? 1 : 0);

export function bytes(field: number, data: Uint8Array | string): Field {
  const payload = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  return Uint8Array.from([...key(field, 2), ...varint(BigInt(payload.length)), ...payload]);
}
export const str = bytes;

export const concat = (...parts: Uint8Array[]): Uint8Array => Uint8Array.from(parts.flatMap((p) => [...p]));

export const message = (field: number, ...fields: Field[]): Field => bytes(field, concat(...fields));

/** A proto map entry: key = 1, value = 2. */
export const mapEntry = (field: number, k: string, value: Field): Field => message(field, str(1, k), value);
export const stringMap = (field: number, entries: Record<string, string>): Field =>
  concat(...Object.entries(entries).map(([k, v]) => mapEntry(field, k, str(2, v))));

export const double = (field: number, value: number): Field => {
  const b = Buffer.alloc(8);
  b.writeDoubleLE(value);
  return Uint8Array.from([...key(field, 1), ...b]);
};

/** metav1.Time / MicroTime */
export const time = (field: number, seconds: number, nanos = 0): Field =>
  message(field, ...(seconds ? [int(1, seconds)] : []), ...(nanos ? [int(2, nanos)] : []));
/** intstr.IntOrString */
export const intOrString = (field: number, value: number | string): Field =>
  typeof value === 'number' ? message(field, int(1, 0), int(2, value), str(3, '')) : message(field, int(1, 1), int(2, 0), str(3, value));
/** resource.Quantity */
export const quantity = (field: number, value: string): Field => message(field, str(1, value));

export function envelope(apiVersion: string, kind: string, object: Uint8Array): Buffer {
  const unknown = concat(message(1, str(1, apiVersion), str(2, kind)), bytes(2, object), str(3, ''), str(4, ''));
  return Buffer.concat([Buffer.from('k8s\0', 'latin1'), unknown]);
}
