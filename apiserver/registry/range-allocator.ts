// Which of the numbers 0..size-1 are taken: kube's AllocationBitmap (pkg/registry/core/service/allocator),
// whose snapshot is what a RangeAllocation object stores (see stored-range.ts).

/** How many bits of each byte value are set. */
const BITS_SET = Uint8Array.from({ length: 256 }, (_, byte) => {
  let count = 0;
  for (let b = byte; b; b &= b - 1) count++;
  return count;
});

export class AllocationBitmap {
  /** Bit n of byte n >> 3 is number n. */
  private readonly bits: Uint8Array;
  private count = 0;
  /** Numbers set by allocate/allocateNext since this bitmap was made (what a write would take). */
  readonly taken: number[] = [];
  /** Whether anything was set or cleared since this bitmap was made. */
  changed = false;

  /**
   * `staticBand`: dynamic allocations prefer the numbers above it, so that numbers below stay free
   * for users who ask for a specific one (kube's randomScanStrategyWithOffset, KEP-3070/KEP-3668).
   */
  /** `from`: a snapshot to restore, or a bitmap of the same range to copy (without its changes). */
  constructor(readonly size: number, readonly staticBand = 0, from?: Uint8Array | AllocationBitmap) {
    if (from instanceof AllocationBitmap) {
      this.bits = from.bits.slice();
      this.count = from.count;
    } else {
      this.bits = new Uint8Array(Math.ceil(size / 8));
      if (from) this.restore(from);
    }
  }

  get used(): number {
    return this.count;
  }

  has(n: number): boolean {
    return (this.bits[n >> 3] & (1 << (n & 7))) !== 0;
  }

  /** Takes `n`; false when it is taken already. */
  allocate(n: number): boolean {
    if (this.has(n)) return false;
    this.bits[n >> 3] |= 1 << (n & 7);
    this.count++;
    this.taken.push(n);
    this.changed = true;
    return true;
  }

  /** A free number chosen at random (upper band first), or undefined when all are taken. */
  allocateNext(): number | undefined {
    if (this.count >= this.size) return undefined;
    const band = Math.min(this.staticBand, this.size);
    return this.scan(band, this.size) ?? this.scan(0, band);
  }

  private scan(from: number, to: number): number | undefined {
    const width = to - from;
    if (width <= 0) return undefined;
    const start = Math.floor(Math.random() * width);
    for (let i = 0; i < width; i++) {
      const n = from + ((start + i) % width);
      if (this.allocate(n)) return n;
    }
    return undefined;
  }

  release(n: number): void {
    if (!this.has(n)) return;
    this.bits[n >> 3] &= ~(1 << (n & 7));
    this.count--;
    this.changed = true;
  }

  *numbers(): Iterable<number> {
    for (let n = 0; n < this.size; n++) if (this.has(n)) yield n;
  }

  /** kube's snapshot: the bitmap as a big.Int's bytes (big-endian, no leading zero bytes; number n is bit n). */
  snapshot(): Uint8Array {
    let top = this.bits.length;
    while (top > 0 && this.bits[top - 1] === 0) top--;
    return this.bits.slice(0, top).reverse();
  }

  /** Bits beyond the size (a snapshot of a larger range) are dropped. */
  private restore(snapshot: Uint8Array): void {
    const n = Math.min(snapshot.length, this.bits.length);
    for (let i = 0; i < n; i++) this.bits[i] = snapshot[snapshot.length - 1 - i];
    const spare = this.bits.length * 8 - this.size;
    if (spare && this.bits.length) this.bits[this.bits.length - 1] &= 0xff >> spare;
    for (const byte of this.bits) this.count += BITS_SET[byte];
  }
}
