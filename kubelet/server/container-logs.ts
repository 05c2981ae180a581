// GET /containerLogs/<namespace>/<pod>/<container>: the kubelet's log endpoint, which the API server's
// pods/log proxies to. Options as kube's PodLogOptions: follow, previous, timestamps, tailLines,
// limitBytes, sinceSeconds, sinceTime. Errors are plain text with the kubelet's status codes and
// messages (404 for an unknown pod or container, 400 for a container with no logs to show).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PodWorker } from '../pod/pod-worker.ts';
import type { LogLine } from '../runtime/container-log.ts';

export type PodLookup = (namespace: string, name: string) => PodWorker | undefined;

function fail(res: ServerResponse, code: number, message: string): void {
  res.writeHead(code, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(message);
}

function intParam(query: URLSearchParams, name: string): number | undefined | Error {
  const raw = query.get(name);
  if (raw === null || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n)) return new Error(`${name}: Invalid value: "${raw}": must be an integer`);
  return n;
}

const truthy = (v: string | null) => v === 'true' || v === '1';

export function serveContainerLogs(req: IncomingMessage, res: ServerResponse, url: URL, lookup: PodLookup): void {
  const [, , namespace, podName, containerName] = url.pathname.split('/').map(decodeURIComponent);
  if (!namespace || !podName || !containerName) return fail(res, 400, 'Missing container name.');
  const worker = lookup(namespace, podName);
  if (!worker) return fail(res, 404, `pod "${podName}/${namespace}" does not exist\n`);
  const container = worker.container(containerName);
  if (!container) return fail(res, 404, `container "${containerName}" not found in pod "${podName}/${namespace}"\n`);

  const q = url.searchParams;
  const tailLines = intParam(q, 'tailLines');
  const limitBytes = intParam(q, 'limitBytes');
  const sinceSeconds = intParam(q, 'sinceSeconds');
  for (const v of [tailLines, limitBytes, sinceSeconds]) if (v instanceof Error) return fail(res, 400, v.message);
  if (typeof tailLines === 'number' && tailLines < 0) return fail(res, 422, `tailLines: Invalid value: ${tailLines}: must be greater than or equal to 0`);
  const sinceTime = q.get('sinceTime');
  let sinceMs: number | undefined;
  if (typeof sinceSeconds === 'number') sinceMs = Date.now() - sinceSeconds * 1000;
  else if (sinceTime) sinceMs = Date.parse(sinceTime);

  const source = container.logSource(truthy(q.get('previous')));
  if (typeof source === 'string') return fail(res, 400, source);

  const timestamps = truthy(q.get('timestamps'));
  let budget = typeof limitBytes === 'number' && limitBytes > 0 ? limitBytes : Infinity;
  res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-cache' });
  /** Writes a line; false once limitBytes is used up. */
  const write = (line: LogLine): boolean => {
    if (sinceMs !== undefined && line.ms < sinceMs) return true;
    let text = `${timestamps ? `${line.time} ` : ''}${line.text}\n`;
    if (Buffer.byteLength(text) > budget) text = Buffer.from(text).subarray(0, budget).toString();
    budget -= Buffer.byteLength(text);
    res.write(text);
    return budget > 0;
  };
  for (const line of source.log.read({ tailLines: typeof tailLines === 'number' ? tailLines : undefined })) {
    if (!write(line)) return void res.end();
  }
  if (!truthy(q.get('follow'))) return void res.end();
  const unfollow = source.log.follow((line) => {
    if (line === null || !write(line)) {
      unfollow();
      res.end();
    }
  });
  req.once('close', () => unfollow());
}
