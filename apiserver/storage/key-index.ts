// The current value of every key, held in memory so that gets, lists and counts never touch the disk.
// Lists need keys in order; instead of one sorted structure for the whole store, keys are grouped by
// their top-level prefix (`/registry/pods/`), since the API server lists one resource at a time and a
// change to pods then never costs anything when listing services.
import type { KeyValue } from './interface.ts';

const SLASH = 47;

/** `/registry/pods/default/x` -> `/registry/pods/`; anything with fewer than three slashes shares the '' group. */
export function groupOf(key: string): string {
  let slashes = 0;
  for (let i = 0; i < key.length; i++) {
    if (key.charCodeAt(i) === SLASH && ++slashes === 3) return key.slice(0, i + 1);
  }
  return '';
}

/** Index of the first element >= `target` (keys compare by UTF-16 code unit, as etcd compares bytes for ASCII). */
export function lowerBound(sorted: readonly string[], target: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * One group's keys. Changes are only noted (new keys appended unsorted, removals counted) and the
 * sorted array is rebuilt on the next read that needs order: a burst of thousands of creates then
 * costs one merge instead of thousands of array splices.
 */
class SortedKeys {
  readonly live = new Set<string>();
  private sorted: string[] = [];
  private added: string[] = [];
  private removed = 0;

  add(key: string): void {
    this.live.add(key);
    this.added.push(key);
  }

  remove(key: string): void {
    this.live.delete(key);
    this.removed++;
  }

  keys(): readonly string[] {
    if (this.added.length === 0 && this.removed === 0) return this.sorted;
    // A key removed and added again before this rebuild sits in both arrays (or twice in `added`):
    // both inputs are sorted, so duplicates meet side by side and are dropped here.
    const added = this.added.sort();
    const old = this.sorted;
    const merged: string[] = [];
    let i = 0;
    let j = 0;
    while (i < old.length || j < added.length) {
      const key = j >= added.length || (i < old.length && old[i] < added[j]) ? old[i++] : added[j++];
      if (this.live.has(key) && merged[merged.length - 1] !== key) merged.push(key);
    }
    this.sorted = merged;
    this.added = [];
    this.removed = 0;
    return merged;
  }
}

export class KeyIndex {
  private readonly values = new Map<string, KeyValue>();
  private readonly groups = new Map<string, SortedKeys>();

  get size(): number {
    return this.values.size;
  }

  get(key: string): KeyValue | undefined {
    return this.values.get(key);
  }

  set(kv: KeyValue): void {
    if (!this.values.has(kv.key)) {
      const name = groupOf(kv.key);
      let group = this.groups.get(name);
      if (!group) this.groups.set(name, (group = new SortedKeys()));
      group.add(kv.key);
    }
    this.values.set(kv.key, kv);
  }

  delete(key: string): void {
    if (this.values.delete(key)) this.groups.get(groupOf(key))?.remove(key);
  }

  /**
   * Sorted keys among which every key starting with `prefix` is found; the caller walks from
   * `lowerBound(keys, from)` while keys still start with `prefix`.
   */
  sortedKeys(prefix: string): readonly string[] {
    const name = groupOf(prefix);
    if (name !== '') return this.groups.get(name)?.keys() ?? [];
    // A prefix shorter than a group name (`/registry/`) spans several groups: rare, so simply merged.
    const keys: string[] = [];
    for (const [groupName, group] of this.groups) {
      if (groupName === '' || groupName.startsWith(prefix)) {
        for (const key of group.keys()) if (key.startsWith(prefix)) keys.push(key);
      }
    }
    return keys.sort();
  }

  count(prefix: string): number {
    if (prefix === '') return this.values.size;
    const name = groupOf(prefix);
    if (name !== '' && name === prefix) return this.groups.get(name)?.live.size ?? 0;
    const keys = this.sortedKeys(prefix);
    let n = 0;
    for (let i = lowerBound(keys, prefix); i < keys.length && keys[i].startsWith(prefix); i++) n++;
    return n;
  }
}
