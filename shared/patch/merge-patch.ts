// application/merge-patch+json: RFC 7386 JSON merge patch, as evanphx/json-patch applies it for
// kube-apiserver. `kubectl label`, `annotate`, `scale` and `patch --type merge` send these.
import { type JsonObject, cloneJson, getOwn, isJsonObject, setOwn } from './json-values.ts';

/**
 * Returns `original` with `patch` merged in: objects merge key by key, `null` deletes a key,
 * anything else (arrays included) replaces. A patch that is not an object replaces the whole
 * document. Neither input is modified.
 */
export function applyMergePatch(original: unknown, patch: unknown): unknown {
  if (!isJsonObject(patch)) return cloneJson(patch);
  const target: JsonObject = isJsonObject(original) ? cloneJson(original) : {};
  mergeInto(target, patch);
  return target;
}

function mergeInto(target: JsonObject, patch: JsonObject): void {
  for (const key of Object.keys(patch)) {
    const value = patch[key];
    if (value === null) {
      delete target[key];
    } else if (isJsonObject(value)) {
      // A new or non-object target becomes {} first, which is also what drops nulls nested in it.
      const current = getOwn(target, key);
      const child: JsonObject = isJsonObject(current) ? current : {};
      mergeInto(child, value);
      setOwn(target, key, child);
    } else {
      setOwn(target, key, cloneJson(value));
    }
  }
}
