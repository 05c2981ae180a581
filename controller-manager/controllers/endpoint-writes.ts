// What the Endpoints and EndpointSlice controllers need when they compare and write objects.
import { StatusError } from '../../shared/errors.ts';

/** JSON with object keys sorted: two values that mean the same serialize the same. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = canonical(v);
    }
    return out;
  }
  return value;
}

/** Deep equality that ignores key order and absent-versus-undefined fields (apiequality.Semantic for our uses). */
export const semanticallyEqual = (a: unknown, b: unknown): boolean => JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));

/**
 * The API server refuses new objects in a terminating namespace; the namespace is about to go with
 * everything in it, so retrying is pointless (kube checks the NamespaceTerminating cause).
 */
export const isNamespaceTerminating = (err: unknown): boolean =>
  err instanceof StatusError && err.code === 403 &&
  (err.details?.causes?.some((c) => c.reason === 'NamespaceTerminating') || /is being terminated/.test(err.message));
