// The wire reader: varints of every width, fixed-width words, length-delimited bytes, skipping.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { WireReader, toBigInt64, toBool, toInt32, toInt64, WIRE_BYTES, WIRE_FIXED32, WIRE_FIXED64, WIRE_VARINT } from '../../shared/protobuf/wire.ts';

import { varint as varintBytes } from './protobuf-encoder.ts';

describe('WireReader', () => {
  test('varints round-trip through int32, int64 and bigint views', () => {
    const values = [0n, 1n, 127n, 128n, 300n, 2n ** 31n - 1n, 2n ** 32n, 2n ** 53n - 1n, -1n, -(2n ** 31n), -(2n ** 53n) + 1n, 2n ** 63n - 1n, -(2n ** 63n)];
    for (const v of values) {
      const r = new WireReader(Uint8Array.from(varintBytes(v)));
      const read = r.readVarint();
      assert.ok(r.done);
      assert.equal(toBigInt64(read), v, `bigint ${v}`);
      assert.equal(toInt32(read), Number(BigInt.asIntN(32, v)), `int32 ${v}`);
      if (v >= -(2n ** 53n) && v < 2n ** 53n) assert.equal(toInt64(read), Number(v), `int64 ${v}`);
      assert.equal(toBool(read), v !== 0n);
    }
  });

  test('a negative number takes 10 bytes; an 11-byte varint is rejected', () => {
    assert.equal(varintBytes(-1n).length, 10);
    assert.throws(() => new WireReader(Uint8Array.from([...Array(10).fill(0xff), 0x01])).readVarint(), /longer than 10 bytes/);
  });

  test('keys, fixed-width words, bytes and skip', () => {
    const data = Uint8Array.from([
      0x08, 0x96, 0x01, // field 1 varint 150
      0x15, 0x78, 0x56, 0x34, 0x12, // field 2 fixed32
      0x19, 1, 0, 0, 0, 2, 0, 0, 0, // field 3 fixed64
      0x22, 0x03, 0x61, 0x62, 0x63, // field 4 bytes "abc"
      0x28, 0x01, // field 5 varint, skipped
    ]);
    const r = new WireReader(data);
    assert.deepEqual(r.readKey(), { number: 1, wireType: WIRE_VARINT });
    assert.equal(toInt64(r.readVarint()), 150);
    assert.deepEqual(r.readKey(), { number: 2, wireType: WIRE_FIXED32 });
    assert.equal(r.readFixed32(), 0x12345678);
    assert.deepEqual(r.readKey(), { number: 3, wireType: WIRE_FIXED64 });
    assert.equal(toInt64(r.readFixed64()), 2 * 2 ** 32 + 1);
    assert.deepEqual(r.readKey(), { number: 4, wireType: WIRE_BYTES });
    assert.equal(Buffer.from(r.readBytes()).toString(), 'abc');
    const key = r.readKey();
    r.skip(key.wireType);
    assert.ok(r.done);
  });

  test('truncated fixed-width and length-delimited fields fail', () => {
    assert.throws(() => new WireReader(Uint8Array.of(1, 2)).readFixed32(), /end of data/);
    assert.throws(() => new WireReader(Uint8Array.of(1, 2, 3, 4)).readFixed64(), /end of data/);
    assert.throws(() => new WireReader(Uint8Array.of(5, 1)).readBytes(), /past the end/);
  });
});
