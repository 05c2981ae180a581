// WATCH: a chunked HTTP response of newline-delimited JSON events, as kube-apiserver serves it.
// - resourceVersion unset or "0": the current objects first (as ADDED), then changes; a specific
//   revision: every matching change after it, in order, exactly once.
// - sendInitialEvents=true: the current objects, then a BOOKMARK marked "k8s.io/initial-events-end".
// - A revision older than the kept history: HTTP 200 and one ERROR event carrying a 410 Expired Status
//   (what kube's watch cache answers), so clients relist.
// - A client that does not read fast enough is cut off once its unsent bytes pass a bound; it then
//   re-watches from the last revision it saw. Other watchers and writers never wait for it.
import type { ApiHandler } from './types.ts';
import { boolParam, filterOf, intParam } from './params.ts';
import { badRequest, expired, toStatusError } from '../../shared/errors.ts';
import { formatOf, includeObjectOf } from '../http/respond.ts';
import { tableFor } from '../tables/index.ts';
import { listObjects } from '../registry/list.ts';
import { StorageError } from '../storage/interface.ts';
import type { CachedEvent, Subscription, WatchEventType } from '../watch/cacher.ts';
import type { KubeObject } from '../registry/object.ts';
import { watchSettings } from '../watch/settings.ts';

export const watchHandler: ApiHandler = async ({ req, reply, info, store, query, registry }) => {
  const filter = filterOf(store, query, info.name ? `metadata.name=${info.name}` : undefined);
  const format = formatOf(req);
  const includeObject = includeObjectOf(req);
  const allowBookmarks = boolParam(query.allowWatchBookmarks);
  const sendInitialEvents = query.sendInitialEvents === undefined ? undefined : boolParam(query.sendInitialEvents);
  const rv = query.resourceVersion ?? '';
  if (sendInitialEvents !== undefined && (query.resourceVersionMatch !== 'NotOlderThan' || !allowBookmarks))
    throw badRequest('sendInitialEvents requires setting resourceVersionMatch to NotOlderThan and allowWatchBookmarks to true');
  const timeoutSeconds = intParam('timeoutSeconds', query.timeoutSeconds);
  const timeoutMs = timeoutSeconds !== undefined ? timeoutSeconds * 1000 : watchSettings.minRequestTimeoutMs * (1 + Math.random());

  // Legacy rule: no revision (or "0") means "start with the current state", unless told otherwise.
  const withInitial = sendInitialEvents ?? (rv === '' || rv === '0');
  let initial: KubeObject[] = [];
  let afterRevision: number;
  if (withInitial) {
    const listed = await listObjects(store, { namespace: info.namespace, filter, resourceVersion: rv || undefined });
    initial = listed.items;
    afterRevision = listed.revision;
  } else if (rv === '' || rv === '0') {
    afterRevision = store.backend.currentRevision();
  } else {
    afterRevision = Number(rv);
    if (!Number.isInteger(afterRevision) || afterRevision < 0) throw badRequest(`invalid resource version "${rv}"`);
  }

  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
  res.flushHeaders();

  const apiVersion = store.type.group ? `${store.type.group}/${store.type.version}` : store.type.version;
  let lastRevision = afterRevision;
  let closed = false;
  let subscription: Subscription | undefined;
  let sentTable = false;

  const encodeObject = (obj: KubeObject): string => {
    if (format.table) {
      // Like kube, only the first table of a watch carries the column definitions.
      const table = tableFor(store.type.plural, store.type.group, [obj], { includeObject, noHeaders: sentTable });
      sentTable = true;
      return JSON.stringify(table);
    }
    if (format.metadataOnly) return JSON.stringify({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata });
    return JSON.stringify(obj);
  };

  /** A plain JSON event line is the same for every watcher that gets it: made once, as bytes, and shared. */
  const lineOf = (type: WatchEventType, event: CachedEvent, side: 'object' | 'prev'): Buffer | string => {
    const obj = side === 'object' ? event.object : event.prev!;
    if (format.table || format.metadataOnly) return `{"type":"${type}","object":${encodeObject(obj)}}\n`;
    const shape = `${type}/${side}`;
    let line = event.lines.get(shape);
    if (!line) event.lines.set(shape, (line = Buffer.from(`{"type":"${type}","object":${JSON.stringify(obj)}}\n`)));
    return line;
  };

  const write = (line: string | Buffer) => {
    if (closed) return;
    res.write(line);
    if (res.writableLength > watchSettings.maxPendingBytes) {
      // Too slow a reader: drop it rather than buffer without bound; it will re-watch from its last revision.
      close();
      res.destroy();
    }
  };

  const close = () => {
    if (closed) return;
    closed = true;
    clearTimeout(timer);
    clearInterval(bookmarkTimer);
    subscription?.stop();
    registry.openWatches--;
  };
  registry.openWatches++;
  const timer = setTimeout(() => {
    if (allowBookmarks) sendBookmark();
    close();
    res.end();
  }, timeoutMs);
  const sendBookmark = (extra?: Record<string, string>) => {
    // Never ahead of an event this watcher has yet to receive: a client resumes from a bookmark.
    if (subscription) lastRevision = Math.max(lastRevision, subscription.safeRevision());
    const metadata: Record<string, unknown> = { resourceVersion: String(lastRevision) };
    if (extra) metadata.annotations = extra;
    write(`{"type":"BOOKMARK","object":${JSON.stringify({ kind: store.type.kind, apiVersion, metadata })}}\n`);
  };
  const bookmarkTimer = allowBookmarks ? setInterval(() => sendBookmark(), watchSettings.bookmarkIntervalMs) : undefined;
  res.on('close', close);
  req.raw.on('close', close);

  for (const obj of initial) write(`{"type":"ADDED","object":${encodeObject(obj)}}\n`);
  if (sendInitialEvents) sendBookmark({ 'k8s.io/initial-events-end': 'true' });

  /** Ends the stream with an ERROR event, as kube does (a Compacted store error is 410 Expired: relist). */
  const fail = (err: unknown) => {
    if (closed) return;
    const status = err instanceof StorageError && err.code === 'Compacted'
      ? expired(`too old resource version: ${afterRevision} (${store.backend.compactedRevision()})`).toStatus()
      : toStatusError(err).toStatus();
    write(`{"type":"ERROR","object":${JSON.stringify(status)}}\n`);
    close();
    res.end();
  };
  try {
    subscription = store.cacher!.subscribe(afterRevision, {
      namespace: info.namespace,
      matches: filter.matches,
      deliver: (type: WatchEventType, event: CachedEvent, side) => {
        lastRevision = event.revision;
        write(lineOf(type, event, side));
      },
      fail,
    });
  } catch (err) {
    fail(err);
  }
  if (closed) subscription?.stop();
};
