// The pod-template-hash of a Deployment's template (kube's controller.ComputeHash): fnv32a over the
// template, then the collision count, printed in decimal and encoded with SafeEncodeString so it has no
// vowels (no words) and no ambiguous characters. Kube hashes Go's printed struct, which we cannot
// reproduce; we hash the template's JSON with sorted keys, which is as stable across processes and
// restarts. The hash only names ReplicaSets: which ReplicaSet matches a template is decided by comparing
// templates (equalIgnoreHash), never by the hash.
import type { PodTemplateSpec } from '../../../shared/api/pod-spec.ts';

/** rand.SafeEncodeString's alphabet: consonants and digits that cannot spell words or look alike. */
const SAFE_ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

export function safeEncodeString(s: string): string {
  let out = '';
  for (const ch of s) out += SAFE_ALPHANUMS[ch.codePointAt(0)! % SAFE_ALPHANUMS.length];
  return out;
}

const FNV32_OFFSET = 0x811c9dc5;
const FNV32_PRIME = 0x01000193;

function fnv32a(bytes: Uint8Array, hash = FNV32_OFFSET): number {
  for (const b of bytes) hash = Math.imul(hash ^ b, FNV32_PRIME) >>> 0;
  return hash;
}

/** JSON with object keys sorted at every level, so equal templates always print the same. */
export function canonicalJSON(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJSON).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJSON(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export function computeHash(template: PodTemplateSpec, collisionCount: number | undefined): string {
  let hash = fnv32a(new TextEncoder().encode(canonicalJSON(template)));
  if (collisionCount !== undefined) {
    // Eight bytes, the count little-endian in the first four, as kube writes it.
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setUint32(0, collisionCount >>> 0, true);
    hash = fnv32a(bytes, hash);
  }
  return safeEncodeString(String(hash));
}
