// Small HTTP helpers for tests: JSON requests and a watch stream reader, over undici.
import { request } from 'undici';

export interface JsonResponse<T = any> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: T;
}

export async function call<T = any>(base: string, method: string, path: string, body?: unknown, contentType = 'application/json', headers: Record<string, string> = {}): Promise<JsonResponse<T>> {
  const res = await request(base + path, {
    method: method as 'GET',
    headers: { ...(body !== undefined ? { 'content-type': contentType } : {}), accept: 'application/json', ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.body.text();
  let parsed: unknown = text;
  try { parsed = text ? JSON.parse(text) : undefined; } catch { /* not JSON: keep the text */ }
  return { status: res.statusCode, headers: res.headers, body: parsed as T };
}

export interface WatchEvent<T = any> { type: string; object: T }

/** Opens a watch and yields its events as they arrive; `close()` ends it. */
export async function openWatch(base: string, path: string) {
  const controller = new AbortController();
  const res = await request(base + path, { method: 'GET', signal: controller.signal });
  const events: WatchEvent[] = [];
  const waiters: (() => void)[] = [];
  let ended = false;
  let buffer = '';
  (async () => {
    try {
      for await (const chunk of res.body) {
        buffer += chunk.toString();
        let nl: number;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + 1);
          if (line.trim()) events.push(JSON.parse(line));
        }
        waiters.splice(0).forEach((w) => w());
      }
    } catch { /* aborted */ }
    ended = true;
    waiters.splice(0).forEach((w) => w());
  })();
  return {
    status: res.statusCode,
    events,
    get ended() { return ended; },
    /** Resolves once `predicate` holds for the events so far (or rejects after timeoutMs). */
    async until(predicate: (events: WatchEvent[]) => boolean, timeoutMs = 10_000): Promise<WatchEvent[]> {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(events)) {
        if (ended) throw new Error(`watch ended before condition held; got ${events.length} events`);
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`timed out waiting on watch; got ${events.length} events: ${JSON.stringify(events.slice(-3))}`);
        // Woken by each new event, and every 100 ms for predicates that also look outside the watch.
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, Math.min(left, 100));
          waiters.push(() => { clearTimeout(t); resolve(); });
        });
      }
      return events;
    },
    /** Resolves once the server has ended the stream (or rejects after timeoutMs). */
    async end(timeoutMs = 10_000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while (!ended) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`timed out waiting for the watch to end; got ${events.length} events`);
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, left);
          waiters.push(() => { clearTimeout(t); resolve(); });
        });
      }
    },
    close() { controller.abort(); },
  };
}
