// Which of the numbers 0..size-1 are taken, and by whom: kube's allocation bitmap
// (pkg/registry/core/service/allocator), remembering the owner of each number so that a registry
// can make an owner hold exactly what its stored object says (see ServiceStore) instead of keeping
// a second copy of the allocations in storage.

export class RangeAllocator {
  private readonly owners = new Map<number, string>();
  private readonly byOwner = new Map<string, Set<number>>();

  /**
   * `staticBand`: dynamic allocations prefer the numbers above it, so that numbers below stay free
   * for users who ask for a specific one (kube's randomScanStrategyWithOffset, KEP-3070/KEP-3668).
   */
  constructor(readonly size: number, readonly staticBand = 0) {}

  get used(): number {
    return this.owners.size;
  }

  ownerOf(n: number): string | undefined {
    return this.owners.get(n);
  }

  /** Takes `n` for `owner`; false when someone else holds it (holding it already is fine). */
  allocate(n: number, owner: string): boolean {
    const holder = this.owners.get(n);
    if (holder !== undefined) return holder === owner;
    this.owners.set(n, owner);
    let set = this.byOwner.get(owner);
    if (!set) this.byOwner.set(owner, (set = new Set()));
    set.add(n);
    return true;
  }

  /** A free number for `owner`, chosen at random (upper band first), or undefined when all are taken. */
  allocateNext(owner: string): number | undefined {
    if (this.owners.size >= this.size) return undefined;
    const band = Math.min(this.staticBand, this.size);
    return this.scan(band, this.size, owner) ?? this.scan(0, band, owner);
  }

  private scan(from: number, to: number, owner: string): number | undefined {
    const width = to - from;
    if (width <= 0) return undefined;
    const start = Math.floor(Math.random() * width);
    for (let i = 0; i < width; i++) {
      const n = from + ((start + i) % width);
      if (!this.owners.has(n)) {
        this.allocate(n, owner);
        return n;
      }
    }
    return undefined;
  }

  release(n: number, owner: string): void {
    if (this.owners.get(n) !== owner) return;
    this.owners.delete(n);
    const set = this.byOwner.get(owner)!;
    set.delete(n);
    if (set.size === 0) this.byOwner.delete(owner);
  }

  owned(owner: string): number[] {
    return [...(this.byOwner.get(owner) ?? [])];
  }

  /** Makes `owner` hold exactly `wanted`; returns the numbers it wants that another owner holds. */
  reconcile(owner: string, wanted: Iterable<number>): number[] {
    const want = new Set(wanted);
    for (const n of this.owned(owner)) if (!want.has(n)) this.release(n, owner);
    return [...want].filter((n) => !this.allocate(n, owner));
  }
}
