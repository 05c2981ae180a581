// Pagination tokens in kube's format: base64 of {"v":"meta.k8s.io/v1","rv":<revision>,"start":"<key suffix>"},
// so a list continues at the same revision it started at.
import { badRequest } from '../../shared/errors.ts';

export interface ContinueToken {
  /** The revision the list is read at; -1 means the latest (kube's token after a 410). */
  revision: number;
  /** The key to start at, relative to the collection prefix. */
  start: string;
}

export function encodeContinue(token: ContinueToken): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: token.revision, start: token.start })).toString('base64');
}

export function decodeContinue(text: string): ContinueToken {
  try {
    const parsed = JSON.parse(Buffer.from(text, 'base64').toString('utf8')) as { v?: string; rv?: number; start?: string };
    if (parsed.v !== 'meta.k8s.io/v1' || typeof parsed.rv !== 'number' || typeof parsed.start !== 'string' || parsed.start.includes('..'))
      throw new Error('bad token');
    return { revision: parsed.rv, start: parsed.start };
  } catch {
    throw badRequest(`continue key is not valid: ${text}`);
  }
}
