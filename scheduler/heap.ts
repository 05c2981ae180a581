// A binary heap whose items know their own position, so that any item can be removed or re-sifted in
// O(log n) (the scheduling queue deletes and updates pods that sit in the middle of its heaps).

export interface HeapItem {
  /** Position in the heap that holds the item; -1 when in none. */
  heapIndex: number;
}

export class Heap<T extends HeapItem> {
  private readonly items: T[] = [];

  /** `less(a, b)`: a comes out before b. */
  constructor(private readonly less: (a: T, b: T) => boolean) {}

  get length(): number {
    return this.items.length;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  push(item: T): void {
    item.heapIndex = this.items.length;
    this.items.push(item);
    this.up(item.heapIndex);
  }

  pop(): T | undefined {
    if (this.items.length === 0) return undefined;
    return this.removeAt(0);
  }

  remove(item: T): boolean {
    const i = item.heapIndex;
    if (i < 0 || this.items[i] !== item) return false;
    this.removeAt(i);
    return true;
  }

  /** Restores the order after the item's sort key changed. */
  fix(item: T): void {
    if (!this.up(item.heapIndex)) this.down(item.heapIndex);
  }

  values(): readonly T[] {
    return this.items;
  }

  private removeAt(i: number): T {
    const items = this.items;
    const item = items[i];
    const last = items.pop()!;
    if (i < items.length) {
      items[i] = last;
      last.heapIndex = i;
      if (!this.up(i)) this.down(i);
    }
    item.heapIndex = -1;
    return item;
  }

  private swap(i: number, j: number): void {
    const items = this.items;
    const a = items[i];
    items[i] = items[j];
    items[j] = a;
    items[i].heapIndex = i;
    items[j].heapIndex = j;
  }

  private up(i: number): boolean {
    const start = i;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(this.items[i], this.items[parent])) break;
      this.swap(i, parent);
      i = parent;
    }
    return i !== start;
  }

  private down(i: number): void {
    const n = this.items.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) return;
      const r = l + 1;
      const child = r < n && this.less(this.items[r], this.items[l]) ? r : l;
      if (!this.less(this.items[child], this.items[i])) return;
      this.swap(i, child);
      i = child;
    }
  }
}
