// The protobuf wire format, read-only: just what Kubernetes' gogo-generated messages put on the wire
// (varints, fixed 32/64-bit words, length-delimited bytes). Groups (wire types 3/4) are rejected,
// as gogo's generated Unmarshal rejects them.

export class ProtobufDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtobufDecodeError';
  }
}

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_BYTES = 2;
export const WIRE_FIXED32 = 5;
export type WireType = typeof WIRE_VARINT | typeof WIRE_FIXED64 | typeof WIRE_BYTES | typeof WIRE_FIXED32;

/** A 64-bit varint as two unsigned 32-bit halves, so that no precision is lost before the caller picks a width. */
export interface Varint64 { lo: number; hi: number }

/** int32 fields: Go truncates the 64-bit varint (negative values are sent sign-extended to 10 bytes). */
export const toInt32 = (v: Varint64): number => v.lo | 0;
/** int64 fields as a JS number: exact up to 2^53, which every Kubernetes int64 stays within in practice. */
export const toInt64 = (v: Varint64): number => (v.hi | 0) * 0x1_0000_0000 + (v.lo >>> 0);
/** int64 exactly, for values (durations in nanoseconds) that may pass 2^53. */
export const toBigInt64 = (v: Varint64): bigint => BigInt.asIntN(64, (BigInt(v.hi >>> 0) << 32n) | BigInt(v.lo >>> 0));
export const toBool = (v: Varint64): boolean => v.lo !== 0 || v.hi !== 0;

export interface WireField {
  number: number;
  wireType: WireType;
}

export class WireReader {
  private pos = 0;

  constructor(private readonly buf: Uint8Array) {}

  get done(): boolean {
    return this.pos >= this.buf.length;
  }

  /** The next field's key; throws on field number 0 or a wire type Kubernetes never writes. */
  readKey(): WireField {
    const key = this.readVarint();
    if (key.hi !== 0) throw new ProtobufDecodeError(`field key too large at offset ${this.pos}`);
    const number = (key.lo >>> 0) >>> 3;
    const wireType = key.lo & 7;
    if (number === 0) throw new ProtobufDecodeError(`illegal field number 0 at offset ${this.pos}`);
    if (wireType !== WIRE_VARINT && wireType !== WIRE_FIXED64 && wireType !== WIRE_BYTES && wireType !== WIRE_FIXED32) {
      throw new ProtobufDecodeError(`unsupported wire type ${wireType} for field ${number}`);
    }
    return { number, wireType };
  }

  readVarint(): Varint64 {
    let lo = 0;
    let hi = 0;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.buf.length) throw new ProtobufDecodeError('unexpected end of data inside a varint');
      const b = this.buf[this.pos++];
      if (i < 4) lo |= (b & 0x7f) << (7 * i);
      else if (i === 4) {
        lo |= (b & 0x0f) << 28;
        hi |= (b & 0x7f) >>> 4;
      } else hi |= (b & 0x7f) << (7 * i - 32);
      if ((b & 0x80) === 0) return { lo: lo >>> 0, hi: hi >>> 0 };
    }
    throw new ProtobufDecodeError('varint longer than 10 bytes');
  }

  readFixed32(): number {
    this.need(4);
    const v = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 4).getUint32(0, true);
    this.pos += 4;
    return v;
  }

  readFixed64(): Varint64 {
    this.need(8);
    const view = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 8);
    this.pos += 8;
    return { lo: view.getUint32(0, true), hi: view.getUint32(4, true) };
  }

  readDouble(): number {
    this.need(8);
    const v = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 8).getFloat64(0, true);
    this.pos += 8;
    return v;
  }

  /** A length-delimited field's bytes (a view into the input, not a copy). */
  readBytes(): Uint8Array {
    const len = this.readVarint();
    if (len.hi !== 0 || len.lo > this.buf.length - this.pos) throw new ProtobufDecodeError('length-delimited field runs past the end of the data');
    const out = this.buf.subarray(this.pos, this.pos + len.lo);
    this.pos += len.lo;
    return out;
  }

  skip(wireType: WireType): void {
    if (wireType === WIRE_VARINT) this.readVarint();
    else if (wireType === WIRE_FIXED64) this.readFixed64();
    else if (wireType === WIRE_FIXED32) this.readFixed32();
    else this.readBytes();
  }

  private need(n: number): void {
    if (this.buf.length - this.pos < n) throw new ProtobufDecodeError('unexpected end of data inside a fixed-width field');
  }
}
