// A typed handle on one resource: paths built from the registry's ResourceType, objects typed by the
// kind's zod schema (z.output), so `client.resource(resources.pods).list('default')` yields Pods.
import type { z } from 'zod';
import { apiVersionOf, type ResourceType } from '../api/resource-type.ts';
import type { ApiClient, RequestOptions } from './api-client.ts';
import { watchStream, type WatchEvent } from './watch-stream.ts';

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  resourceVersion?: string;
  resourceVersionMatch?: string;
  limit?: number;
  continue?: string;
}

export interface WatchOptions {
  labelSelector?: string;
  fieldSelector?: string;
  resourceVersion?: string;
  allowWatchBookmarks?: boolean;
  timeoutSeconds?: number;
  signal?: AbortSignal;
}

export interface ObjectList<T> {
  apiVersion?: string;
  kind?: string;
  metadata: { resourceVersion?: string; continue?: string };
  items: T[];
}

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  preconditions?: { uid?: string; resourceVersion?: string };
}

export type PatchType = 'merge' | 'strategic' | 'json';
const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  json: 'application/json-patch+json',
};

export class ResourceClient<T extends { metadata?: { name?: string; namespace?: string } }> {
  readonly apiVersion: string;

  constructor(private readonly client: ApiClient, readonly type: ResourceType) {
    this.apiVersion = apiVersionOf(type);
  }

  /** `/api/v1/namespaces/ns/pods[/name[/sub]]`; namespace '' means all namespaces (or cluster-scoped). */
  path(namespace = '', name = '', subresource = ''): string {
    const root = this.type.group ? `/apis/${this.type.group}/${this.type.version}` : `/api/${this.type.version}`;
    const ns = this.type.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
    const obj = name ? `/${encodeURIComponent(name)}${subresource ? `/${subresource}` : ''}` : '';
    return `${root}${ns}/${this.type.plural}${obj}`;
  }

  private withTypeMeta(obj: T): T {
    return { apiVersion: this.apiVersion, kind: this.type.kind, ...obj };
  }

  list(namespace = '', options: ListOptions = {}): Promise<ObjectList<T>> {
    return this.client.request('GET', this.path(namespace), { query: { ...options } });
  }

  /** Every page of a list, read at one revision. */
  async listAll(namespace = '', options: Omit<ListOptions, 'limit' | 'continue'> = {}, pageSize = 500): Promise<ObjectList<T>> {
    const first = await this.list(namespace, { ...options, limit: pageSize });
    const items = [...first.items];
    let token = first.metadata.continue;
    while (token) {
      const page = await this.list(namespace, { ...options, limit: pageSize, continue: token, resourceVersion: undefined });
      items.push(...page.items);
      token = page.metadata.continue;
    }
    return { ...first, metadata: { resourceVersion: first.metadata.resourceVersion }, items };
  }

  get(namespace: string, name: string): Promise<T> {
    return this.client.request('GET', this.path(namespace, name));
  }

  create(namespace: string, obj: T): Promise<T> {
    return this.client.request('POST', this.path(namespace), { body: this.withTypeMeta(obj) });
  }

  update(obj: T): Promise<T> {
    return this.client.request('PUT', this.path(obj.metadata?.namespace ?? '', obj.metadata?.name ?? ''), { body: this.withTypeMeta(obj) });
  }

  updateStatus(obj: T): Promise<T> {
    return this.client.request('PUT', this.path(obj.metadata?.namespace ?? '', obj.metadata?.name ?? '', 'status'), { body: this.withTypeMeta(obj) });
  }

  patch(namespace: string, name: string, patch: unknown, type: PatchType = 'merge', subresource = ''): Promise<T> {
    return this.client.request('PATCH', this.path(namespace, name, subresource), { body: patch, contentType: PATCH_CONTENT_TYPES[type] });
  }

  delete(namespace: string, name: string, options: DeleteOptions = {}): Promise<unknown> {
    return this.client.request('DELETE', this.path(namespace, name), { body: { kind: 'DeleteOptions', apiVersion: 'v1', ...options } });
  }

  /** POST to a subresource (pods/binding). */
  createSubresource(namespace: string, name: string, subresource: string, body: unknown): Promise<unknown> {
    return this.client.request('POST', this.path(namespace, name, subresource), { body });
  }

  /** Opens a watch; iterate the events, abort through options.signal. */
  async watch(namespace = '', options: WatchOptions = {}): Promise<AsyncGenerator<WatchEvent<T>>> {
    const { signal, ...query } = options;
    const body = await this.client.stream(this.path(namespace), { query: { ...query, watch: 1 } as RequestOptions['query'], signal });
    return watchStream<T>(body);
  }
}

/** The object type of a resource: its schema's output (every kind has the metadata shape below). */
export type ObjectOf<R extends ResourceType> = z.output<R['schema']> & { metadata?: { name?: string; namespace?: string; resourceVersion?: string } };
