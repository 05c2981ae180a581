// The informer's local cache (client-go's cache.Indexer): objects by key, plus named indexes
// (by namespace, by node name, ...). Objects in it are shared: never modify one, copy it first.

export interface Meta { metadata?: { name?: string; namespace?: string } }
export type IndexFunc<T> = (obj: T) => string[];

/** `namespace/name`, or `name` for cluster-scoped objects: client-go's MetaNamespaceKeyFunc. */
export const keyOf = (obj: Meta): string => (obj.metadata?.namespace ? `${obj.metadata.namespace}/${obj.metadata.name}` : obj.metadata?.name ?? '');

export function splitKey(key: string): { namespace: string; name: string } {
  const slash = key.indexOf('/');
  return slash < 0 ? { namespace: '', name: key } : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

export const NAMESPACE_INDEX = 'namespace';
export const namespaceIndex: IndexFunc<Meta> = (obj) => [obj.metadata?.namespace ?? ''];

export class Indexer<T extends Meta> {
  private readonly items = new Map<string, T>();
  private readonly indices = new Map<string, Map<string, Set<string>>>();

  constructor(private readonly indexers: Record<string, IndexFunc<T>> = {}) {
    for (const name of Object.keys(indexers)) this.indices.set(name, new Map());
  }

  /** Adds indexes to a cache that may already hold objects (a second controller sharing the informer). */
  addIndexers(indexers: Record<string, IndexFunc<T>>): void {
    for (const [name, fn] of Object.entries(indexers)) {
      if (this.indexers[name]) {
        if (this.indexers[name] !== fn) throw new Error(`index ${name} already exists with another function`);
        continue;
      }
      this.indexers[name] = fn;
      this.indices.set(name, new Map());
      for (const [key, obj] of this.items) this.index(key, obj, name);
    }
  }

  get(key: string): T | undefined {
    return this.items.get(key);
  }

  list(): T[] {
    return [...this.items.values()];
  }

  keys(): string[] {
    return [...this.items.keys()];
  }

  get size(): number {
    return this.items.size;
  }

  /** Objects whose index `name` yields `value`. */
  byIndex(name: string, value: string): T[] {
    const index = this.indices.get(name);
    if (!index) throw new Error(`no index named ${name}`);
    const keys = index.get(value);
    return keys ? [...keys].map((k) => this.items.get(k)!) : [];
  }

  upsert(obj: T): T | undefined {
    const key = keyOf(obj);
    const old = this.items.get(key);
    if (old) this.unindex(key, old);
    this.items.set(key, obj);
    this.index(key, obj);
    return old;
  }

  delete(key: string): T | undefined {
    const old = this.items.get(key);
    if (old) {
      this.unindex(key, old);
      this.items.delete(key);
    }
    return old;
  }

  private index(key: string, obj: T, only?: string): void {
    for (const [name, fn] of Object.entries(this.indexers)) {
      if (only && name !== only) continue;
      const index = this.indices.get(name)!;
      for (const value of fn(obj)) {
        let set = index.get(value);
        if (!set) index.set(value, (set = new Set()));
        set.add(key);
      }
    }
  }

  private unindex(key: string, obj: T): void {
    for (const [name, fn] of Object.entries(this.indexers)) {
      const index = this.indices.get(name)!;
      for (const value of fn(obj)) {
        const set = index.get(value);
        set?.delete(key);
        if (set?.size === 0) index.delete(value);
      }
    }
  }
}
