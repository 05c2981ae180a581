// A patch that cannot be applied. The code says which HTTP status kube-apiserver answers with for
// the same failure (k8s.io/apiserver/pkg/endpoints/handlers/patch.go), so the API server can turn
// it into the very Status a real cluster would send.
import { StatusError, badRequest } from '../errors.ts';

/**
 * - 400: the patch is malformed: a JSON patch that is not a list of operations, a strategic merge
 *   patch that is not an object, a badly formed `$retainKeys`, `$setElementOrder/…` or
 *   `$deleteFromPrimitiveList/…` directive.
 * - 422: the patch is well formed but cannot be applied: a failed JSON patch `test`, a missing path,
 *   a bad array index, an unknown op; a strategic merge patch with lists of lists.
 * - 500: every other strategic merge patch failure (an unknown `$patch` value, a list element
 *   without its merge key, …): kube-apiserver passes those errors through unwrapped.
 */
export type PatchErrorCode = 400 | 422 | 500;

/** kube-apiserver replaces the cause of a 422 patch failure with this fixed sentence. */
export const PATCH_REJECTED_MESSAGE = 'the server rejected our request due to an error in our request';

export class PatchError extends Error {
  constructor(
    message: string,
    readonly code: PatchErrorCode,
  ) {
    super(message);
    this.name = 'PatchError';
  }

  /** The Status kube-apiserver sends for this failure; `message` stays the detailed cause for logs. */
  toStatusError(): StatusError {
    switch (this.code) {
      case 400:
        return badRequest(this.message);
      case 422:
        // NewGenericServerResponse(422, …): reason Invalid, the cause is dropped, details empty.
        return new StatusError(422, 'Invalid', PATCH_REJECTED_MESSAGE, {});
      case 500:
        // kube sends the raw error text with an empty reason; our Status type has no empty reason.
        return new StatusError(500, 'InternalError', this.message);
    }
  }
}

export const isPatchError = (e: unknown): e is PatchError => e instanceof PatchError;
