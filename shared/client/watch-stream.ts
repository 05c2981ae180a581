// Reads a watch response: newline-delimited JSON events, parsed one line at a time as they arrive.
import type { Readable } from 'node:stream';
import type { Status } from '../errors.ts';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export type WatchEvent<T> =
  | { type: 'ADDED' | 'MODIFIED' | 'DELETED'; object: T }
  | { type: 'BOOKMARK'; object: { metadata: { resourceVersion: string; annotations?: Record<string, string> } } }
  | { type: 'ERROR'; object: Status };

export async function* watchStream<T>(body: Readable): AsyncGenerator<WatchEvent<T>> {
  let buffer = '';
  try {
    for await (const chunk of body) {
      buffer += typeof chunk === 'string' ? chunk : (chunk as Buffer).toString('utf8');
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl).trim();
        buffer = buffer.slice(nl + 1);
        if (line) yield JSON.parse(line) as WatchEvent<T>;
      }
    }
  } finally {
    body.destroy();
  }
}
