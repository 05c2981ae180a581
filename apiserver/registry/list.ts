// LIST for one resource type: selectors, resourceVersion semantics and limit/continue pagination that
// stays consistent at the revision of the first page (kube's storage.ListOptions rules).
import { expired, timeout, badRequest } from '../../shared/errors.ts';
import { StorageError, type KeyValue } from '../storage/interface.ts';
import { decodeContinue, encodeContinue } from './continue-token.ts';
import type { GenericStore } from './generic-store.ts';
import { collectionPrefix } from './keys.ts';
import type { KubeObject } from './object.ts';

export interface ObjectFilter {
  matches(obj: KubeObject): boolean;
  /** True when nothing is filtered out, so the storage's count of remaining keys is the client's too. */
  everything?: boolean;
}

export interface ListParams {
  namespace: string;
  filter: ObjectFilter;
  resourceVersion?: string;
  resourceVersionMatch?: string;
  limit?: number;
  continue?: string;
}

export interface ListResult {
  /** The stored values, in key order: a plain JSON list is written from these without parsing them. */
  kvs: KeyValue[];
  /** The objects (decoded on first use). */
  readonly items: KubeObject[];
  revision: number;
  continue?: string;
  remainingItemCount?: number;
}

const TOO_OLD_CONTINUE =
  'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.';

/** How long a list asking for a revision from the future waits for it before answering 504 (kube: 3s). */
const FUTURE_REVISION_WAIT_MS = 3000;

async function waitForRevision(store: GenericStore, revision: number): Promise<void> {
  const deadline = Date.now() + FUTURE_REVISION_WAIT_MS;
  while (store.backend.currentRevision() < revision) {
    if (Date.now() > deadline) throw timeout(`Too large resource version: ${revision}, current: ${store.backend.currentRevision()}`, 1);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function parseRevision(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw badRequest(`invalid resource version "${text}"`);
  return n;
}

export async function listObjects(store: GenericStore, params: ListParams): Promise<ListResult> {
  const prefix = collectionPrefix(store.type, params.namespace);
  let revision = 0; // 0 = the current revision
  let startKey = prefix;
  if (params.continue) {
    if (params.resourceVersion && params.resourceVersion !== '0')
      throw badRequest('specifying resource version is not allowed when using continue');
    const token = decodeContinue(params.continue);
    revision = Math.max(token.revision, 0); // -1: continue at the latest revision
    startKey = prefix + token.start;
  } else if (params.resourceVersion && params.resourceVersion !== '0') {
    const wanted = parseRevision(params.resourceVersion);
    if (params.resourceVersionMatch === 'Exact') revision = wanted;
    else await waitForRevision(store, wanted); // NotOlderThan: the current state is new enough
  } else if (params.resourceVersionMatch === 'Exact') {
    throw badRequest('resourceVersionMatch "Exact" is forbidden for resourceVersion ""');
  }

  const limit = params.limit && params.limit > 0 ? params.limit : 0;
  const kvs: KeyValue[] = [];
  const decoded: KubeObject[] = [];
  const everything = params.filter.everything === true;
  let readRevision = revision;
  let nextKey: string | undefined;
  let remaining: number | undefined;
  try {
    // Fetch pages from storage until `limit` matching items are found, as kube does for filtered lists.
    for (;;) {
      const batch = limit ? Math.max(limit * 2, 100) : 0;
      const page = await store.backend.list(prefix, { revision: readRevision || undefined, startKey, limit: batch || undefined });
      readRevision = page.revision;
      let stoppedAt = -1;
      for (let i = 0; i < page.kvs.length; i++) {
        const kv = page.kvs[i];
        if (!everything) {
          const obj = store.decodeKV(kv);
          if (!params.filter.matches(obj)) continue;
          decoded.push(obj);
        }
        kvs.push(kv);
        if (limit && kvs.length === limit) {
          stoppedAt = i;
          break;
        }
      }
      if (stoppedAt >= 0) {
        if (stoppedAt + 1 < page.kvs.length || page.more) nextKey = stoppedAt + 1 < page.kvs.length ? page.kvs[stoppedAt + 1].key : page.kvs[stoppedAt].key + '\0';
        if (params.filter.everything && page.remaining !== undefined) remaining = page.kvs.length - stoppedAt - 1 + page.remaining;
        else if (params.filter.everything && !page.more) remaining = page.kvs.length - stoppedAt - 1;
        break;
      }
      if (!page.more || page.kvs.length === 0) break;
      startKey = page.kvs[page.kvs.length - 1].key + '\0';
    }
  } catch (err) {
    if (err instanceof StorageError && err.code === 'Compacted') {
      // Like kube, offer a token that continues from the same key at the latest revision (revision -1).
      if (params.continue) throw expired(TOO_OLD_CONTINUE, encodeContinue({ revision: -1, start: startKey.slice(prefix.length) }));
      throw expired(`too old resource version: ${revision} (${store.backend.compactedRevision()})`);
    }
    if (err instanceof StorageError && err.code === 'FutureRevision') throw timeout(`Too large resource version: ${revision}, current: ${store.backend.currentRevision()}`, 1);
    throw err;
  }
  let items: KubeObject[] | undefined = everything ? undefined : decoded;
  const result: ListResult = {
    kvs,
    get items() {
      return (items ??= kvs.map((kv) => store.decodeKV(kv)));
    },
    revision: readRevision,
  };
  if (nextKey !== undefined) {
    result.continue = encodeContinue({ revision: readRevision, start: nextKey.slice(prefix.length) });
    if (remaining) result.remainingItemCount = remaining;
  }
  return result;
}

