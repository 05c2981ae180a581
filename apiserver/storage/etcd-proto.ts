// etcd's v3 KV, Watch and Maintenance messages on the protobuf wire (etcdserverpb's rpc.proto, mvccpb's
// kv.proto): just the requests this backend sends and the fields of the answers it reads. Written by
// hand because these few messages are all it needs and each call encodes one and decodes one: the
// reflection-driven codec of the etcd3 package costs more than the call itself.
//
// Field numbers are rpc.proto's. proto3 leaves out a field holding its default value, except inside
// a oneof, where being set is itself the information (Compare's target_union: "create_revision = 0"
// is the create guard).
import { WIRE_BYTES, WIRE_VARINT, WireReader, toBool, toInt64, type Varint64 } from '../../shared/protobuf/wire.ts';

export interface EtcdKeyValue {
  key: string;
  value: string;
  createRevision: number;
  modRevision: number;
  version: number;
}

export interface RangeRequest {
  key: Buffer;
  rangeEnd?: Buffer;
  revision?: number;
  limit?: number;
  countOnly?: boolean;
}

export interface RangeResponse {
  revision: number;
  kvs: EtcdKeyValue[];
  more: boolean;
  count: number;
}

export type CompareTarget = 'VERSION' | 'CREATE' | 'MOD';
export interface Compare {
  key: Buffer;
  target: CompareTarget;
  result: 'EQUAL' | 'GREATER';
  /** Compared with the version, create_revision or mod_revision, as `target` says. */
  value: number;
}

export type RequestOp =
  | { put: { key: Buffer; value: string; prevKv?: boolean } }
  | { deleteRange: { key: Buffer; prevKv?: boolean } }
  | { range: { key: Buffer } };

export interface ResponseOp {
  /** For a put or delete with prevKv, the value before; for a range, the key found. */
  kvs: EtcdKeyValue[];
}

export interface TxnResponse {
  revision: number;
  succeeded: boolean;
  responses: ResponseOp[];
}

/** An event of a watch: the key-value after a put; for a delete, the key and revision (kv) and the value before (prevKv). */
export interface WatchEvent {
  type: 'PUT' | 'DELETE';
  kv: EtcdKeyValue;
  /** Present when the watch asked for prev_kv and the previous revision is not compacted away. */
  prevKv?: EtcdKeyValue;
}

export interface WatchCreateRequest {
  key: Buffer;
  rangeEnd: Buffer;
  startRevision: number;
  prevKv: boolean;
  progressNotify: boolean;
}

/** One message of a watch stream: its creation, a batch of events, a progress notification, or its end. */
export interface WatchResponse {
  /** etcd's revision when the message was sent. */
  revision: number;
  created: boolean;
  canceled: boolean;
  cancelReason: string;
  /** Set when the start revision was compacted away: the watch is over. */
  compactRevision: number;
  events: WatchEvent[];
}

export interface StatusResponse {
  /** The answering member's id, in decimal (a uint64: beyond a JS number's exact range). */
  memberId: string;
  /** The member it knows as leader, in decimal; '0' while there is none. */
  leader: string;
}

// ---- encoding ----

// A message is described as fields first, then sized and written into one buffer (the length of a
// nested message is known before it is written): one allocation per call, where concatenating small
// buffers cost the API server 4% of its time on the create path.

type Field =
  | { n: number; varint: number }
  | { n: number; bytes: Uint8Array | string; length?: number }
  | { n: number; message: Message };
interface Message { fields: Field[]; size?: number }

function varintSize(value: number): number {
  let size = 1;
  for (let v = value; v > 0x7f; v = Math.floor(v / 0x80)) size++;
  return size;
}

function writeVarint(buf: Buffer, pos: number, value: number): number {
  let v = value;
  while (v > 0x7f) {
    buf[pos++] = (v % 0x80) | 0x80;
    v = Math.floor(v / 0x80);
  }
  buf[pos++] = v;
  return pos;
}

/** The payload length of a length-delimited field (computed once, kept on the field). */
function lengthOf(f: Field & ({ bytes: Uint8Array | string; length?: number } | { message: Message })): number {
  if ('message' in f) return sizeOf(f.message);
  f.length ??= typeof f.bytes === 'string' ? Buffer.byteLength(f.bytes) : f.bytes.length;
  return f.length;
}

function sizeOf(m: Message): number {
  if (m.size !== undefined) return m.size;
  let size = 0;
  for (const f of m.fields) {
    size += varintSize(f.n * 8);
    if ('varint' in f) size += varintSize(f.varint);
    else {
      const length = lengthOf(f);
      size += varintSize(length) + length;
    }
  }
  m.size = size;
  return size;
}

function write(m: Message, buf: Buffer, start: number): number {
  let pos = start;
  for (const f of m.fields) {
    if ('varint' in f) {
      pos = writeVarint(buf, pos, f.n * 8 + WIRE_VARINT);
      pos = writeVarint(buf, pos, f.varint);
      continue;
    }
    pos = writeVarint(buf, pos, f.n * 8 + WIRE_BYTES);
    pos = writeVarint(buf, pos, lengthOf(f));
    if ('message' in f) pos = write(f.message, buf, pos);
    else if (typeof f.bytes === 'string') pos += buf.write(f.bytes, pos, 'utf8');
    else {
      buf.set(f.bytes, pos);
      pos += f.bytes.length;
    }
  }
  return pos;
}

function encode(m: Message): Buffer {
  const buf = Buffer.allocUnsafe(sizeOf(m));
  write(m, buf, 0);
  return buf;
}

/** Numbers and bools left out at their default (proto3), as every field here outside a oneof. */
function optional(fields: Field[], n: number, value: number | boolean | undefined): void {
  if (value) fields.push({ n, varint: Number(value) });
}

function rangeMessage(r: RangeRequest): Message {
  const fields: Field[] = [{ n: 1, bytes: r.key }];
  if (r.rangeEnd) fields.push({ n: 2, bytes: r.rangeEnd });
  optional(fields, 3, r.limit);
  optional(fields, 4, r.revision);
  optional(fields, 9, r.countOnly);
  return { fields };
}

export const encodeRangeRequest = (r: RangeRequest): Buffer => encode(rangeMessage(r));

const COMPARE_RESULT = { EQUAL: 0, GREATER: 1 } as const;
/** The enum value, and the target_union field that carries the operand. */
const COMPARE_TARGET: Record<CompareTarget, { value: number; field: number }> = {
  VERSION: { value: 0, field: 4 },
  CREATE: { value: 1, field: 5 },
  MOD: { value: 2, field: 6 },
};

function compareMessage(c: Compare): Message {
  const target = COMPARE_TARGET[c.target];
  const fields: Field[] = [];
  optional(fields, 1, COMPARE_RESULT[c.result]);
  optional(fields, 2, target.value);
  fields.push({ n: 3, bytes: c.key }, { n: target.field, varint: c.value }); // in the oneof: sent even when 0
  return { fields };
}

function requestOpMessage(op: RequestOp): Message {
  if ('put' in op) {
    const put: Field[] = [{ n: 1, bytes: op.put.key }, { n: 2, bytes: op.put.value }];
    optional(put, 4, op.put.prevKv);
    return { fields: [{ n: 2, message: { fields: put } }] };
  }
  if ('deleteRange' in op) {
    const del: Field[] = [{ n: 1, bytes: op.deleteRange.key }];
    optional(del, 3, op.deleteRange.prevKv);
    return { fields: [{ n: 3, message: { fields: del } }] };
  }
  return { fields: [{ n: 1, message: rangeMessage({ key: op.range.key }) }] };
}

export function encodeTxnRequest(compare: Compare[], success: RequestOp[], failure: RequestOp[]): Buffer {
  const fields: Field[] = [];
  for (const c of compare) fields.push({ n: 1, message: compareMessage(c) });
  for (const op of success) fields.push({ n: 2, message: requestOpMessage(op) });
  for (const op of failure) fields.push({ n: 3, message: requestOpMessage(op) });
  return encode({ fields });
}

export function encodeCompactionRequest(revision: number): Buffer {
  const fields: Field[] = [];
  optional(fields, 1, revision);
  return encode({ fields });
}

export const encodeStatusRequest = (): Buffer => Buffer.alloc(0);

/** WatchRequest { create_request (1): WatchCreateRequest }. */
export function encodeWatchCreateRequest(r: WatchCreateRequest): Buffer {
  const create: Field[] = [{ n: 1, bytes: r.key }, { n: 2, bytes: r.rangeEnd }];
  optional(create, 3, r.startRevision);
  optional(create, 4, r.progressNotify);
  optional(create, 6, r.prevKv);
  return encode({ fields: [{ n: 1, message: { fields: create } }] });
}

// ---- decoding ----

const utf8 = new TextDecoder();
const uint64Text = (v: Varint64): string => ((BigInt(v.hi >>> 0) << 32n) | BigInt(v.lo >>> 0)).toString();

/** Calls `onField` with each field of `bytes`; fields it does not take are skipped. */
function eachField(bytes: Uint8Array, onField: (field: number, reader: WireReader) => boolean): void {
  const reader = new WireReader(bytes);
  while (!reader.done) {
    const { number, wireType } = reader.readKey();
    if (!onField(number, reader)) reader.skip(wireType);
  }
}

/** ResponseHeader's revision (field 3). */
function headerRevision(bytes: Uint8Array): number {
  let revision = 0;
  eachField(bytes, (field, r) => (field === 3 ? ((revision = toInt64(r.readVarint())), true) : false));
  return revision;
}

function decodeKeyValue(bytes: Uint8Array): EtcdKeyValue {
  const kv: EtcdKeyValue = { key: '', value: '', createRevision: 0, modRevision: 0, version: 0 };
  eachField(bytes, (field, r) => {
    switch (field) {
      case 1: kv.key = utf8.decode(r.readBytes()); return true;
      case 2: kv.createRevision = toInt64(r.readVarint()); return true;
      case 3: kv.modRevision = toInt64(r.readVarint()); return true;
      case 4: kv.version = toInt64(r.readVarint()); return true;
      case 5: kv.value = utf8.decode(r.readBytes()); return true;
      default: return false;
    }
  });
  return kv;
}

export function decodeRangeResponse(bytes: Uint8Array): RangeResponse {
  const res: RangeResponse = { revision: 0, kvs: [], more: false, count: 0 };
  eachField(bytes, (field, r) => {
    switch (field) {
      case 1: res.revision = headerRevision(r.readBytes()); return true;
      case 2: res.kvs.push(decodeKeyValue(r.readBytes())); return true;
      case 3: res.more = toBool(r.readVarint()); return true;
      case 4: res.count = toInt64(r.readVarint()); return true;
      default: return false;
    }
  });
  return res;
}

/** The kvs a ResponseOp carries: a range's kvs (2), a put's prev_kv (2), a delete's prev_kvs (3). */
function decodeResponseOp(bytes: Uint8Array): ResponseOp {
  const kvs: EtcdKeyValue[] = [];
  eachField(bytes, (field, r) => {
    const inner = r.readBytes();
    if (field === 1) kvs.push(...decodeRangeResponse(inner).kvs);
    else if (field === 2) eachField(inner, (f, rr) => (f === 2 ? (kvs.push(decodeKeyValue(rr.readBytes())), true) : false));
    else if (field === 3) eachField(inner, (f, rr) => (f === 3 ? (kvs.push(decodeKeyValue(rr.readBytes())), true) : false));
    return true;
  });
  return { kvs };
}

export function decodeTxnResponse(bytes: Uint8Array): TxnResponse {
  const res: TxnResponse = { revision: 0, succeeded: false, responses: [] };
  eachField(bytes, (field, r) => {
    switch (field) {
      case 1: res.revision = headerRevision(r.readBytes()); return true;
      case 2: res.succeeded = toBool(r.readVarint()); return true;
      case 3: res.responses.push(decodeResponseOp(r.readBytes())); return true;
      default: return false;
    }
  });
  return res;
}

export function decodeStatusResponse(bytes: Uint8Array): StatusResponse {
  const res: StatusResponse = { memberId: '0', leader: '0' };
  eachField(bytes, (field, r) => {
    if (field === 1) {
      eachField(r.readBytes(), (f, h) => (f === 2 ? ((res.memberId = uint64Text(h.readVarint())), true) : false));
      return true;
    }
    if (field === 4) {
      res.leader = uint64Text(r.readVarint());
      return true;
    }
    return false;
  });
  return res;
}

function decodeWatchEvent(bytes: Uint8Array): WatchEvent {
  let type: WatchEvent['type'] = 'PUT';
  let kv: EtcdKeyValue | undefined;
  let prevKv: EtcdKeyValue | undefined;
  eachField(bytes, (field, r) => {
    switch (field) {
      case 1: type = toInt64(r.readVarint()) === 1 ? 'DELETE' : 'PUT'; return true;
      case 2: kv = decodeKeyValue(r.readBytes()); return true;
      case 3: prevKv = decodeKeyValue(r.readBytes()); return true;
      default: return false;
    }
  });
  const event: WatchEvent = { type, kv: kv ?? decodeKeyValue(new Uint8Array()) };
  if (prevKv) event.prevKv = prevKv;
  return event;
}

export function decodeWatchResponse(bytes: Uint8Array): WatchResponse {
  const res: WatchResponse = { revision: 0, created: false, canceled: false, cancelReason: '', compactRevision: 0, events: [] };
  eachField(bytes, (field, r) => {
    switch (field) {
      case 1: res.revision = headerRevision(r.readBytes()); return true;
      case 3: res.created = toBool(r.readVarint()); return true;
      case 4: res.canceled = toBool(r.readVarint()); return true;
      case 5: res.compactRevision = toInt64(r.readVarint()); return true;
      case 6: res.cancelReason = utf8.decode(r.readBytes()); return true;
      case 11: res.events.push(decodeWatchEvent(r.readBytes())); return true;
      default: return false;
    }
  });
  return res;
}
